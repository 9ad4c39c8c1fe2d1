#include "sidecar/engine/drift_refits.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <string_view>

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

// The state keeps the spacing and whether the last fit was early; a truncated state or a spacing
// below the floor is refused and leaves the object as it was.
TEST(DriftRefitsTest, SaveAndLoadKeepTheBackOff) {
  DriftRefits d;
  d.OnFit(kNone, 0, kDay, false);
  for (int i = 0; i < 3; ++i) {  // early refits that do not cure the drift: 1 h, 2 h, 4 h
    const int64_t fit = i * 10 * kHour;
    d.Observe(true, fit + 60'000);
    d.OnFit(fit, fit + 10 * kHour, kDay, true);
  }
  ASSERT_EQ(d.spacing_ms(), 4 * kHour);
  std::string blob;
  StateWriter w(&blob);
  d.Save(w);
  DriftRefits e;
  StateReader r(blob);
  ASSERT_TRUE(e.Load(r));
  EXPECT_EQ(e.spacing_ms(), 4 * kHour);
  EXPECT_TRUE(e.drifted());
  EXPECT_TRUE(e.Due(40 * kHour, 30 * kHour));
  EXPECT_FALSE(e.Due(33 * kHour, 30 * kHour));

  DriftRefits f;
  StateReader truncated(std::string_view(blob).substr(0, blob.size() - 1));
  EXPECT_FALSE(f.Load(truncated));
  std::string low;
  StateWriter lw(&low);
  lw.U8(1);
  lw.I64(0);
  lw.I64(kHour - 1);
  lw.U8(0);
  StateReader lr(low);
  EXPECT_FALSE(f.Load(lr));
  EXPECT_EQ(f.spacing_ms(), kDriftRefitSpacing);
  EXPECT_FALSE(f.drifted());
}

}  // namespace
}  // namespace streamlens::engine
