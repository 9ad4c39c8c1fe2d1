// CoalescedCall: runs an expensive idempotent operation (a configuration reload) for concurrent
// callers without running it once per caller.
//
// A caller gets the result of a run that started after its call: if none is running, it runs one;
// if one is running, it waits for that run to finish and for one more run, which every caller that
// arrived in the meantime shares. N concurrent calls therefore cost at most two runs, and no
// caller sees a result computed before it asked (a reload requested after a config file changed
// always reads the changed file). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "common/status.h"

namespace streamlens {

class CoalescedCall {
 public:
  explicit CoalescedCall(std::function<Status()> fn) : fn_(std::move(fn)) {}

  Status Run() {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t target = started_ + 1;  // the first run that starts after this call
    while (completed_ < target) {
      if (running_) {
        cv_.wait(lock);
        continue;
      }
      running_ = true;
      const uint64_t generation = ++started_;
      lock.unlock();
      Status s = fn_();
      lock.lock();
      running_ = false;
      completed_ = generation;
      last_ = s;
      cv_.notify_all();
    }
    return last_;
  }
  // Runs so far (for tests).
  uint64_t runs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return completed_;
  }

 private:
  std::function<Status()> fn_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  uint64_t started_ = 0;
  uint64_t completed_ = 0;
  Status last_;
};

}  // namespace streamlens
