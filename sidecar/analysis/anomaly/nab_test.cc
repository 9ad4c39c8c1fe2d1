#include "sidecar/analysis/anomaly/nab.h"

#include <gtest/gtest.h>

#include <cmath>

namespace streamlens::analysis {
namespace {

double Sigma(double y) { return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0; }

TEST(NabTest, ProbationIsFifteenPercentCappedAt750) {
  EXPECT_EQ(NabProbation(1000), 150);
  EXPECT_EQ(NabProbation(4032), 604);
  EXPECT_EQ(NabProbation(22695), 750);
}

TEST(NabTest, PerfectDetectorScores100AndNullScores0) {
  NabFileInput f;
  f.category = "c";
  f.scores.assign(1000, 0.0);
  f.windows = {{400, 449}, {700, 719}};
  NabFileInput perfect = f;
  perfect.scores[400] = 1;
  perfect.scores[700] = 1;
  for (const auto& prof : NabProfiles()) {
    EXPECT_NEAR(ScoreNab({perfect}, prof).normalized, 100.0, 1e-9) << prof.name;
    EXPECT_NEAR(ScoreNab({f}, prof).normalized, 0.0, 1e-9) << prof.name;
  }
}

TEST(NabTest, LateDetectionAndFalsePositivesFollowTheFormulas) {
  NabFileInput f;
  f.category = "c";
  f.scores.assign(1000, 0.0);
  f.windows = {{400, 449}};
  f.scores[424] = 0.9;  // in window: y = -(449 - 424 + 1) / 50
  f.scores[474] = 0.9;  // after window: y = 25 / 49
  f.scores[200] = 0.9;  // before any window: -A_FP
  const NabProfile& std_profile = NabProfiles()[0];
  NabScore s = ScoreNab({f}, std_profile);
  const double tp = Sigma(-26.0 / 50.0) / Sigma(-1.0);
  const double fp = 0.11 * Sigma(25.0 / 49.0) - 0.11;
  EXPECT_NEAR(s.raw, tp + fp, 1e-12);
  EXPECT_EQ(s.detected, 1);
  EXPECT_EQ(s.false_positives, 2);
  EXPECT_NEAR(s.normalized, 100.0 * (tp + fp + 1.0) / 2.0, 1e-9);
  EXPECT_DOUBLE_EQ(s.threshold, 0.9);
  // At a fixed threshold above the scores nothing is detected: the null score.
  NabScore fixed = ScoreNab({f}, std_profile, 0.95);
  EXPECT_DOUBLE_EQ(fixed.threshold, 0.95);
  EXPECT_EQ(fixed.detected, 0);
  EXPECT_NEAR(fixed.normalized, 0.0, 1e-12);
  // A fixed threshold below them gives the same as the sweep here.
  EXPECT_NEAR(ScoreNab({f}, std_profile, 0.5).raw, tp + fp, 1e-12);
}

}  // namespace
}  // namespace streamlens::analysis
