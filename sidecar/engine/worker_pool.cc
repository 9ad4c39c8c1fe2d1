#include "sidecar/engine/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>

namespace streamlens::engine {

WorkerPool::WorkerPool(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      ++uncaught_;
    }
  }
}

size_t WorkerPool::uncaught_exceptions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uncaught_;
}

namespace {

std::string Describe(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what();
  } catch (...) {
    return "exception of unknown type";
  }
}

}  // namespace

std::vector<IndexError> WorkerPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return {};
  struct Shared {
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::mutex mu;
    std::condition_variable cv;
    std::vector<IndexError> errors;  // guarded by mu
  };
  auto shared = std::make_shared<Shared>();
  size_t total = n;
  // Helpers capture `fn` by pointer: they only touch it while holding an index < n, and the
  // caller does not return before every index is done.
  const std::function<void(size_t)>* f = &fn;
  auto work = [shared, f, total] {
    for (;;) {
      size_t i = shared->next.fetch_add(1);
      if (i >= total) return;
      try {
        (*f)(i);
      } catch (...) {
        std::string what = Describe(std::current_exception());
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->errors.push_back({i, std::move(what)});
      }
      if (shared->done.fetch_add(1) + 1 == total) {
        std::lock_guard<std::mutex> lock(shared->mu);
        shared->cv.notify_all();
      }
    }
  };
  size_t helpers = std::min(threads_.size(), n - 1);
  for (size_t h = 0; h < helpers; ++h) Submit(work);
  work();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->done.load() == total; });
  std::vector<IndexError> errors = std::move(shared->errors);
  std::sort(errors.begin(), errors.end(),
            [](const IndexError& a, const IndexError& b) { return a.index < b.index; });
  return errors;
}

}  // namespace streamlens::engine
