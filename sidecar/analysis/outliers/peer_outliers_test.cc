#include "sidecar/analysis/outliers/peer_outliers.h"

#include <gtest/gtest.h>

#include <random>

namespace streamlens::analysis {
namespace {

// 12 brokers x (bytes in, messages in, request rate, handler idle, CPU); broker 7 is overloaded.
std::vector<double> Brokers() {
  std::mt19937 rng(9);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> rows;
  for (int b = 0; b < 12; ++b) {
    const bool hot = b == 7;
    rows.push_back(5e7 * (1 + 0.03 * g(rng)) * (hot ? 2.5 : 1));
    rows.push_back(4e4 * (1 + 0.03 * g(rng)) * (hot ? 2.5 : 1));
    rows.push_back(900 * (1 + 0.03 * g(rng)) * (hot ? 2.0 : 1));
    rows.push_back(hot ? 0.15 : 0.7 + 0.02 * g(rng));
    rows.push_back(hot ? 0.95 : 0.4 + 0.02 * g(rng));
  }
  return rows;
}

TEST(PeerOutliersTest, AllMethodsFlagOnlyTheOverloadedBroker) {
  const std::vector<double> rows = Brokers();
  auto z = PeerRobustZ(rows, 5);
  auto db = PeerDbscan(rows, 5, {1.5, 3});
  IsolationForestParams ip;
  ip.subsample = 12;
  auto iso = PeerIsolationForest(rows, 5, ip, 0.6);
  ASSERT_TRUE(z.ok() && db.ok() && iso.ok());
  EXPECT_EQ(db->clusters, 1);
  for (int b = 0; b < 12; ++b) {
    if (b == 7) {
      EXPECT_GT(z->score[b], 1) << b;
      EXPECT_GT(db->score[b], 1) << b;
      EXPECT_EQ(db->label[b], -1);
      EXPECT_GT(iso->score[b], 1) << b;
    } else {
      EXPECT_LT(z->score[b], 1) << b;
      EXPECT_LE(db->score[b], 1) << b;
      EXPECT_LT(iso->score[b], 1) << b;
    }
  }
}

// Request-handler idle of six brokers: a tiny spread makes 0.75 against 0.74 a large robust z,
// but a 1% difference is no outlier; 0.20 against 0.76 is. A metric whose median is 0 (under-
// replicated partitions) is judged by z alone.
TEST(PeerOutliersTest, RobustZNeedsAMaterialDifference) {
  const std::vector<double> calm = {0.740, 0.741, 0.739, 0.740, 0.740, 0.750};
  auto r = PeerRobustZ(calm, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->score[5], 1.0);
  auto z_only = PeerRobustZ(calm, 1, 3.5, 0.0);
  ASSERT_TRUE(z_only.ok());
  EXPECT_GT(z_only->score[5], 1.0);
  const std::vector<double> saturated = {0.76, 0.75, 0.77, 0.76, 0.74, 0.20};
  r = PeerRobustZ(saturated, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->score[5], 1.0);
  for (int i = 0; i < 5; ++i) EXPECT_LT(r->score[i], 1.0);
  const std::vector<double> urp = {0, 0, 0, 0, 0, 3};
  r = PeerRobustZ(urp, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->score[5], 1.0);
  EXPECT_FALSE(PeerRobustZ(urp, 1, 3.5, -1).ok());
}

TEST(PeerOutliersTest, StandardizeMatchesPopulationZ) {
  std::vector<double> rows = {1, 10, 2, 10, 3, 10};
  auto z = Standardize(rows, 2);
  EXPECT_NEAR(z[0], -1.224744871391589, 1e-12);
  EXPECT_NEAR(z[4], 1.224744871391589, 1e-12);
  EXPECT_EQ(z[1], 0.0);
}

TEST(PeerOutliersTest, IsolationForestScoresAreDeterministicAndFlagFarPoint) {
  std::mt19937 rng(1);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> rows;
  for (int i = 0; i < 500; ++i) {
    rows.push_back(g(rng));
    rows.push_back(g(rng));
  }
  rows.push_back(8);
  rows.push_back(8);
  auto a = IsolationForest::Fit(rows, 2, {});
  auto b = IsolationForest::Fit(rows, 2, {});
  ASSERT_TRUE(a.ok() && b.ok());
  auto sa = a->Score(rows), sb = b->Score(rows);
  EXPECT_EQ(sa, sb);
  EXPECT_GT(sa.back(), 0.7);
  EXPECT_LT(sa[0], 0.6);
  EXPECT_NEAR(AveragePathLength(256), 10.244770920116851, 1e-9);
  EXPECT_FALSE(IsolationForest::Fit(std::vector<double>{1.0}, 1, {}).ok());
}

TEST(PeerOutliersTest, RejectsNonFiniteMetrics) {
  std::vector<double> rows = {1, 2, 3, std::nan("")};
  auto r = PeerRobustZ(rows, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("member 1 metric 1"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::analysis
