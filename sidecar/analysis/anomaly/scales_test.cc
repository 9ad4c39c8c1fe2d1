// DecayedQuantiles and SeasonalProfile, the detector's two memories of a series.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "sidecar/analysis/anomaly/channels.h"
#include "sidecar/analysis/anomaly/decayed_quantiles.h"
#include "sidecar/analysis/anomaly/seasonal_profile.h"

namespace streamlens::analysis {
namespace {

constexpr int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

// High quantiles are searched from the top, low ones from the bottom: both agree with the values
// to within a bin (a factor 2^(1/3)) and with each other around the median.
TEST(DecayedQuantilesTest, QuantilesFromEitherEndMatchTheValues) {
  DecayedQuantiles d(7 * kDay);
  for (int i = 1; i <= 1000; ++i) d.Add(0, i);
  const double bin = std::exp2(1.0 / DecayedQuantiles::kBinsPerOctave);
  for (double q : {0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999}) {
    const double got = d.Quantile(q), want = 1000 * q;
    EXPECT_LT(got, want * bin) << q;
    EXPECT_GT(got, want / bin) << q;
  }
  EXPECT_NEAR(d.Quantile(0.5 - 1e-9), d.Quantile(0.5 + 1e-9), 1e-3 * d.Quantile(0.5));
  EXPECT_LE(d.Quantile(0.999), d.Quantile(1.0));
}

// One value per minute over [from, to).
void Fill(SeasonalProfile& p, int64_t from, int64_t to, double level) {
  for (int64_t t = from; t < to; t += kMinute) p.Add(t, level);
}

// The expected window mean is remembered per window and forgotten when a cycle completes: the
// same window asked again a day later has another answer.
TEST(SeasonalProfileTest, ExpectedWindowMeansFollowNewCycles) {
  SeasonalProfile p(kDay, 15 * kMinute, 3, 0);
  Fill(p, 0, 2 * kDay, 10);
  Fill(p, 2 * kDay, 3 * kDay + kMinute, 40);  // days 0-2 complete: 10, 10, 40
  const int64_t start = 3 * kDay + 6 * kHour, end = start + kHour;
  EXPECT_DOUBLE_EQ(p.ExpectedWindowMean(start, end), 10);
  EXPECT_DOUBLE_EQ(p.ExpectedWindowMean(start, end + kMinute), 10);
  Fill(p, 3 * kDay + kMinute, 4 * kDay + kMinute, 40);  // days 1-3 complete; day 0 has left
  // Shifted back one and two days the window lies in days 2 (40) and 1 (10).
  EXPECT_DOUBLE_EQ(p.ExpectedWindowMean(start, end), 25);
}

// What a level is compared with: the lower and upper median of the comparable cycles' means (one
// value for an odd count), so with two past days a level like either of them is usual.
TEST(SeasonalProfileTest, ExpectedWindowBandSpansTheMiddleCycles) {
  SeasonalProfile p(kDay, 15 * kMinute, 3, 0);
  Fill(p, 0, 2 * kDay, 10);
  Fill(p, 2 * kDay, 3 * kDay + kMinute, 40);  // days 0-2 complete: 10, 10, 40
  const int64_t start = 3 * kDay + 6 * kHour, end = start + kHour;
  EXPECT_EQ(p.ExpectedWindowBand(start, end), std::make_pair(10.0, 10.0));
  Fill(p, 3 * kDay + kMinute, 4 * kDay + kMinute, 40);  // days 1-3 complete: 10, 40 in the window
  EXPECT_EQ(p.ExpectedWindowBand(start, end), std::make_pair(10.0, 40.0));
  EXPECT_DOUBLE_EQ(p.ExpectedWindowMean(start, end), 25);
}

// The level channel measures a window's mean outside the band, in each direction.
TEST(LevelChannelTest, DeviationsAreMeasuredOutsideTheBand) {
  LevelChannel level(kHour, 7 * kDay, kDay);
  level.SetModels({0});
  for (int64_t t = 0; t < kHour; t += kMinute) level.Add(t, 30);
  EXPECT_EQ(level.Score(0, 10, 40, 1).dev_up, 0);
  EXPECT_EQ(level.Score(0, 10, 40, 1).dev_down, 0);
  EXPECT_DOUBLE_EQ(level.Score(0, 10, 25, 1).dev_up, 5);
  EXPECT_DOUBLE_EQ(level.Score(0, 35, 40, 1).dev_down, 5);
  EXPECT_DOUBLE_EQ(level.Score(0, 25, 1).dev_up, 5);  // a single expectation: a band of one value
}

}  // namespace
}  // namespace streamlens::analysis
