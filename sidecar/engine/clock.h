// Clock: the engine's time, injected so that tests move time themselves instead of sleeping.
//
// The engine reads the time with NowMs() and its scheduler waits for the next due job with
// WaitUntil(); SystemClock() is wall time. ManualClock is time that stands still until Set() or
// Advance(): a test advances it and waits on a condition (a job's cycle having run), never on
// elapsed real time. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace streamlens::engine {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
  // Waits on `cv` (with `lock` held on entry and on return) until it is notified or this clock
  // reaches `deadline_ms`; may return early (callers re-check their condition).
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         int64_t deadline_ms) const = 0;
};

// Wall time (std::chrono::system_clock).
std::shared_ptr<const Clock> SystemClock();

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 0) : now_(now_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  // Waits in short slices (a few milliseconds of real time) so an Advance() from another thread
  // is seen promptly without the clock knowing the waiter's mutex.
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 int64_t deadline_ms) const override;
  void Set(int64_t now_ms) { now_.store(now_ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace streamlens::engine
