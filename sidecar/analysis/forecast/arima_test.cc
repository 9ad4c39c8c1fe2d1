#include "sidecar/analysis/forecast/arima.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sidecar/analysis/forecast/auto_arima.h"
#include "sidecar/analysis/forecast/test_data.h"
#include "sidecar/analysis/forecast/unit_root.h"

namespace streamlens::analysis::forecast {
namespace {

std::vector<double> ReadSeries(const std::string& name) {
  return ReadTestSeries("arima_series_" + name + ".csv");
}

ArimaOrder OrderOf(const std::map<std::string, double>& kv) {
  ArimaOrder o;
  o.p = static_cast<int>(kv.at("p"));
  o.d = static_cast<int>(kv.at("d"));
  o.q = static_cast<int>(kv.at("q"));
  o.P = static_cast<int>(kv.at("P"));
  o.D = static_cast<int>(kv.at("D"));
  o.Q = static_cast<int>(kv.at("Q"));
  o.period = o.P + o.D + o.Q > 0 ? static_cast<int>(kv.at("period")) : 1;
  o.constant = kv.at("constant") != 0.0;
  return o;
}

double Get(const std::map<std::string, double>& kv, const std::string& k) {
  auto it = kv.find(k);
  EXPECT_NE(it, kv.end()) << k;
  return it == kv.end() ? NAN : it->second;
}

void ExpectCoefficients(const ArimaModel& m, const std::map<std::string, double>& kv, double tol) {
  for (size_t i = 0; i < m.ar.size(); ++i)
    EXPECT_NEAR(m.ar[i], Get(kv, "ar" + std::to_string(i + 1)), tol) << "ar" << i + 1;
  for (size_t i = 0; i < m.ma.size(); ++i)
    EXPECT_NEAR(m.ma[i], Get(kv, "ma" + std::to_string(i + 1)), tol) << "ma" << i + 1;
  for (size_t i = 0; i < m.sar.size(); ++i)
    EXPECT_NEAR(m.sar[i], Get(kv, "sar" + std::to_string(i + 1)), tol) << "sar" << i + 1;
  for (size_t i = 0; i < m.sma.size(); ++i)
    EXPECT_NEAR(m.sma[i], Get(kv, "sma" + std::to_string(i + 1)), tol) << "sma" << i + 1;
  const double c = Get(kv, "const");
  EXPECT_NEAR(m.constant, c, tol * std::max(1.0, std::abs(c))) << "constant";
}

// Forecast mean and interval bounds within `rel` of the series' scale.
void ExpectForecast(const ArimaModel& m, const std::map<std::string, double>& kv, double scale,
                    double rel) {
  const int h = 24;
  const std::vector<double> levels = {0.8, 0.95};
  Forecast fc = ForecastArima(m, h, levels);
  ASSERT_EQ(fc.mean.size(), 24u);
  for (int i = 1; i <= h; ++i) {
    const std::string s = std::to_string(i);
    EXPECT_NEAR(fc.mean[i - 1], Get(kv, "mean_" + s), rel * scale) << "mean h=" << i;
    EXPECT_NEAR(fc.intervals[0].lower[i - 1], Get(kv, "lo80_" + s), rel * scale) << "lo80 " << i;
    EXPECT_NEAR(fc.intervals[0].upper[i - 1], Get(kv, "hi80_" + s), rel * scale) << "hi80 " << i;
    EXPECT_NEAR(fc.intervals[1].lower[i - 1], Get(kv, "lo95_" + s), rel * scale) << "lo95 " << i;
    EXPECT_NEAR(fc.intervals[1].upper[i - 1], Get(kv, "hi95_" + s), rel * scale) << "hi95 " << i;
  }
}

double Scale(const std::vector<double>& y) {
  double lo = y[0], hi = y[0];
  for (double v : y) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi - lo;
}

class ArimaFixtureTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ArimaFixtureTest, CssMlMatchesR) {
  const auto [series, fit_case] = GetParam();
  const std::vector<double> y = ReadSeries(series);
  ASSERT_FALSE(y.empty()) << "missing fixture for " << series;
  const auto kv = ReadKv(std::string("arima_fit_") + fit_case + ".csv");
  ArimaFitParams fp;
  fp.order = OrderOf(kv);
  Result<ArimaModel> m = FitArima(y, fp);
  ASSERT_TRUE(m.ok()) << m.status().message();
  // R's BFGS stops at reltol 1e-8 with 1e-3 finite-difference steps: agreement ~1e-3.
  ExpectCoefficients(*m, kv, 3e-3);
  EXPECT_NEAR(m->loglik, Get(kv, "loglik"), 1e-3 * std::max(1.0, std::abs(Get(kv, "loglik"))));
  EXPECT_NEAR(m->aicc, Get(kv, "aicc"), 2e-3 * std::max(1.0, std::abs(Get(kv, "aicc"))));
  EXPECT_NEAR(m->sigma2_forecast, Get(kv, "sigma2"), 5e-3 * Get(kv, "sigma2"));
  ExpectForecast(*m, kv, Scale(y), 5e-3);
}

INSTANTIATE_TEST_SUITE_P(R, ArimaFixtureTest,
                         ::testing::Values(std::make_pair("ar2", "ar2_200"),
                                           std::make_pair("arma11", "arma11_101"),
                                           std::make_pair("rwdrift", "rwdrift_011"),
                                           std::make_pair("sar12", "sar12_100_011"),
                                           std::make_pair("airline", "airline_011_011"),
                                           std::make_pair("wwwusage", "wwwusage_111")));

TEST(ArimaTest, CssMatchesR) {
  const std::vector<double> y = ReadSeries("arma11");
  const auto kv = ReadKv("arima_css_arma11_101.csv");
  ArimaFitParams fp;
  fp.order.p = 1;
  fp.order.q = 1;
  fp.method = ArimaMethod::kCss;
  Result<ArimaModel> m = FitArima(y, fp);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_NEAR(m->ar[0], kv.at("ar1"), 2e-3);
  EXPECT_NEAR(m->ma[0], kv.at("ma1"), 2e-3);
  EXPECT_NEAR(m->sigma2, kv.at("sigma2"), 1e-3 * kv.at("sigma2"));
}

class UnitRootFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(UnitRootFixtureTest, TestsMatchR) {
  const std::vector<double> y = ReadSeries(GetParam());
  const auto kv = ReadKv(std::string("arima_tests_") + GetParam() + ".csv");
  EXPECT_NEAR(KpssStatistic(y), kv.at("kpss"), 1e-9 * kv.at("kpss"));
  EXPECT_EQ(NDiffs(y), static_cast<int>(kv.at("ndiffs")));
  if (kv.count("period")) {
    const int m = static_cast<int>(kv.at("period"));
    EXPECT_NEAR(SeasonalStrength(y, m), kv.at("seas_strength"), 1e-6);
    EXPECT_EQ(NSDiffs(y, m), static_cast<int>(kv.at("nsdiffs")));
  }
}

INSTANTIATE_TEST_SUITE_P(R, UnitRootFixtureTest,
                         ::testing::Values("ar2", "arma11", "rwdrift", "sar12", "airline",
                                           "wwwusage", "usaccdeaths", "hourly"));

class AutoArimaFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(AutoArimaFixtureTest, SelectsRsModel) {
  const std::vector<double> y = ReadSeries(GetParam());
  const auto kv = ReadKv(std::string("arima_auto_") + GetParam() + ".csv");
  const ArimaOrder want = OrderOf(kv);
  AutoArimaParams ap;
  ap.period = static_cast<int>(kv.at("period"));
  Result<AutoArimaResult> r = AutoArima(y, ap);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model.order.Name(), want.Name());
  if (r->model.order.Name() == want.Name()) {
    ExpectCoefficients(r->model, kv, 3e-3);
    ExpectForecast(r->model, kv, Scale(y), 5e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(R, AutoArimaFixtureTest,
                         ::testing::Values("airline", "usaccdeaths", "wwwusage", "hourly",
                                           "arma11"));

TEST(ArimaTest, Ar1ForecastFollowsTheRecursionByHand) {
  // x_t - mu = phi (x_{t-1} - mu) + e_t: forecasts decay geometrically towards mu, and the
  // h-step variance is sigma2 (1 + phi^2 + ... + phi^(2(h-1))).
  std::mt19937_64 rng(7);
  std::normal_distribution<double> e(0.0, 1.0);
  std::vector<double> y(500);
  double x = 0.0;
  for (double& v : y) {
    x = 0.6 * x + e(rng);
    v = 20.0 + x;
  }
  ArimaFitParams fp;
  fp.order.p = 1;
  fp.order.constant = true;
  Result<ArimaModel> m = FitArima(y, fp);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_NEAR(m->ar[0], 0.6, 0.08);
  EXPECT_NEAR(m->constant, 20.0, 0.3);
  const std::vector<double> levels = {0.95};
  Forecast fc = ForecastArima(*m, 5, levels);
  double dev = y.back() - m->constant, var = 0.0, pw = 1.0;
  for (int h = 0; h < 5; ++h) {
    dev *= m->ar[0];
    var += pw;
    pw *= m->ar[0] * m->ar[0];
    EXPECT_NEAR(fc.mean[h], m->constant + dev, 1e-9);
    EXPECT_NEAR(fc.sd[h], std::sqrt(m->sigma2_forecast * var), 1e-9);
  }
  EXPECT_EQ(m->order.Name(), "ARIMA(1,0,0) with non-zero mean");
}

TEST(ArimaTest, IntervalsCoverSimulatedArma) {
  // 300 simulated ARMA(1,1) series: one-step and 6-step 80% / 95% coverage near nominal.
  std::mt19937_64 rng(11);
  std::normal_distribution<double> e(0.0, 2.0);
  int in80 = 0, in95 = 0, total = 0;
  for (int s = 0; s < 300; ++s) {
    std::vector<double> y(206);
    double prev = 0.0, prev_e = 0.0;
    for (double& v : y) {
      const double ee = e(rng);
      prev = 0.5 * prev + ee + 0.3 * prev_e;
      prev_e = ee;
      v = prev;
    }
    std::span<const double> train(y.data(), 200);
    ArimaFitParams fp;
    fp.order.p = 1;
    fp.order.q = 1;
    Result<ArimaModel> m = FitArima(train, fp);
    ASSERT_TRUE(m.ok()) << m.status().message();
    const std::vector<double> levels = {0.8, 0.95};
    Forecast fc = ForecastArima(*m, 6, levels);
    for (int h : {0, 5}) {
      const double a = y[200 + h];
      in80 += fc.intervals[0].lower[h] <= a && a <= fc.intervals[0].upper[h];
      in95 += fc.intervals[1].lower[h] <= a && a <= fc.intervals[1].upper[h];
      ++total;
    }
  }
  EXPECT_NEAR(static_cast<double>(in80) / total, 0.80, 0.05);
  EXPECT_NEAR(static_cast<double>(in95) / total, 0.95, 0.03);
}

TEST(ArimaTest, BadInputGivesClearErrors) {
  std::vector<double> y = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  ArimaFitParams fp;
  fp.order.p = -1;
  EXPECT_FALSE(FitArima(y, fp).ok());
  fp.order = {};
  fp.order.P = 1;
  Result<ArimaModel> seasonal = FitArima(y, fp);
  ASSERT_FALSE(seasonal.ok());
  EXPECT_NE(seasonal.status().message().find("period"), std::string::npos);
  fp.order = {};
  fp.order.p = 3;
  fp.order.q = 3;
  Result<ArimaModel> short_fit = FitArima(std::span<const double>(y).first(6), fp);
  ASSERT_FALSE(short_fit.ok());
  EXPECT_NE(short_fit.status().message().find("observations"), std::string::npos);
  y[3] = NAN;
  fp.order = {};
  Result<ArimaModel> nan = FitArima(y, fp);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("observation 3"), std::string::npos);
  EXPECT_FALSE(AutoArima(y, AutoArimaParams{}).ok());
  EXPECT_FALSE(AutoArima(std::span<const double>(y).first(3), AutoArimaParams{}).ok());
}

TEST(ArimaTest, ConstantAndLinearSeriesAreExact) {
  std::vector<double> flat(50, 4.5);
  Result<AutoArimaResult> r = AutoArima(flat, AutoArimaParams{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::vector<double> levels = {0.8};
  Forecast fc = ForecastArima(r->model, 3, levels);
  for (int h = 0; h < 3; ++h) {
    EXPECT_DOUBLE_EQ(fc.mean[h], 4.5);
    EXPECT_DOUBLE_EQ(fc.intervals[0].lower[h], 4.5);
  }
  std::vector<double> line(60);
  for (int t = 0; t < 60; ++t) line[t] = 3.0 + 2.0 * t;
  r = AutoArima(line, AutoArimaParams{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->model.order.Name(), "ARIMA(0,1,0) with drift");
  fc = ForecastArima(r->model, 3, levels);
  EXPECT_NEAR(fc.mean[0], 3.0 + 2.0 * 60, 1e-9);
  EXPECT_NEAR(fc.mean[2], 3.0 + 2.0 * 62, 1e-9);
}

TEST(ArimaTest, MinRootRejectsNearUnitRoots) {
  ArimaModel m;
  m.order.p = 1;
  m.ar = {0.995};
  EXPECT_NEAR(ArimaMinRoot(m), 1.0 / 0.995, 1e-9);
  m.ar.clear();
  m.order.p = 0;
  m.order.P = 1;
  m.order.period = 12;
  m.sar = {0.5};
  EXPECT_NEAR(ArimaMinRoot(m), std::pow(2.0, 1.0 / 12.0), 1e-9);
}

}  // namespace
}  // namespace streamlens::analysis::forecast
