#include "sidecar/analysis/anomaly/detectors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace streamlens::analysis {
namespace {

TEST(DetectorsTest, DetectPeriodFindsTheCycleInTheDataOrNothing) {
  std::mt19937 rng(1);
  std::normal_distribution<double> g(0, 0.3);
  std::vector<double> x(600);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * i / 48.0) + g(rng);
  EXPECT_EQ(DetectPeriod(x), 48);
  std::vector<double> noise(600);
  for (auto& v : noise) v = g(rng);
  EXPECT_EQ(DetectPeriod(noise), 0);
  EXPECT_EQ(DetectPeriod(std::vector<double>(600, 3.0)), 0);
}

TEST(DetectorsTest, DefaultDetectorIsCausalAndFlagsALevelShiftOnset) {
  auto spec = FindDetector(DetectorNames().front());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->name, "streamlens");
  std::mt19937 rng(2);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = 10 * std::sin(2 * M_PI * i / 50.0) + g(rng) + (i >= 2000 ? 12 : 0);
  }
  auto a = StreamingDetector::Create(*spec);
  auto b = StreamingDetector::Create(*spec);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<double> sa, sb;
  for (double v : x) sa.push_back((*a)->Next(v));
  for (size_t i = 0; i < 2001; ++i) sb.push_back((*b)->Next(x[i]));
  EXPECT_EQ((*a)->detected_period(), 50);
  for (size_t i = 0; i < sb.size(); ++i) ASSERT_EQ(sa[i], sb[i]) << i;
  const double onset = *std::max_element(sa.begin() + 2000, sa.begin() + 2005);
  const double before = *std::max_element(sa.begin() + 1000, sa.begin() + 2000);
  EXPECT_GT(onset, before);
  for (double s : sa) {
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
  EXPECT_FALSE(FindDetector("nope").ok());
  EXPECT_FALSE(FindDetector("custom:bogus=1").ok());
}

}  // namespace
}  // namespace streamlens::analysis
