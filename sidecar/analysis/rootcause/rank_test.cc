#include "sidecar/analysis/rootcause/rank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace streamlens::analysis::rootcause {
namespace {

constexpr size_t kN = 300;

RankParams Windows() {
  RankParams p;
  p.baseline_begin = 0;
  p.baseline_end = 200;
  p.window_begin = 240;
  p.window_end = 300;
  p.max_shift = 3;
  return p;
}

std::vector<double> Noise(double sd, std::mt19937_64& rng) {
  std::normal_distribution<double> g(0, sd);
  std::vector<double> x(kN);
  for (double& v : x) v = g(rng);
  return x;
}

struct Case {
  std::vector<double> target, cands;
  std::vector<CandidateInfo> infos;
  void Add(const std::string& name, const std::vector<double>& s, Layer layer = Layer::kPlatform,
           double prior = 1.0, int dir = 0) {
    cands.insert(cands.end(), s.begin(), s.end());
    infos.push_back({name, layer, prior, dir});
  }
};

TEST(RankTest, StepCauseBeatsTrendAndNoise) {
  std::mt19937_64 rng(1);
  Case c;
  std::vector<double> cause = Noise(1.0, rng);
  for (size_t t = 250; t < kN; ++t) cause[t] += 10;
  c.target = Noise(1.0, rng);
  for (size_t t = 251; t < kN; ++t) c.target[t] += 2.0 * (t - 250);  // ramps after the cause
  std::vector<double> trend = Noise(0.5, rng);
  for (size_t t = 0; t < kN; ++t) trend[t] += 0.5 * t;  // keeps trending: not a change
  c.Add("noise", Noise(1.0, rng));
  c.Add("trend", trend);
  c.Add("cause", cause, Layer::kData);
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->ranked.size(), 3u);
  EXPECT_EQ(r->ranked[0].name, "cause");
  EXPECT_EQ(r->ranked[0].layer, Layer::kData);
  EXPECT_GT(r->ranked[0].score, 0.5);
  EXPECT_GT(r->ranked[0].change_z, 5.0);
  EXPECT_TRUE(r->ranked[0].has_onset);
  EXPECT_EQ(r->ranked[0].onset, 10);
  EXPECT_TRUE(r->target_has_onset);
  // The trending series shows no change once detrended.
  for (const CandidateScore& s : r->ranked) {
    if (s.name == "trend") {
      EXPECT_LT(std::abs(s.change_z), 3.0);
      EXPECT_LT(s.score, 0.2);
    }
  }
  // Without detrending the trend looks correlated with the ramping target.
  RankParams raw = Windows();
  raw.detrend = Detrend::kNone;
  Result<RankResult> r2 = RankCandidates(c.target, c.cands, c.infos, raw);
  ASSERT_TRUE(r2.ok());
  double detrended_sim = 0, raw_sim = 0;
  for (const CandidateScore& s : r->ranked) {
    if (s.name == "trend") detrended_sim = s.similarity;
  }
  for (const CandidateScore& s : r2->ranked) {
    if (s.name == "trend") raw_sim = s.similarity;
  }
  EXPECT_GT(raw_sim, 0.8);
  EXPECT_LT(detrended_sim, 0.5);
}

TEST(RankTest, MisalignedClockIsTolerated) {
  std::mt19937_64 rng(2);
  Case c;
  std::vector<double> base = Noise(1.0, rng);
  for (size_t t = 0; t < kN; ++t) base[t] += 5 * std::sin(t * 0.3);
  c.target = base;
  for (size_t t = 250; t < kN; ++t) c.target[t] += 8 * std::sin(t * 0.7);
  std::vector<double> shifted(kN);
  for (size_t t = 0; t < kN; ++t) shifted[t] = c.target[t >= 2 ? t - 2 : 0];  // 2 samples late
  c.Add("shifted", shifted);
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranked[0].lag, -2);
  EXPECT_GT(std::abs(r->ranked[0].correlation), 0.95);
  EXPECT_GT(r->ranked[0].dtw_similarity, 0.9);
}

TEST(RankTest, EffectsAfterTheTargetArePenalized) {
  std::mt19937_64 rng(3);
  Case c;
  c.target = Noise(1.0, rng);
  for (size_t t = 245; t < kN; ++t) c.target[t] += 10;
  std::vector<double> early = Noise(1.0, rng), late = Noise(1.0, rng);
  for (size_t t = 244; t < kN; ++t) early[t] += 10;
  for (size_t t = 275; t < kN; ++t) late[t] += 30;
  c.Add("late", late);
  c.Add("early", early);
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranked[0].name, "early");
  EXPECT_DOUBLE_EQ(r->ranked[0].precedence, 1.0);
  EXPECT_LT(r->ranked[1].precedence, 0.01);
}

TEST(RankTest, WrongDirectionAndPriorLowerTheScore) {
  std::mt19937_64 rng(4);
  Case c;
  c.target = Noise(1.0, rng);
  for (size_t t = 250; t < kN; ++t) c.target[t] += 10;  // latency up (bad)
  std::vector<double> up = Noise(1.0, rng), down = Noise(1.0, rng);
  for (size_t t = 250; t < kN; ++t) {
    up[t] += 10;
    down[t] -= 10;
  }
  c.Add("load_up", up, Layer::kData, 1.0, +1);
  c.Add("load_down", down, Layer::kData, 1.0, +1);
  c.Add("symptom_up", up, Layer::kPlatform, 0.6, +1);
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranked[0].name, "load_up");
  EXPECT_EQ(r->ranked[1].name, "symptom_up");
  EXPECT_NEAR(r->ranked[1].score, 0.6 * r->ranked[0].score, 1e-12);
  EXPECT_EQ(r->ranked[2].name, "load_down");
  EXPECT_DOUBLE_EQ(r->ranked[2].direction, 0.25);
}

TEST(RankTest, FlatBaselineStillScores) {
  Case c;
  std::mt19937_64 rng(5);
  c.target = Noise(1.0, rng);
  for (size_t t = 250; t < kN; ++t) c.target[t] += 10;
  std::vector<double> shrinks(kN, 0.0);
  for (size_t t = 250; t < kN; ++t) shrinks[t] = 3.0;
  c.Add("isr_shrinks", shrinks);
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::isfinite(r->ranked[0].change_z));
  EXPECT_GT(r->ranked[0].strength, 0.99);
  EXPECT_EQ(r->ranked[0].relative_change, 0.0);  // baseline median 0
}

TEST(RankTest, TopNAndErrors) {
  std::mt19937_64 rng(6);
  Case c;
  c.target = Noise(1.0, rng);
  for (int i = 0; i < 5; ++i) c.Add("n" + std::to_string(i), Noise(1.0, rng));
  RankParams p = Windows();
  p.top_n = 2;
  Result<RankResult> r = RankCandidates(c.target, c.cands, c.infos, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ranked.size(), 2u);

  RankParams bad = Windows();
  bad.window_end = kN + 1;
  EXPECT_FALSE(RankCandidates(c.target, c.cands, c.infos, bad).ok());
  bad = Windows();
  bad.baseline_end = 250;  // overlaps the window
  EXPECT_FALSE(RankCandidates(c.target, c.cands, c.infos, bad).ok());
  std::vector<double> short_cands(c.cands.begin(), c.cands.end() - 1);
  EXPECT_FALSE(RankCandidates(c.target, short_cands, c.infos, Windows()).ok());
  c.cands[2 * kN + 260] = std::nan("");
  Result<RankResult> nan = RankCandidates(c.target, c.cands, c.infos, Windows());
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("'n2'"), std::string::npos);
  c.cands[2 * kN + 260] = 0;
  c.infos[0].prior = 0;
  EXPECT_FALSE(RankCandidates(c.target, c.cands, c.infos, Windows()).ok());
  EXPECT_STREQ(LayerName(Layer::kResources), "resources");
}

}  // namespace
}  // namespace streamlens::analysis::rootcause
