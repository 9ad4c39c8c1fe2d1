#include "sidecar/analysis/forecast/nelder_mead_nash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace streamlens::analysis::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct RRun {
  int maxit = 0, fail = 0, fncount = 0;
  double value = 0.0;
  std::vector<double> x;
};

// R's optim(method = "Nelder-Mead") results (scripts/fixtures/ets_nelder_mead_fixture.R).
std::map<std::string, RRun> LoadFixture() {
  const char* root = std::getenv("STREAMLENS_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") +
                   "/sidecar/analysis/forecast/testdata/nelder_mead_nash.csv");
  std::map<std::string, RRun> runs;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, f;
    std::getline(ss, name, ',');
    RRun r;
    std::getline(ss, f, ',');
    r.maxit = std::stoi(f);
    std::getline(ss, f, ',');
    r.fail = std::stoi(f);
    std::getline(ss, f, ',');
    r.fncount = std::stoi(f);
    std::getline(ss, f, ',');
    r.value = std::stod(f);
    while (std::getline(ss, f, ',')) {
      if (f != "NA") r.x.push_back(std::stod(f));
    }
    runs[name] = r;
  }
  return runs;
}

double Rosenbrock(std::span<const double> x) {
  return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

double Rejected(std::span<const double> x) {
  if (x[0] + x[1] > 1.2) return kInf;
  return (x[0] - 0.3) * (x[0] - 0.3) + 4 * (x[1] - 0.7) * (x[1] - 0.7) + 0.5 * x[0] * x[1];
}

double Scaled(std::span<const double> x) {
  if (x[0] < 1e-4 || x[0] > 0.9999) return kInf;
  return (x[0] - 0.6) * (x[0] - 0.6) * 1e4 + (x[1] - 990) * (x[1] - 990) / 100 +
         (x[2] - 3) * (x[2] - 3);
}

double Rosenbrock3(std::span<const double> x) {
  return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]) +
         100 * (x[2] - x[1] * x[1]) * (x[2] - x[1] * x[1]) + (1 - x[1]) * (1 - x[1]);
}

void ExpectSameAsR(const std::string& name, double (*f)(std::span<const double>),
                   std::vector<double> x0) {
  const std::map<std::string, RRun> runs = LoadFixture();
  ASSERT_TRUE(runs.count(name)) << "missing fixture row " << name;
  const RRun& r = runs.at(name);
  NashNelderMeadParams p;
  p.max_iterations = r.maxit;
  const NashNelderMeadResult got = MinimizeNelderMeadNash(f, x0, p);
  // Same algorithm, same operation order: the same path, so the same evaluation count.
  EXPECT_EQ(got.evaluations, r.fncount) << name;
  EXPECT_EQ(got.fail, r.fail) << name;
  EXPECT_NEAR(got.value, r.value, 1e-12 * (1.0 + std::abs(r.value))) << name;
  ASSERT_EQ(got.x.size(), r.x.size());
  for (size_t i = 0; i < r.x.size(); ++i) {
    EXPECT_NEAR(got.x[i], r.x[i], 1e-12 * (1.0 + std::abs(r.x[i]))) << name << " x" << i;
  }
}

TEST(NelderMeadNashTest, FollowsRsOptimOnRosenbrock) {
  ExpectSameAsR("rosenbrock", Rosenbrock, {-1.2, 1.0});
}

TEST(NelderMeadNashTest, TreatsRejectedPointsAsRDoes) {
  ExpectSameAsR("rejected", Rejected, {0.5, 0.5});
}

TEST(NelderMeadNashTest, UsesOneStepForAllCoordinatesAsR) {
  // R's initial step is 10% of the largest coordinate (100 here) for every coordinate, so the
  // weight's vertex starts outside its box; the path (and count) must still be R's.
  ExpectSameAsR("scaled", Scaled, {0.2, 1000.0, 1.0});
}

TEST(NelderMeadNashTest, StopsAtTheBudgetWithRsCount) {
  ExpectSameAsR("budget", Rosenbrock3, {-1.0, 1.5, 0.5});
}

TEST(NelderMeadNashTest, ReportsANonFiniteStart) {
  NashNelderMeadParams p;
  const NashNelderMeadResult got =
      MinimizeNelderMeadNash([](std::span<const double>) { return kInf; }, std::vector{1.0}, p);
  EXPECT_FALSE(got.finite_start);
  EXPECT_EQ(got.evaluations, 1);
}

TEST(NelderMeadNashTest, TraceSeesEveryIteration) {
  NashNelderMeadParams p;
  int calls = 0, last = 0;
  p.trace = [&](const char* action, int evals, double worst, double best) {
    ++calls;
    EXPECT_GE(evals, last);
    EXPECT_LE(best, worst);
    if (calls == 1) EXPECT_STREQ(action, "BUILD          ");
    last = evals;
  };
  const NashNelderMeadResult got = MinimizeNelderMeadNash(Rosenbrock, std::vector{-1.2, 1.0}, p);
  EXPECT_GT(calls, 50);
  EXPECT_LE(last, got.evaluations);
}

}  // namespace
}  // namespace streamlens::analysis::forecast
