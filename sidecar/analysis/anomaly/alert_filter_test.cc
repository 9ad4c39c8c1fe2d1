#include "sidecar/analysis/anomaly/alert_filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sidecar/analysis/anomaly/causal_scorer.h"

namespace streamlens::analysis {
namespace {

TEST(PersistenceTest, AlertsOnlyWhenKOfLastNAreAnomalous) {
  auto p = Persistence::Create(3, 5);
  ASSERT_TRUE(p.ok());
  std::vector<double> s = {2, 0, 2, 0, 0, 2, 2, 0, 0, 0};
  std::vector<bool> want = {false, false, false, false, false, false, true, false, false, false};
  for (size_t i = 0; i < s.size(); ++i) EXPECT_EQ(p->Push(s[i]), want[i]) << i;
  EXPECT_FALSE(Persistence::Create(4, 3).ok());
}

// Consumer lag in minutes of one day (1440 points): ~100 messages of noise-free background, and
// at 10:00 a burst that rises to 50,000 and is caught up within 40 minutes.
std::vector<double> LagDays(int days, int runaway_day) {
  std::vector<double> x;
  for (int d = 0; d < days; ++d) {
    for (int m = 0; m < 1440; ++m) {
      double v = 100 + 5 * std::sin(m * 0.7 + d);
      const int since = m - 600;
      if (since >= 0 && since < 40)
        v += since < 10 ? 5000.0 * (since + 1) : 50000 - 1666.0 * (since - 10);
      if (d == runaway_day && since >= 10) v = 50000.0 + 400.0 * since;  // never caught up
      x.push_back(v);
    }
  }
  return x;
}

int AlertsOnDay(const std::vector<double>& x, int day) {
  CausalScorerParams sp;  // no period given: the scorer itself flags every burst
  auto scorer = CausalScorer::Create(sp);
  BurstParams bp;
  bp.period = 1440;
  bp.phase_tolerance = 30;
  auto filter = RecurringBurstFilter::Create(bp);
  EXPECT_TRUE(scorer.ok() && filter.ok());
  auto scores = scorer->Update(x);
  int alerts = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const bool alert = filter->Push(scores[i].score);
    if (alert && static_cast<int>(i / 1440) == day) ++alerts;
  }
  return alerts;
}

TEST(RecurringBurstFilterTest, DailyBurstCaughtUpInUsualTimeDoesNotAlert) {
  const std::vector<double> x = LagDays(6, -1);
  EXPECT_GT(AlertsOnDay(x, 0), 0);  // first sight of the burst: nothing known yet
  EXPECT_EQ(AlertsOnDay(x, 4), 0);
  EXPECT_EQ(AlertsOnDay(x, 5), 0);
}

TEST(RecurringBurstFilterTest, LagThatKeepsGrowingPastUsualRecoveryAlerts) {
  const std::vector<double> x = LagDays(6, 5);
  EXPECT_EQ(AlertsOnDay(x, 4), 0);
  EXPECT_GT(AlertsOnDay(x, 5), 100);
}

TEST(RecurringBurstFilterTest, BurstAtUnusualTimeAlerts) {
  BurstParams bp;
  bp.period = 100;
  bp.phase_tolerance = 2;
  auto f = RecurringBurstFilter::Create(bp);
  ASSERT_TRUE(f.ok());
  for (int d = 0; d < 3; ++d) {
    for (int i = 0; i < 100; ++i) f->Push(i >= 10 && i < 15 ? 5.0 : 0.0);
  }
  bool alerted = false;
  for (int i = 0; i < 100; ++i) alerted |= f->Push(i >= 50 && i < 55 ? 5.0 : 0.0);
  EXPECT_TRUE(alerted);
  BurstParams bad = bp;
  bad.period = 1;
  EXPECT_FALSE(RecurringBurstFilter::Create(bad).ok());
}

TEST(RecurringBurstFilterTest, RestoredStateBehavesLikeTheOriginal) {
  BurstParams bp;
  bp.period = 24;
  bp.phase_tolerance = 1;
  auto a = RecurringBurstFilter::Create(bp);
  ASSERT_TRUE(a.ok());
  auto score = [](int t) { return t % 24 >= 3 && t % 24 < 6 ? 5.0 : 0.0; };
  for (int t = 0; t < 24 * 3 + 4; ++t) (void)a->Push(score(t));  // ends inside a burst
  auto b = RecurringBurstFilter::Restore(bp, a->state());
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->state().start, a->state().start);
  int alerts = 0;
  for (int t = 24 * 3 + 4; t < 24 * 6; ++t) {
    const double s = t >= 24 * 5 ? 5.0 : score(t);  // the last day: a burst that never ends
    const bool alert = a->Push(s);
    EXPECT_EQ(alert, b->Push(s)) << t;
    alerts += alert;
  }
  EXPECT_GT(alerts, 0);  // the runaway burst alerts in both
  RecurringBurstFilter::State bad = a->state();
  bad.episodes.push_back({24, 1});  // phase outside the period
  EXPECT_FALSE(RecurringBurstFilter::Restore(bp, bad).ok());
  bad = a->state();
  bad.start = bad.t;
  EXPECT_FALSE(RecurringBurstFilter::Restore(bp, bad).ok());
}

}  // namespace
}  // namespace streamlens::analysis
