#include "sidecar/analysis/anomaly/detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace streamlens::analysis {
namespace {

constexpr int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

// A daily cycle with noise at `step`, for `days`; `at` adds to selected points.
std::vector<double> Daily(int64_t step, int days, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  const size_t n = static_cast<size_t>(days * kDay / step);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    const double h = static_cast<double>(static_cast<int64_t>(i) * step % kDay) / kHour;
    x[i] = 1000 + 300 * std::sin(2 * M_PI * h / 24) + 10 * g(rng);
  }
  return x;
}

struct Trace {
  std::vector<DetectorPoint> points;
  double max_score_from(size_t i) const {
    double m = 0;
    for (size_t k = i; k < points.size(); ++k) m = std::max(m, points[k].score);
    return m;
  }
};

Trace Feed(const DetectorSpec& spec, const std::vector<double>& x, int64_t step,
           int64_t origin = 0) {
  auto d = Detector::Create(spec);
  EXPECT_TRUE(d.ok()) << d.status().message();
  Trace r;
  for (size_t i = 0; i < x.size(); ++i) {
    r.points.push_back((*d)->Next(origin + static_cast<int64_t>(i) * step, x[i]));
  }
  return r;
}

TEST(DetectorSpecTest, ParsesFormatsAndNamesBadKeys) {
  auto s = ParseDetectorSpec("direction=above,min_duration=5m,levels=30m+2h,sensitivity=4");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->direction, Direction::kAbove);
  EXPECT_EQ(s->min_duration_ms, 5 * kMinute);
  EXPECT_EQ(s->level_spans_ms, (std::vector<int64_t>{30 * kMinute, 2 * kHour}));
  EXPECT_EQ(s->sensitivity, 4);
  auto back = ParseDetectorSpec(FormatDetectorSpec(*s));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(FormatDetectorSpec(*back), FormatDetectorSpec(*s));

  auto bad = ParseDetectorSpec("usual=abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("usual"), std::string::npos);
  auto unknown = ParseDetectorSpec("level=10");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown key \"level\""), std::string::npos);
  EXPECT_FALSE(ParseDetectorSpec("sensitivity=-1").ok());
  EXPECT_FALSE(FindDetector("nope").ok());
  EXPECT_TRUE(FindDetector("streamlens").ok());
}

TEST(DetectorTest, QuietOnItsOwnPatternAndFindsASustainedShift) {
  const int64_t step = kMinute;
  std::vector<double> x = Daily(step, 12, 1);
  const size_t at = static_cast<size_t>(10 * kDay / step + 6 * kHour / step);
  for (size_t i = at; i < at + 120; ++i) x[i] += 200;  // two hours 20 sigma up
  const Trace r = Feed(DetectorSpec{}, x, step);
  double before = 0;
  for (size_t i = static_cast<size_t>(kDay / step); i < at; ++i) {
    before = std::max(before, r.points[i].score);
  }
  EXPECT_LE(before, 1.0);
  double during = 0;
  size_t first = x.size();
  for (size_t i = at; i < at + 120; ++i) {
    during = std::max(during, r.points[i].score);
    if (r.points[i].score > 1 && first == x.size()) first = i;
  }
  EXPECT_GT(during, 1.0);
  EXPECT_LE(first, at + 5) << "detected " << first - at << " minutes after the start";
}

// A deviation that grows for hours (a leak raising the level by 0.6 noise sigma an hour, 1/50 of
// the daily swing) is judged against the days before it: it is found within 12 hours, while the
// same series without it stays quiet. When the channels learnt every point up to the current one,
// the growing deviation taught them its own size and was never found in three days.
TEST(DetectorTest, ADeviationGrowingForHoursIsJudgedAgainstThePastDays) {
  const int64_t step = kMinute;
  const std::vector<double> quiet = Daily(step, 12, 5);
  std::vector<double> x = quiet;
  const size_t at = static_cast<size_t>(9 * kDay / step);
  for (size_t i = at; i < x.size(); ++i) x[i] += 0.1 * static_cast<double>(i - at);  // 6 an hour
  const Trace q = Feed(DetectorSpec{}, quiet, step);
  EXPECT_LE(q.max_score_from(static_cast<size_t>(kDay / step)), 1.0);
  const Trace r = Feed(DetectorSpec{}, x, step);
  size_t first = x.size();
  for (size_t i = at; i < x.size() && first == x.size(); ++i) {
    if (r.points[i].score > 1) first = i;
  }
  ASSERT_LT(first, x.size()) << "never found";
  EXPECT_LE(first, at + static_cast<size_t>(12 * kHour / step))
      << "found after " << (first - at) * step / kMinute << " min";
}

// Irregular and gappy timestamps (a scrape every 40-80 s, a missing hour every day, a missing
// half day once): the clock's day is still found, the pattern stays quiet and a sustained shift
// is found within minutes.
TEST(DetectorTest, IrregularAndGappyTimestamps) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int64_t> jitter(40'000, 80'000);
  std::normal_distribution<double> g(0, 1);
  const int64_t shift_at = 10 * kDay + 6 * kHour, shift_end = shift_at + 2 * kHour;
  auto d = Detector::Create(DetectorSpec{});
  ASSERT_TRUE(d.ok());
  double before = 0, during = 0;
  int64_t first = -1;
  for (int64_t t = 0; t < 12 * kDay; t += jitter(rng)) {
    const int64_t in_day = t % kDay;
    if (in_day >= 13 * kHour && in_day < 14 * kHour) continue;  // a gap every day
    if (t >= 5 * kDay && t < 5 * kDay + 12 * kHour) continue;   // and half a day once
    const double h = static_cast<double>(in_day) / kHour;
    double y = 1000 + 300 * std::sin(2 * M_PI * h / 24) + 10 * g(rng);
    if (t >= shift_at && t < shift_end) y += 200;
    const DetectorPoint p = (*d)->Next(t, y);
    if (t >= kDay && t < shift_at) before = std::max(before, p.score);
    if (t >= shift_at && t < shift_end) {
      during = std::max(during, p.score);
      if (p.score > 1 && first < 0) first = t;
    }
  }
  EXPECT_EQ((*d)->step_ms() >= 40'000 && (*d)->step_ms() <= 80'000, true) << (*d)->step_ms();
  const std::vector<int64_t> periods = (*d)->candidate_periods_ms();
  EXPECT_NE(std::find(periods.begin(), periods.end(), kDay), periods.end());
  EXPECT_LE(before, 1.0);
  EXPECT_GT(during, 1.0);
  EXPECT_GE(first, shift_at);
  EXPECT_LE(first, shift_at + 10 * kMinute)
      << "found " << (first - shift_at) / kMinute << " min in";
}

TEST(DetectorTest, OneSampleBlipsAreNotAnomalousButLongerExcursionsAre) {
  const int64_t step = kMinute;
  std::vector<double> x = Daily(step, 6, 2);
  const size_t blip = static_cast<size_t>(4 * kDay / step + 3 * kHour / step);
  x[blip] += 2000;  // 200 sigma, one sample
  const Trace r = Feed(DetectorSpec{}, x, step);
  EXPECT_LE(r.points[blip].score, 1.0);
  EXPECT_LE(r.points[blip + 1].score, 1.0);

  std::vector<double> y = Daily(step, 6, 2);
  for (size_t i = blip; i < blip + 3; ++i) y[i] += 2000;  // three minutes
  const Trace r2 = Feed(DetectorSpec{}, y, step);
  EXPECT_GT(r2.points[blip + 1].score, 1.0);
}

// A deviation the series shows every few days (a rebalance pause, a batch that runs twice a
// week) is usual with `usual=7d`: it does not page once the detector has seen it recur, while one
// four times as large still does. With the default usual=1d the recurring one pages.
TEST(DetectorTest, DeviationsThatRecurEveryFewDaysAreUsual) {
  const int64_t step = kMinute;
  const int days = 20;
  std::vector<double> x = Daily(step, days, 5);
  auto burst = [&](std::vector<double>& v, int64_t start, double height) {
    for (int64_t i = start / step; i < (start + 5 * kMinute) / step; ++i) {
      v[static_cast<size_t>(i)] += height;
    }
  };
  // Five minutes every fourth day (rarer than once a day, more often than once a week), at a time
  // of day that differs, so the seasonal envelope cannot learn it.
  for (int d = 1; d < days - 1; d += 4) burst(x, d * kDay + (3 + d % 7) * kHour, 150);
  const size_t last = static_cast<size_t>((days - 3) * kDay / step);  // the burst of day 17
  std::vector<double> big = x;
  burst(big, (days - 1) * kDay + 13 * kHour, 600);

  auto weekly = ParseDetectorSpec("usual=7d");
  ASSERT_TRUE(weekly.ok());
  const Trace r = Feed(*weekly, x, step);
  EXPECT_LE(r.max_score_from(last), 1.0) << "with usual=7d a burst seen every four days pages";
  const Trace rb = Feed(*weekly, big, step);
  EXPECT_GT(rb.max_score_from(static_cast<size_t>((days - 1) * kDay / step)), 1.0);

  // The default (usual=1d) pages on it: a deviation rarer than daily is unusual.
  EXPECT_GT(Feed(DetectorSpec{}, x, step).max_score_from(last), 1.0)
      << "with usual=1d the recurring burst should page";
}

// An excursion must hold min_duration (5 minutes by default) to count: a consumer's lag after a
// rebalance pause drains within a few minutes. Levels off, so only the excursion channel speaks.
TEST(DetectorTest, ExcursionsShorterThanFiveMinutesDoNotCountByDefault) {
  const int64_t step = kMinute;
  auto spec = ParseDetectorSpec("levels=none");
  ASSERT_TRUE(spec.ok());
  const size_t at = static_cast<size_t>(5 * kDay / step + 3 * kHour / step);  // a Tuesday
  auto with_excursion = [&](int minutes) {
    std::vector<double> x = Daily(step, 6, 7);
    for (size_t i = at; i < at + static_cast<size_t>(minutes); ++i) x[i] += 2000;
    return Feed(*spec, x, step).max_score_from(at);
  };
  EXPECT_LE(with_excursion(4), 1.0);
  EXPECT_GT(with_excursion(6), 1.0);
}

// A burst that is already draining when it has lasted min_duration (the lag of a rebalance pause
// being consumed: up 2000 and down 300 a minute) does not count; lag that keeps growing does.
TEST(DetectorTest, AnExcursionDrainingFromItsPeakDoesNotCount) {
  const int64_t step = kMinute;
  auto spec = ParseDetectorSpec("levels=none");
  ASSERT_TRUE(spec.ok());
  const size_t at = static_cast<size_t>(5 * kDay / step + 3 * kHour / step);
  auto with_burst = [&](double first, double per_minute) {
    std::vector<double> x = Daily(step, 6, 7);
    for (size_t k = 0; k < 7; ++k) x[at + k] += std::max(0.0, first + per_minute * k);
    return Feed(*spec, x, step).max_score_from(at);
  };
  EXPECT_LE(with_burst(2000, -300), 1.0);
  EXPECT_GT(with_burst(300, 300), 1.0);
}

// NAB output: lag that grows for hours (its score growing with it) is one detection above 1, at
// the start of the episode; a larger incident after the score fell back below 1 is another.
TEST(DetectorTest, AnAnomalousEpisodeIsOneNabDetectionHoweverItsScoreGrows) {
  const int64_t step = kMinute;
  const size_t at = static_cast<size_t>(5 * kDay / step + 3 * kHour / step);
  const size_t second = at + static_cast<size_t>(18 * kHour / step);  // after `onset`
  std::vector<double> x = Daily(step, 7, 9);
  for (size_t k = 0; k < 180; ++k) {
    x[at + k] += 200 + 50.0 * static_cast<double>(k);
    x[second + k] += 20000;
  }
  const Trace r = Feed(DetectorSpec{}, x, step);
  int detections = 0;
  size_t above = 0;
  for (size_t i = at; i < at + 180; ++i) {
    detections += r.points[i].nab > 0.5;
    above += r.points[i].score > 1;
  }
  EXPECT_GT(above, 170u);  // one episode: the score stays above 1 (it would report ~every rise)
  EXPECT_EQ(detections, 1);
  EXPECT_GT(r.max_score_from(second), 1.0);
  int later = 0;
  for (size_t i = second; i < second + 180; ++i) later += r.points[i].nab > 0.5;
  EXPECT_EQ(later, 1);
}

// The first weekend (a day type not seen yet) is compared by shape at any level within a factor
// of two, from its first minute: traffic that is lower on Saturdays does not page at midnight
// (five weekdays from a Monday, then the first weekend), traffic three times as high does.
TEST(DetectorTest, TheFirstWeekendIsJudgedByShapeWithinAFactorOfTwo) {
  const int64_t step = kMinute, monday = 4 * kDay;  // t = 0 is a Thursday
  const size_t saturday = static_cast<size_t>(5 * kDay / step);
  auto weekend = [&](double factor) {
    std::vector<double> x = Daily(step, 7, 8);
    for (size_t i = saturday; i < x.size(); ++i) x[i] *= factor;
    return Feed(DetectorSpec{}, x, step, monday).max_score_from(saturday);
  };
  EXPECT_LE(weekend(0.6), 1.0);
  EXPECT_GT(weekend(3.0), 1.0);
}

// A daily batch whose lag burst wanders by +-20 minutes and +-40% in height is usual once a week
// of it has been seen; with one week of history the weekly profile knows a single cycle (no
// spread), and the excursion must be judged by the model for which it is least unusual.
TEST(DetectorTest, AWanderingDailyBurstIsUsual) {
  const int64_t step = kMinute;
  const int days = 12;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> shift(-20, 20), height(0.6, 1.4);
  std::normal_distribution<double> noise(0, 10);
  std::vector<double> x(static_cast<size_t>(days * kDay / step));
  for (double& v : x) v = 100 + std::fabs(noise(rng));
  for (int d = 0; d < days; ++d) {
    const int64_t start = d * kDay + 3 * kHour + static_cast<int64_t>(shift(rng) * kMinute);
    const double peak = 80000 * height(rng);
    for (int m = 0; m < 30; ++m) {  // rises for 10 minutes, drains for 20
      const double v = m < 10 ? peak * (m + 1) / 10 : peak * (30 - m) / 20;
      x[static_cast<size_t>((start + m * kMinute) / step)] += v;
    }
  }
  const Trace r = Feed(DetectorSpec{}, x, step);
  EXPECT_LE(r.max_score_from(static_cast<size_t>(7 * kDay / step)), 1.0);
}

TEST(DetectorTest, OneSampleIsEnoughWhenTheStepIsLongerThanMinDuration) {
  const int64_t step = 5 * kMinute;
  std::vector<double> x = Daily(step, 14, 3);
  const size_t spike = static_cast<size_t>(10 * kDay / step);
  x[spike] += 2000;
  const Trace r = Feed(DetectorSpec{}, x, step);
  EXPECT_GT(r.points[spike].score, 1.0);
  EXPECT_GT(r.points[spike].nab, 0.5);
}

TEST(DetectorTest, GapsAreNeitherScoredNorLearnt) {
  auto d = Detector::Create(DetectorSpec{});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->Next(0, 1).scored);
  EXPECT_FALSE((*d)->Next(kMinute, std::nan("")).scored);
  EXPECT_FALSE((*d)->Next(0, 5).scored) << "a timestamp that does not advance is ignored";
  EXPECT_TRUE((*d)->Next(2 * kMinute, 1).scored);
}

TEST(DetectorTest, SerializeRestoreContinuesBitForBit) {
  const int64_t step = kMinute;
  const std::vector<double> x = Daily(step, 9, 4);
  auto a = Detector::Create(DetectorSpec{});
  ASSERT_TRUE(a.ok());
  const size_t half = x.size() / 2;
  for (size_t i = 0; i < half; ++i) (*a)->Next(static_cast<int64_t>(i) * step, x[i]);
  auto b = Detector::Restore(DetectorSpec{}, (*a)->Serialize());
  ASSERT_TRUE(b.ok()) << b.status().message();
  for (size_t i = half; i < x.size(); ++i) {
    const DetectorPoint pa = (*a)->Next(static_cast<int64_t>(i) * step, x[i]);
    const DetectorPoint pb = (*b)->Next(static_cast<int64_t>(i) * step, x[i]);
    ASSERT_EQ(pa.score, pb.score) << i;
    ASSERT_EQ(pa.nab, pb.nab) << i;
    ASSERT_EQ(pa.yhat_upper, pb.yhat_upper) << i;
  }
  EXPECT_EQ((*a)->Serialize(), (*b)->Serialize());
}

TEST(DetectorTest, RestoreRejectsCorruptOrForeignState) {
  auto a = Detector::Create(DetectorSpec{});
  ASSERT_TRUE(a.ok());
  const std::vector<double> x = Daily(kMinute, 2, 5);
  for (size_t i = 0; i < x.size(); ++i) (*a)->Next(static_cast<int64_t>(i) * kMinute, x[i]);
  const std::string state = (*a)->Serialize();
  EXPECT_FALSE(Detector::Restore(DetectorSpec{}, state.substr(0, state.size() / 2)).ok());
  DetectorSpec other;
  other.level_spans_ms = {kHour};
  EXPECT_FALSE(Detector::Restore(other, state).ok());
  std::string bad = state;
  bad[0] ^= 1;  // another state version
  EXPECT_FALSE(Detector::Restore(DetectorSpec{}, bad).ok());
  for (size_t cut = 0; cut < state.size(); cut += 97) {
    EXPECT_FALSE(Detector::Restore(DetectorSpec{}, state.substr(0, cut)).ok()) << cut;
  }
}

}  // namespace
}  // namespace streamlens::analysis
