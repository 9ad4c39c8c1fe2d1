// WorkerPool: a fixed number of threads running submitted tasks in FIFO order.
//
// The engine runs each job cycle as one task and spreads a job's per-series work over the pool
// with ParallelFor, in which the calling thread takes part: a ParallelFor never waits on a task
// that has not started, so nested use from inside a pool task cannot deadlock even when every
// worker is busy. Thread-safe. The destructor drains the queue and joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace streamlens::engine {

class WorkerPool {
 public:
  // `threads` >= 1 (0 is taken as the number of hardware threads).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }
  // Queues `task`. Tasks must not throw (an escaping exception terminates, as in std::thread).
  void Submit(std::function<void()> task);
  // Runs fn(i) for i in [0, n), spread over the pool and the calling thread, and returns when all
  // have finished. `fn` must be safe to call concurrently for different i.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);
  // Tasks queued but not yet started.
  size_t queued() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace streamlens::engine
