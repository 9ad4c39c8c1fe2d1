// WorkerPool: a fixed number of threads running submitted tasks in FIFO order.
//
// The engine runs each job cycle as one task and spreads a job's per-series work over the pool
// with ParallelFor, in which the calling thread takes part: a ParallelFor never waits on a task
// that has not started, so nested use from inside a pool task cannot deadlock even when every
// worker is busy. Thread-safe. The destructor drains the queue and joins the threads.
//
// No task can take the process down: an exception escaping fn(i) of a ParallelFor is caught and
// returned as that index's error (the other indices still run), and one escaping a submitted
// task is caught and counted (uncaught_exceptions()) so the worker keeps serving the queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace streamlens::engine {

// An exception that escaped fn(index) of a ParallelFor; `what` is its message.
struct IndexError {
  size_t index = 0;
  std::string what;
};

class WorkerPool {
 public:
  // `threads` >= 1 (0 is taken as the number of hardware threads).
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }
  // Queues `task`. An exception escaping it is swallowed and counted; a task that must report
  // its failure catches its own.
  void Submit(std::function<void()> task);
  // Runs fn(i) for i in [0, n), spread over the pool and the calling thread, and returns when all
  // have finished. `fn` must be safe to call concurrently for different i. Returns the indices
  // whose call threw, in increasing order (empty when none did).
  std::vector<IndexError> ParallelFor(size_t n, const std::function<void(size_t)>& fn);
  // Exceptions that escaped submitted tasks since construction.
  size_t uncaught_exceptions() const;
  // Tasks queued but not yet started.
  size_t queued() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  size_t uncaught_ = 0;  // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace streamlens::engine
