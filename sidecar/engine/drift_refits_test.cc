#include "sidecar/engine/drift_refits.h"

#include <gtest/gtest.h>

#include <limits>

namespace streamlens::engine {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

TEST(DriftRefitsTest, OnlyADriftedModelIsDueAndOnlyOneSpacingAfterItsFit) {
  DriftRefits d;
  d.OnFit(kNone, 0, kDay, false);
  d.Observe(false, 2 * kHour);
  EXPECT_FALSE(d.Due(2 * kHour, 0));
  d.Observe(true, 2 * kHour);
  EXPECT_TRUE(d.Due(2 * kHour, 0));
  EXPECT_FALSE(d.Due(kHour - 1, 0));
}

// Drift refits that do not cure the drift double the spacing up to fit_every (the first fit's
// model drifting soon says nothing about refits); a model that then holds for a whole spacing
// resets it to an hour.
TEST(DriftRefitsTest, UncuredRefitsBackOffAndACuredOneResets) {
  DriftRefits d;
  d.OnFit(kNone, 0, 5 * kHour, false);
  int64_t fit = 0;
  for (int64_t want : {kHour, 2 * kHour, 4 * kHour, 5 * kHour, 5 * kHour}) {
    d.Observe(true, fit + 60'000);  // drifted a minute after the fit
    ASSERT_TRUE(d.Due(fit + d.spacing_ms(), fit));
    const int64_t now = fit + d.spacing_ms();
    d.Observe(false, now);  // the new model
    d.OnFit(fit, now, 5 * kHour, true);
    EXPECT_EQ(d.spacing_ms(), want);
    fit = now;
  }
  // This model holds for longer than the spacing, then drifts: a new change, refitted after 1 h.
  d.Observe(true, fit + 6 * kHour);
  const int64_t now = fit + 6 * kHour;
  d.Observe(false, now);
  d.OnFit(fit, now, 5 * kHour, true);
  EXPECT_EQ(d.spacing_ms(), kDriftRefitSpacing);
}

}  // namespace
}  // namespace streamlens::engine
