#include "sidecar/analysis/models/cpu_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

namespace streamlens::analysis::models {
namespace {

struct Synthetic {
  Eigen::MatrixXd x;
  Eigen::VectorXd cpu;
  Eigen::VectorXd truth;
  double intercept;
};

// Broker load following a daily cycle with bursts; CPU is a known linear function plus noise.
Synthetic MakeLoad(int n, double noise_sd, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Synthetic s;
  s.x.resize(n, kNumCpuFeatures);
  s.cpu.resize(n);
  s.truth.resize(kNumCpuFeatures);
  // CPU ratio per byte/s, request/s, message/s.
  s.truth << 6e-9, 1.5e-9, 3e-9, 2e-5, 1e-5, 2e-7;
  s.intercept = 0.04;
  for (int i = 0; i < n; ++i) {
    const double day = 1.0 + 0.5 * std::sin(2 * M_PI * i / 1440.0);
    const double burst = u(rng) < 0.05 ? 1.8 : 1.0;
    const double msgs = 20000 * day * burst * (1 + 0.1 * noise(rng));
    const double size = 800 + 200 * u(rng);  // message size varies: bytes and messages differ
    const double bin = msgs * size;
    s.x(i, kLeaderBytesIn) = bin;
    s.x(i, kLeaderBytesOut) = bin * (1.5 + 1.5 * u(rng));  // fan-out varies with consumers
    s.x(i, kReplicationBytesIn) = bin * (1.8 + 0.4 * u(rng));
    s.x(i, kProduceRequests) = msgs / (20 + 30 * u(rng));
    s.x(i, kFetchRequests) = 1500 + 500 * u(rng) * day;
    s.x(i, kMessagesIn) = msgs;
    s.cpu(i) = s.intercept + s.x.row(i).dot(s.truth) + noise_sd * noise(rng);
  }
  return s;
}

TEST(CpuModelTest, RecoversKnownCoefficientsWithHighR2) {
  const Synthetic s = MakeLoad(3000, 0.01, 1);
  CpuModelParams p;
  p.ridge_lambda = 1e-6;
  Result<CpuModel> m = FitCpuModel(s.x, s.cpu, p);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_GT(m->r2, 0.9);
  EXPECT_NEAR(m->intercept, s.intercept, 0.01);
  EXPECT_NEAR(m->coefficients(kLeaderBytesIn), s.truth(kLeaderBytesIn),
              0.1 * s.truth(kLeaderBytesIn));
  EXPECT_NEAR(m->coefficients(kLeaderBytesOut), s.truth(kLeaderBytesOut),
              0.15 * s.truth(kLeaderBytesOut));
  EXPECT_NEAR(m->residual_stddev, 0.01, 0.002);
  EXPECT_EQ(m->samples, 3000u);
}

TEST(CpuModelTest, MatchesNormalEquationsOnStandardizedFeatures) {
  // Independent check: solve the same ridge problem with a QR on an augmented system.
  const Synthetic s = MakeLoad(500, 0.02, 2);
  CpuModelParams p;
  p.ridge_lambda = 0.05;
  Result<CpuModel> m = FitCpuModel(s.x, s.cpu, p);
  ASSERT_TRUE(m.ok());
  const Eigen::Index n = s.x.rows(), k = s.x.cols();
  const Eigen::RowVectorXd mu = s.x.colwise().mean();
  Eigen::MatrixXd z = s.x.rowwise() - mu;
  Eigen::VectorXd sd(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    sd(j) = std::sqrt(z.col(j).squaredNorm() / n);
    z.col(j) /= sd(j);
  }
  Eigen::MatrixXd aug(n + k, k);
  aug << z, std::sqrt(p.ridge_lambda * n) * Eigen::MatrixXd::Identity(k, k);
  Eigen::VectorXd rhs(n + k);
  rhs << (s.cpu.array() - s.cpu.mean()).matrix(), Eigen::VectorXd::Zero(k);
  const Eigen::VectorXd beta = aug.colPivHouseholderQr().solve(rhs);
  for (Eigen::Index j = 0; j < k; ++j) {
    EXPECT_NEAR(m->coefficients(j), beta(j) / sd(j), 1e-9 * std::abs(beta(j) / sd(j)) + 1e-18);
  }
}

// Reference: scikit-learn Ridge on StandardScaler features (testdata/make_ridge_fixture.py).
TEST(CpuModelTest, MatchesScikitLearnRidge) {
  // ctest sets STREAMLENS_SOURCE_DIR; when run by hand, fall back to this file's directory.
  const char* root = std::getenv("STREAMLENS_SOURCE_DIR");
  std::string path;
  if (root != nullptr) {
    path = std::string(root) + "/sidecar/analysis/models/testdata/ridge_fixture.txt";
  } else {
    const std::string here = __FILE__;
    path = here.substr(0, here.find_last_of('/') + 1) + "testdata/ridge_fixture.txt";
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "cannot open " << path;
  int n = 0, p = 0;
  double lambda = 0;
  in >> n >> p >> lambda;
  ASSERT_EQ(p, kNumCpuFeatures);
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n), coef(p);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) in >> x(i, j);
    in >> y(i);
  }
  double intercept = 0, r2 = 0;
  for (int j = 0; j < p; ++j) in >> coef(j);
  in >> intercept >> r2;
  ASSERT_TRUE(in.good()) << "truncated fixture " << path;
  CpuModelParams params;
  params.ridge_lambda = lambda;
  Result<CpuModel> m = FitCpuModel(x, y, params);
  ASSERT_TRUE(m.ok()) << m.status().message();
  for (int j = 0; j < p; ++j) {
    EXPECT_NEAR(m->coefficients(j), coef(j), 1e-7 * std::abs(coef(j))) << CpuFeatureName(j);
  }
  EXPECT_NEAR(m->intercept, intercept, 1e-9);
  EXPECT_NEAR(m->r2, r2, 1e-10);
}

TEST(CpuModelTest, HeldOutR2AboveNinetyPercentOnSyntheticLoad) {
  // Two days of minute samples: fit on the first day, evaluate on the second.
  const Synthetic s = MakeLoad(2880, 0.01, 9);
  Result<CpuModel> m = FitCpuModel(s.x.topRows(1440), s.cpu.head(1440), CpuModelParams{});
  ASSERT_TRUE(m.ok());
  Result<CpuEvaluation> e = EvaluateCpuModel(*m, s.x.bottomRows(1440), s.cpu.tail(1440));
  ASSERT_TRUE(e.ok());
  EXPECT_GT(m->r2, 0.9);
  EXPECT_GT(e->r2, 0.9);
}

TEST(CpuModelTest, RidgeShrinksCoefficients) {
  const Synthetic s = MakeLoad(400, 0.01, 3);
  CpuModelParams weak, strong;
  weak.ridge_lambda = 0.0;
  strong.ridge_lambda = 10.0;
  Result<CpuModel> a = FitCpuModel(s.x, s.cpu, weak);
  Result<CpuModel> b = FitCpuModel(s.x, s.cpu, strong);
  ASSERT_TRUE(a.ok() && b.ok());
  // Compare in standardized units where the penalty acts.
  const Eigen::MatrixXd xc = s.x.rowwise() - s.x.colwise().mean();
  const double fa = (xc * a->coefficients).squaredNorm();
  const double fb = (xc * b->coefficients).squaredNorm();
  EXPECT_LT(fb, 0.2 * fa);
  EXPECT_LT(b->r2, a->r2);
}

TEST(CpuModelTest, ScoresCpuNotExplainedByLoad) {
  Synthetic s = MakeLoad(1000, 0.01, 4);
  Result<CpuModel> m = FitCpuModel(s.x.topRows(800), s.cpu.head(800), CpuModelParams{});
  ASSERT_TRUE(m.ok());
  Eigen::VectorXd cpu = s.cpu;
  cpu.segment(900, 50).array() += 0.25;  // a noisy neighbour, load unchanged
  Result<CpuEvaluation> e = EvaluateCpuModel(*m, s.x, cpu);
  ASSERT_TRUE(e.ok());
  int high_in = 0, high_out = 0;
  for (int i = 800; i < 1000; ++i) {
    const bool contended = i >= 900 && i < 950;
    const bool high = e->anomaly_score(i) > 1.0;
    (contended ? high_in : high_out) += high;
  }
  EXPECT_EQ(high_in, 50);
  EXPECT_LE(high_out, 3);
  EXPECT_NEAR(e->residual.segment(900, 50).mean(), 0.25, 0.01);
}

TEST(CpuModelTest, ConstantColumnGetsZeroCoefficient) {
  Synthetic s = MakeLoad(200, 0.01, 5);
  s.x.col(kFetchRequests).setConstant(1000.0);
  Result<CpuModel> m = FitCpuModel(s.x, s.cpu, CpuModelParams{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->coefficients(kFetchRequests), 0.0);
  EXPECT_GT(m->r2, 0.9);
}

TEST(CpuModelTest, RejectsBadInput) {
  Synthetic s = MakeLoad(50, 0.01, 6);
  EXPECT_FALSE(FitCpuModel(s.x, s.cpu.head(49), CpuModelParams{}).ok());
  EXPECT_FALSE(FitCpuModel(s.x.topRows(5), s.cpu.head(5), CpuModelParams{}).ok());
  Eigen::VectorXd bad = s.cpu;
  bad(3) = std::nan("");
  Result<CpuModel> r = FitCpuModel(s.x, bad, CpuModelParams{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("non-finite"), std::string::npos);
  CpuModelParams neg;
  neg.ridge_lambda = -1;
  EXPECT_FALSE(FitCpuModel(s.x, s.cpu, neg).ok());
  Result<CpuModel> m = FitCpuModel(s.x, s.cpu, CpuModelParams{});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(EvaluateCpuModel(*m, s.x.leftCols(3), s.cpu).ok());
  EXPECT_EQ(CpuFeatureName(kReplicationBytesIn), "replication_bytes_in");
  EXPECT_EQ(CpuFeatureName(17), "");
}

}  // namespace
}  // namespace streamlens::analysis::models
