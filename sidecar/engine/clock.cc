#include "sidecar/engine/clock.h"

#include <algorithm>
#include <chrono>

namespace streamlens::engine {
namespace {

class WallClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 int64_t deadline_ms) const override {
    // At most a second at a time: the wall clock may jump.
    const int64_t wait = std::clamp<int64_t>(deadline_ms - NowMs(), 1, 1000);
    cv.wait_for(lock, std::chrono::milliseconds(wait));
  }
};

}  // namespace

std::shared_ptr<const Clock> SystemClock() {
  static const std::shared_ptr<const Clock> clock = std::make_shared<WallClock>();
  return clock;
}

void ManualClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            int64_t deadline_ms) const {
  if (NowMs() >= deadline_ms) return;
  cv.wait_for(lock, std::chrono::milliseconds(2));
}

}  // namespace streamlens::engine
