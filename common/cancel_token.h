// CancelToken: tells long-running work (a remote-read fetch blocked in a socket read) that the
// process is shutting down, and lets that work register how to interrupt itself.
//
// Cancel() sets the flag and runs every registered callback once (those registered later run at
// registration). Registering is const: holders of a const token can react to it, not cancel it. A
// callback runs under the token's lock, so after Remove() returns it is not running and will not
// run. Callbacks must be quick and must not call back into the token. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace streamlens {

class CancelToken {
 public:
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    for (auto& [id, fn] : callbacks_) fn();
    cv_.notify_all();
  }
  bool cancelled() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }
  // Registers `fn` to run on Cancel(); runs it now when already cancelled. Returns an id for
  // Remove().
  uint64_t OnCancel(std::function<void()> fn) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) fn();
    callbacks_.emplace(next_id_, std::move(fn));
    return next_id_++;
  }
  void Remove(uint64_t id) const {
    std::lock_guard<std::mutex> lock(mu_);
    callbacks_.erase(id);
  }
  // Waits up to `d`; true when cancelled (before or during the wait).
  bool WaitFor(std::chrono::milliseconds d) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [this] { return cancelled_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool cancelled_ = false;
  mutable uint64_t next_id_ = 0;
  mutable std::map<uint64_t, std::function<void()>> callbacks_;
};

}  // namespace streamlens
