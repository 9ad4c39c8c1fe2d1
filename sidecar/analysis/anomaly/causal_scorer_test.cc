#include "sidecar/analysis/anomaly/causal_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace streamlens::analysis {
namespace {

std::vector<double> Seasonal(size_t n, int period, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(i % period) / period) + g(rng);
  }
  return x;
}

TEST(CausalScorerTest, ScoresFirstKPointsIdenticallyWhetherOrNotLaterPointsExist) {
  std::vector<double> x = Seasonal(3000, 96, 1);
  x[2000] += 30;
  CausalScorerParams p;
  p.period = 96;
  auto a = CausalScorer::Create(p);
  auto b = CausalScorer::Create(p);
  ASSERT_TRUE(a.ok() && b.ok());
  auto all = a->Update(x);
  const size_t k = 2100;
  auto prefix = b->Update(std::span<const double>(x.data(), k));
  for (size_t i = 0; i < k; ++i) {
    ASSERT_EQ(all[i].score, prefix[i].score) << i;
    ASSERT_EQ(all[i].yhat, prefix[i].yhat) << i;
  }
}

TEST(CausalScorerTest, SeasonalSpikeScoresAboveOneAndNormalPointsBelow) {
  std::vector<double> x = Seasonal(2000, 50, 2);
  x[1500] += 15;  // 15 sigma, but inside the seasonal range of the values
  CausalScorerParams p;
  p.period = 50;
  auto s = CausalScorer::Create(p);
  ASSERT_TRUE(s.ok());
  s->Fit(std::span<const double>(x.data(), 1000));
  auto out = s->Update(std::span<const double>(x.data() + 1000, 1000));
  EXPECT_GT(out[500].score, 3.0);
  EXPECT_NEAR(out[500].yhat, x[1500] - 15, 1.5);
  EXPECT_LT(out[500].yhat_lower, out[500].yhat);
  EXPECT_GT(out[500].yhat_upper, out[500].yhat);
  int above = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i != 500 && out[i].score > 1) ++above;
  }
  EXPECT_LT(above, 15);  // ~0.3% of normal points beyond 3 sigma
}

TEST(CausalScorerTest, DirectionAndMinimumDeviationOptions) {
  std::vector<double> x(400, 10.0);
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 0.1);
  for (auto& v : x) v += g(rng);
  CausalScorerParams p;
  p.direction = Direction::kAbove;
  auto s = CausalScorer::Create(p);
  ASSERT_TRUE(s.ok());
  s->Fit(std::span<const double>(x.data(), 300));
  std::vector<double> probe = {5.0, 15.0};
  auto out = s->Update(probe);
  EXPECT_EQ(out[0].score, 0.0);
  EXPECT_GT(out[1].score, 10.0);
  p.direction = Direction::kBoth;
  p.min_abs_dev = 100;  // nothing under 100 away from yhat is anomalous
  auto t = CausalScorer::Create(p);
  t->Fit(std::span<const double>(x.data(), 300));
  out = t->Update(probe);
  EXPECT_LT(out[1].score, 0.06);
  EXPECT_NEAR(out[1].yhat_upper - out[1].yhat, 100, 1e-9);
}

TEST(CausalScorerTest, WarmupAndGapsScoreZero) {
  CausalScorerParams p;
  p.warmup = 5;
  auto s = CausalScorer::Create(p);
  std::vector<double> x(100, 1.0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 2) ? 1.0 : 1.2;
  s->Fit(x);
  std::vector<double> next = {50, 50, 50, 50, 50, 50, std::nan("")};
  auto out = s->Update(next);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(out[i].warming_up);
    EXPECT_EQ(out[i].score, 0);
  }
  EXPECT_FALSE(out[5].warming_up);
  EXPECT_EQ(out[6].score, 0);
}

TEST(CausalScorerTest, SerializeRestoreContinuesIdentically) {
  std::vector<double> x = Seasonal(1500, 48, 4);
  CausalScorerParams p;
  p.period = 48;
  auto a = CausalScorer::Create(p);
  a->Update(std::span<const double>(x.data(), 1000));
  const std::vector<double> state = a->Serialize();
  EXPECT_LT(state.size(), 13 + 48 + 1000 + 1u);
  auto b = CausalScorer::Restore(p, state);
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto ra = a->Update(std::span<const double>(x.data() + 1000, 500));
  auto rb = b->Update(std::span<const double>(x.data() + 1000, 500));
  for (size_t i = 0; i < ra.size(); ++i) ASSERT_EQ(ra[i].score, rb[i].score) << i;
  p.period = 24;
  EXPECT_FALSE(CausalScorer::Restore(p, state).ok());
  EXPECT_FALSE(CausalScorer::Restore(p, std::vector<double>{1, 2, 3}).ok());
}

// Hourly data with a daily cycle and quiet weekends (periods 24 and 168).
std::vector<double> DailyWeekly(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) {
    const bool weekend = (i / 24) % 7 >= 5;
    x[i] = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(i % 24) / 24) - (weekend ? 30 : 0) +
           g(rng);
  }
  return x;
}

TEST(CausalScorerTest, MultiSeasonalBeatsSinglePeriodOnDailyPlusWeeklyData) {
  const size_t fit = 24 * 7 * 5, n = 24 * 7 * 8;
  std::vector<double> x = DailyWeekly(n, 5);
  const size_t spike = fit + 24 * 7 + 24 * 2 + 12;  // Wednesday noon of the second scored week
  x[spike] += 8;                                    // 8 sigma of the noise
  CausalScorerParams single;
  single.period = 24;
  single.fit_window = 24 * 7 * 5;
  CausalScorerParams multi = single;
  multi.extra_periods = {168};
  auto a = CausalScorer::Create(single);
  auto b = CausalScorer::Create(multi);
  ASSERT_TRUE(a.ok() && b.ok());
  a->Fit(std::span<const double>(x.data(), fit));
  b->Fit(std::span<const double>(x.data(), fit));
  auto ra = a->Update(std::span<const double>(x.data() + fit, n - fit));
  auto rb = b->Update(std::span<const double>(x.data() + fit, n - fit));
  double mae_a = 0, mae_b = 0;
  int above_a = 0, above_b = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    if (fit + i == spike) continue;
    mae_a += std::fabs(ra[i].y - ra[i].yhat);
    mae_b += std::fabs(rb[i].y - rb[i].yhat);
    above_a += ra[i].score > 1;
    above_b += rb[i].score > 1;
  }
  mae_a /= static_cast<double>(ra.size() - 1);
  mae_b /= static_cast<double>(rb.size() - 1);
  // The single-period model averages weekdays and weekends (errors ~ the 30-unit weekend drop);
  // the multi-seasonal one is left with the noise (~0.8 mean absolute error for unit noise).
  EXPECT_LT(mae_b, 1.5);
  EXPECT_GT(mae_a, 4 * mae_b);
  EXPECT_LT(above_b, 10);  // ~0.3% of 504 points beyond 3 sigma, plus slack
  EXPECT_GT(above_a, above_b);
  const size_t k = spike - fit;
  EXPECT_GT(rb[k].score, 1.5);
  EXPECT_NEAR(rb[k].yhat, x[spike] - 8, 2.0);
  EXPECT_LT(ra[k].score, rb[k].score);
}

TEST(CausalScorerTest, MultiSeasonalStateRoundTripsAndIsCausal) {
  std::vector<double> x = DailyWeekly(24 * 7 * 6, 6);
  CausalScorerParams p;
  p.period = 24;
  p.extra_periods = {168};
  auto a = CausalScorer::Create(p);
  ASSERT_TRUE(a.ok());
  a->Update(std::span<const double>(x.data(), 24 * 7 * 4));
  const std::vector<double> state = a->Serialize();
  auto b = CausalScorer::Restore(p, state);
  ASSERT_TRUE(b.ok()) << b.status().message();
  auto ra = a->Update(std::span<const double>(x.data() + 24 * 7 * 4, 24 * 7 * 2));
  auto rb = b->Update(std::span<const double>(x.data() + 24 * 7 * 4, 24 * 7 * 2));
  for (size_t i = 0; i < ra.size(); ++i) ASSERT_EQ(ra[i].score, rb[i].score) << i;
  CausalScorerParams q = p;
  q.extra_periods = {48};
  EXPECT_FALSE(CausalScorer::Restore(q, state).ok());
  q.extra_periods.clear();
  EXPECT_FALSE(CausalScorer::Restore(q, state).ok());
}

TEST(CausalScorerTest, RejectsBadParameters) {
  CausalScorerParams p;
  p.period = 1;
  EXPECT_FALSE(CausalScorer::Create(p).ok());
  p.period = 0;
  p.band_z = 0;
  EXPECT_FALSE(CausalScorer::Create(p).ok());
  p.band_z = 3;
  p.period = 500;
  p.fit_window = 600;
  auto r = CausalScorer::Create(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("two periods"), std::string::npos);
  CausalScorerParams m;
  m.extra_periods = {168};  // no main period
  EXPECT_FALSE(CausalScorer::Create(m).ok());
  m.period = 24;
  m.extra_periods = {24};
  EXPECT_FALSE(CausalScorer::Create(m).ok());
  m.extra_periods = {1};
  EXPECT_FALSE(CausalScorer::Create(m).ok());
  m.extra_periods = {168, 168};
  EXPECT_FALSE(CausalScorer::Create(m).ok());
}

}  // namespace
}  // namespace streamlens::analysis
