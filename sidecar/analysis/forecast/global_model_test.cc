#include "sidecar/analysis/forecast/global_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "sidecar/analysis/forecast/forecast.h"

namespace streamlens::analysis::forecast {
namespace {

// y_t = c + phi1 y_{t-1} + phi2 y_{t-2} + e_t, e ~ N(0, sigma^2), after a burn-in.
std::vector<double> SimulateAr2(int n, double c, double phi1, double phi2, double sigma,
                                unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> e(0.0, sigma);
  const double mean = c / (1.0 - phi1 - phi2);
  std::vector<double> y(n + 200, mean);
  for (size_t t = 2; t < y.size(); ++t) y[t] = c + phi1 * y[t - 1] + phi2 * y[t - 2] + e(rng);
  return std::vector<double>(y.begin() + 200, y.end());
}

// Positive daily-seasonal series with a series-specific level and multiplicative noise.
std::vector<double> SimulateSeasonal(int n, double level, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> e(0.0, 0.05);
  std::vector<double> y(n);
  double ar = 0.0;
  for (int t = 0; t < n; ++t) {
    ar = 0.6 * ar + e(rng);
    y[t] = level * (1.0 + 0.4 * std::sin(2.0 * M_PI * t / 24.0)) * std::exp(ar);
  }
  return y;
}

std::vector<std::span<const double>> Spans(const std::vector<std::vector<double>>& v) {
  return std::vector<std::span<const double>>(v.begin(), v.end());
}

TEST(GlobalModel, RecoversPooledAr2CoefficientsForEveryHorizon) {
  const double c = 1.0, phi1 = 0.5, phi2 = 0.3;
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 8; ++s) data.push_back(SimulateAr2(1500, c, phi1, phi2, 1.0, 11 + s));
  GlobalModelParams p;
  p.horizon = 2;
  p.lags = 4;
  p.level_window = 1;
  p.normalization = GlobalNormalization::kNone;
  p.ridge = 0.0;
  const std::vector<int> trunc = {0};
  auto fit = FitGlobalModels(Spans(data), trunc, p);
  ASSERT_TRUE(fit.ok()) << fit.status().message();
  ASSERT_TRUE((*fit)[0].ok()) << (*fit)[0].status().message();
  const GlobalModel& m = (*fit)[0].value();
  EXPECT_EQ(m.windows(), 8 * (1500 - 4 - 2 + 1));
  const Eigen::MatrixXd& b = m.coefficients();
  ASSERT_EQ(b.rows(), 5);
  ASSERT_EQ(b.cols(), 2);
  // Horizon 1: the AR(2) itself.
  EXPECT_NEAR(b(0, 0), phi1, 0.03);
  EXPECT_NEAR(b(1, 0), phi2, 0.03);
  EXPECT_NEAR(b(2, 0), 0.0, 0.03);
  EXPECT_NEAR(b(3, 0), 0.0, 0.03);
  EXPECT_NEAR(b(4, 0), c, 0.2);
  // Horizon 2 (direct): y_{t+2} = c (1 + phi1) + (phi1^2 + phi2) y_t + phi1 phi2 y_{t-1}.
  EXPECT_NEAR(b(0, 1), phi1 * phi1 + phi2, 0.03);
  EXPECT_NEAR(b(1, 1), phi1 * phi2, 0.03);
  EXPECT_NEAR(b(2, 1), 0.0, 0.03);
  EXPECT_NEAR(b(4, 1), c * (1.0 + phi1), 0.3);
  // Forecast = coefficients applied to the last values.
  auto f = m.Predict(data[0]);
  ASSERT_TRUE(f.ok());
  const std::vector<double>& y = data[0];
  const size_t n = y.size();
  double expect1 = b(4, 0);
  for (int j = 0; j < 4; ++j) expect1 += b(j, 0) * y[n - 1 - j];
  EXPECT_NEAR(f->mean[0], expect1, 1e-9);
  EXPECT_EQ(f->model, "global");
}

TEST(GlobalModel, NormalizationRoundTrips) {
  const std::vector<double> window = {3.0, 5.0, 4.0, 8.0, 6.0, 7.0};
  for (GlobalNormalization norm :
       {GlobalNormalization::kNone, GlobalNormalization::kRatio, GlobalNormalization::kLog,
        GlobalNormalization::kStandardize, GlobalNormalization::kLogStandardize}) {
    GlobalModelParams p;
    p.lags = 6;
    p.level_window = 3;
    p.normalization = norm;
    double a = 0, b = 0;
    ASSERT_TRUE(WindowLevel(window, p, &a, &b));
    for (double x : {0.5, 3.0, 7.0, 100.0}) {
      EXPECT_NEAR(DenormalizeValue(NormalizeValue(x, a, b, norm), a, b, norm), x, 1e-12 * x);
    }
  }
  // Level of the ratio map = mean of the last level_window values; log = mean of their logs.
  GlobalModelParams p;
  p.lags = 6;
  p.level_window = 3;
  p.normalization = GlobalNormalization::kRatio;
  double a = 0, b = 0;
  ASSERT_TRUE(WindowLevel(window, p, &a, &b));
  EXPECT_DOUBLE_EQ(a, 0.0);
  EXPECT_DOUBLE_EQ(b, 7.0);
  p.normalization = GlobalNormalization::kLog;
  ASSERT_TRUE(WindowLevel(window, p, &a, &b));
  EXPECT_NEAR(a, (std::log(8.0) + std::log(6.0) + std::log(7.0)) / 3.0, 1e-12);
  // Undefined maps are reported, not computed.
  const std::vector<double> with_zero = {1.0, 0.0, 2.0};
  p.lags = 3;
  p.level_window = 3;
  p.normalization = GlobalNormalization::kLog;
  EXPECT_FALSE(WindowLevel(with_zero, p, &a, &b));
  const std::vector<double> flat = {2.0, 2.0, 2.0};
  p.normalization = GlobalNormalization::kStandardize;
  EXPECT_FALSE(WindowLevel(flat, p, &a, &b));
  const std::vector<double> negative = {-1.0, -2.0, -3.0};
  p.normalization = GlobalNormalization::kRatio;
  EXPECT_FALSE(WindowLevel(negative, p, &a, &b));
}

// Normalised models are scale-equivariant: forecasting c * x gives c * (forecast of x).
TEST(GlobalModel, ForecastScalesWithTheSeries) {
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 6; ++s) data.push_back(SimulateSeasonal(600, 10.0 + 40.0 * s, 3 + s));
  for (GlobalNormalization norm :
       {GlobalNormalization::kRatio, GlobalNormalization::kLog, GlobalNormalization::kStandardize,
        GlobalNormalization::kLogStandardize}) {
    GlobalModelParams p;
    p.horizon = 24;
    p.lags = 48;
    p.normalization = norm;
    const std::vector<int> trunc = {0};
    auto fit = FitGlobalModels(Spans(data), trunc, p);
    ASSERT_TRUE(fit.ok() && (*fit)[0].ok());
    const GlobalModel& m = (*fit)[0].value();
    std::vector<double> scaled = data[2];
    for (double& v : scaled) v *= 7.5;
    auto f1 = m.Predict(data[2]);
    auto f2 = m.Predict(scaled);
    ASSERT_TRUE(f1.ok() && f2.ok());
    for (int h = 0; h < 24; ++h) {
      EXPECT_NEAR(f2->mean[h], 7.5 * f1->mean[h], 1e-9 * f2->mean[h]);
      EXPECT_NEAR(f2->intervals[1].upper[h], 7.5 * f1->intervals[1].upper[h],
                  1e-9 * f2->intervals[1].upper[h]);
      EXPECT_LT(f1->intervals[1].lower[h], f1->intervals[0].lower[h]);
      EXPECT_LT(f1->intervals[0].upper[h], f1->intervals[1].upper[h]);
    }
  }
}

// The model for truncation T is exactly the model fitted on series that end T points earlier:
// nothing after the origin leaks into it.
TEST(GlobalModel, TruncatedModelDoesNotSeeTheLastPoints) {
  std::vector<std::vector<double>> data, cut;
  for (unsigned s = 0; s < 5; ++s) {
    data.push_back(SimulateSeasonal(500, 20.0 + 10.0 * s, 21 + s));
    cut.emplace_back(data.back().begin(), data.back().end() - 48);
  }
  GlobalModelParams p;
  p.horizon = 24;
  p.lags = 48;
  p.normalization = GlobalNormalization::kLog;
  const std::vector<int> both = {0, 48}, zero = {0};
  auto full = FitGlobalModels(Spans(data), both, p);
  auto trimmed = FitGlobalModels(Spans(cut), zero, p);
  ASSERT_TRUE(full.ok() && trimmed.ok());
  const GlobalModel& a = (*full)[1].value();
  const GlobalModel& b = (*trimmed)[0].value();
  EXPECT_EQ(a.windows(), b.windows());
  EXPECT_LT((a.coefficients() - b.coefficients()).cwiseAbs().maxCoeff(), 1e-9);
  // And the all-data model differs (it saw 48 more windows per series).
  EXPECT_GT((*full)[0].value().windows(), a.windows());
  auto fa = a.Predict(cut[0]);
  auto fb = b.Predict(cut[0]);
  ASSERT_TRUE(fa.ok() && fb.ok());
  for (int h = 0; h < 24; ++h) {
    EXPECT_NEAR(fa->mean[h], fb->mean[h], 1e-9 * fb->mean[h]);
    EXPECT_NEAR(fa->intervals[0].lower[h], fb->intervals[0].lower[h], 1e-9 * fb->mean[h]);
    // The per-series interval scales of model 48 only use the points it may see, too.
    EXPECT_NEAR(fa->intervals[1].upper[h], fb->intervals[1].upper[h], 1e-9 * fb->mean[h]);
  }
}

// End to end through `auto` (horizon 24, origins n - 24 and n - 48): the pooled candidate's
// validation forecasts are identical whether the last 24 points of every series are real or
// garbage, while the final (all-data) model does change.
TEST(GlobalModel, AutoValidationForecastsIgnoreFuturePoints) {
  std::vector<std::vector<double>> data, altered;
  for (unsigned s = 0; s < 4; ++s) {
    data.push_back(SimulateSeasonal(400, 30.0 + 15.0 * s, 41 + s));
    altered.push_back(data.back());
    for (size_t t = altered.back().size() - 24; t < altered.back().size(); ++t) {
      altered.back()[t] = altered.back()[t] * 3.0 + 5.0 * static_cast<double>(t % 7);
    }
  }
  ForecastParams p;
  p.horizon = 24;
  p.season = 24;
  p.auto_origins = 2;
  p.global_models = ParseGlobalModels("log:1").value();
  auto sets_a = FitPooledModels(Spans(data), p);
  auto sets_b = FitPooledModels(Spans(altered), p);
  ASSERT_TRUE(sets_a.ok() && sets_b.ok());
  ASSERT_EQ(sets_a->size(), 1u);
  const GlobalModel* final_a = (*sets_a)[0].Find(0);
  const GlobalModel* final_b = (*sets_b)[0].Find(0);
  ASSERT_TRUE(final_a != nullptr && final_b != nullptr);
  EXPECT_GT((final_a->coefficients() - final_b->coefficients()).cwiseAbs().maxCoeff(), 1e-6);
  for (size_t i = 0; i < data.size(); ++i) {
    AutoTrace ta, tb;
    ForecastParams pa = p, pb = p;
    pa.global = *sets_a;
    pa.trace = &ta;
    pb.global = *sets_b;
    pb.trace = &tb;
    ASSERT_TRUE(ForecastSeries(data[i], pa).ok());
    ASSERT_TRUE(ForecastSeries(altered[i], pb).ok());
    size_t c = 0;
    while (c < ta.candidates.size() && ta.candidates[c] != "global") ++c;
    ASSERT_LT(c, ta.candidates.size()) << "no pooled candidate in auto";
    ASSERT_EQ(ta.origins, tb.origins);
    ASSERT_EQ(ta.validation[c].size(), 2u);
    for (size_t w = 0; w < ta.validation[c].size(); ++w) {
      ASSERT_EQ(ta.validation[c][w].size(), 24u);
      for (int h = 0; h < 24; ++h) {
        EXPECT_NEAR(ta.validation[c][w][h], tb.validation[c][w][h],
                    1e-9 * std::abs(ta.validation[c][w][h]))
            << "series " << i << " origin " << ta.origins[w];
      }
    }
  }
}

TEST(GlobalModel, IntervalsCoverNearNominalOnNewSeries) {
  std::vector<std::vector<double>> train;
  for (unsigned s = 0; s < 10; ++s) train.push_back(SimulateSeasonal(800, 50.0 + 5.0 * s, 60 + s));
  GlobalModelParams p;
  p.horizon = 12;
  p.lags = 48;
  p.normalization = GlobalNormalization::kLog;
  const std::vector<int> zero = {0};
  auto fit = FitGlobalModels(Spans(train), zero, p);
  ASSERT_TRUE(fit.ok() && (*fit)[0].ok());
  const GlobalModel& m = (*fit)[0].value();
  int in80 = 0, in95 = 0, total = 0;
  for (unsigned s = 0; s < 5; ++s) {
    const std::vector<double> y = SimulateSeasonal(800, 80.0, 500 + s);
    for (int origin = 100; origin + 12 <= 800; origin += 13) {
      auto f = m.Predict(std::span<const double>(y).first(origin));
      ASSERT_TRUE(f.ok());
      for (int h = 0; h < 12; ++h) {
        const double v = y[origin + h];
        in80 += f->intervals[0].lower[h] <= v && v <= f->intervals[0].upper[h];
        in95 += f->intervals[1].lower[h] <= v && v <= f->intervals[1].upper[h];
        ++total;
      }
    }
  }
  EXPECT_NEAR(static_cast<double>(in80) / total, 0.80, 0.04);
  EXPECT_NEAR(static_cast<double>(in95) / total, 0.95, 0.025);
}

TEST(GlobalModel, BadInputIsReported) {
  GlobalModelParams p;
  p.horizon = 24;
  p.lags = 48;
  const std::vector<int> zero = {0};
  // No series, bad params, negative truncation.
  EXPECT_FALSE(FitGlobalModels({}, zero, p).ok());
  std::vector<std::vector<double>> data = {SimulateSeasonal(300, 10.0, 1),
                                           SimulateSeasonal(300, 20.0, 2)};
  GlobalModelParams bad = p;
  bad.lags = 0;
  EXPECT_FALSE(FitGlobalModels(Spans(data), zero, bad).ok());
  bad = p;
  bad.level_window = 49;
  EXPECT_FALSE(FitGlobalModels(Spans(data), zero, bad).ok());
  const std::vector<int> negative = {-1};
  EXPECT_FALSE(FitGlobalModels(Spans(data), negative, p).ok());
  // Too few windows: a per-truncation error naming the counts, not a crash.
  const std::vector<int> deep = {0, 200};
  auto fit = FitGlobalModels(Spans(data), deep, p);
  ASSERT_TRUE(fit.ok());
  EXPECT_TRUE((*fit)[0].ok());
  ASSERT_FALSE((*fit)[1].ok());
  EXPECT_NE((*fit)[1].status().message().find("training windows"), std::string::npos);
  // A series with a NaN is left out of the fit: same model as without it.
  std::vector<std::vector<double>> with_nan = data;
  with_nan.push_back(SimulateSeasonal(300, 30.0, 3));
  with_nan.back()[100] = std::numeric_limits<double>::quiet_NaN();
  auto f1 = FitGlobalModels(Spans(data), zero, p);
  auto f2 = FitGlobalModels(Spans(with_nan), zero, p);
  ASSERT_TRUE(f1.ok() && f2.ok() && (*f1)[0].ok() && (*f2)[0].ok());
  EXPECT_EQ((*f1)[0].value().windows(), (*f2)[0].value().windows());
  const GlobalModel& m = (*f1)[0].value();
  // Predict: too short, NaN in the window, a window the normalisation cannot handle.
  EXPECT_FALSE(m.Predict(std::span<const double>(data[0]).first(47)).ok());
  std::vector<double> nan_tail = data[0];
  nan_tail.back() = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(m.Predict(nan_tail).ok());
  std::vector<double> zeros(100, 0.0);
  auto z = m.Predict(zeros);  // ratio: level 0
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.status().message().find("normalised"), std::string::npos);
}

TEST(GlobalModel, ParsesModelLists) {
  auto d = ParseGlobalModels(kDefaultGlobalModels);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 6u);
  EXPECT_EQ((*d)[0].normalization, GlobalNormalization::kLogStandardize);
  EXPECT_FALSE((*d)[0].deseasonalize);
  EXPECT_EQ((*d)[4].normalization, GlobalNormalization::kLog);
  EXPECT_TRUE((*d)[4].deseasonalize);
  EXPECT_EQ((*d)[4].lag_cycles, 1);
  EXPECT_EQ(GlobalModelsSpec({(*d)[4]}), "dslog:1:0.001");
  EXPECT_EQ((*d)[5].normalization, GlobalNormalization::kLogStandardize);
  EXPECT_TRUE((*d)[5].deseasonalize);
  EXPECT_EQ((*d)[5].lag_cycles, 2);
  EXPECT_EQ(GlobalModelsSpec({(*d)[5]}), "dslogstd:2:0.001");
  EXPECT_EQ(GlobalModelsSpec({(*d)[1]}), "log:2:0.001");
  auto bad = ParseGlobalModels("log:2,dslogx:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("\"dslogx:1\""), std::string::npos)
      << bad.status().message();
  EXPECT_EQ((*d)[0].lag_cycles, 2);
  EXPECT_EQ((*d)[0].lags, 0);
  EXPECT_EQ((*d)[2].normalization, GlobalNormalization::kLog);
  EXPECT_EQ((*d)[2].lag_cycles, 1);
  auto r = ParseGlobalModels("ratio:3:0.01");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].normalization, GlobalNormalization::kRatio);
  EXPECT_EQ((*r)[0].lag_cycles, 3);
  EXPECT_DOUBLE_EQ((*r)[0].ridge, 0.01);
  EXPECT_EQ(GlobalModelsSpec(*r), "ratio:3:0.01");
  // Lags from cycles: x the longest period, to the nearest whole number of primary seasons.
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 3; ++s) data.push_back(SimulateSeasonal(600, 10.0 + 10.0 * s, 90 + s));
  ForecastParams p;
  p.horizon = 24;
  p.season = 24;
  p.extra_seasons = {168};
  p.model = ModelKind::kAuto;
  p.global_models = ParseGlobalModels("log:1,log:1.43,logstd:0.1").value();
  auto sets = FitPooledModels(Spans(data), p);
  ASSERT_TRUE(sets.ok());
  ASSERT_EQ(sets->size(), 3u);
  EXPECT_EQ((*sets)[0].name, "global");
  EXPECT_EQ((*sets)[2].name, "global3");
  // auto: all data plus the six validation truncations H, 2H, ..., 6H.
  EXPECT_EQ((*sets)[0].truncations, (std::vector<int>{0, 24, 48, 72, 96, 120, 144}));
  EXPECT_EQ((*sets)[0].Find(0)->params().lags, 168);
  EXPECT_EQ((*sets)[1].Find(0)->params().lags, 240);
  EXPECT_EQ((*sets)[2].Find(0)->params().lags, 24);
  // kGlobal: only the first set, on all data.
  p.model = ModelKind::kGlobal;
  auto first = FitPooledModels(Spans(data), p, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].truncations, std::vector<int>{0});
  for (const char* bad :
       {"", "log", "log:0", "cube:1", "log:1:-1", "log:1,", "log:x", "log:1:2:3"}) {
    auto e = ParseGlobalModels(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("NORM:CYCLES"), std::string::npos);
  }
}

TEST(GlobalModel, SeasonalLogProfileRecoversMultiplicativeSeasonality) {
  // y = 50 exp(d[t mod 24] + w[t mod 168]) with centred d and w (w centred within each day too).
  std::vector<double> d(24), w(168);
  for (int j = 0; j < 24; ++j) d[j] = 0.3 * std::sin(2.0 * M_PI * j / 24.0);
  for (int j = 0; j < 168; ++j) w[j] = (j / 24 == 5 || j / 24 == 6 ? 0.2 : -0.08);
  const int n = 24 * 7 * 5 + 7;  // not a whole number of cycles: phases are relative to the end
  std::vector<double> y(n);
  for (int t = 0; t < n; ++t) y[t] = 50.0 * std::exp(d[t % 24] + w[t % 168]);
  const std::vector<int> periods = {24, 168};
  const std::vector<double> prof = SeasonalLogProfile(y, periods);
  ASSERT_EQ(prof.size(), 168u);
  double wmean = 0.0;
  for (double v : w) wmean += v / 168.0;
  for (int i = n - 168; i < n; ++i) {
    const int j = ((i - n) % 168 + 168) % 168;
    // The daily profile absorbs nothing of w (w is constant within each day); the weekly part is
    // shrunk by 0.7.
    EXPECT_NEAR(prof[j], d[i % 24] + 0.7 * (w[i % 168] - wmean), 1e-9) << i;
  }
  // Daily period only: 24 entries.
  const std::vector<int> daily = {24};
  EXPECT_EQ(SeasonalLogProfile(y, daily).size(), 24u);
  // Non-positive value, too short, no usable period: empty.
  std::vector<double> bad = y;
  bad[10] = 0.0;
  EXPECT_TRUE(SeasonalLogProfile(bad, periods).empty());
  EXPECT_TRUE(SeasonalLogProfile(std::span<const double>(y).first(47), periods).empty());
  const std::vector<int> none = {1};
  EXPECT_TRUE(SeasonalLogProfile(y, none).empty());
}

TEST(GlobalModel, DeseasonalizedModelForecastsTheSeasonalShapeWithoutLeaks) {
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 12; ++s) data.push_back(SimulateSeasonal(700, 20.0 + 15.0 * s, 300 + s));
  for (const char* spec : {"dslog:1", "dslogstd:1"}) {
    SCOPED_TRACE(spec);
    auto parsed = ParseGlobalModels(spec);
    ASSERT_TRUE(parsed.ok());
    GlobalModelParams p = (*parsed)[0];
    p.lags = 48;
    p.horizon = 24;
    p.periods = {24};
    const std::vector<int> trunc = {0, 24};
    auto fit = FitGlobalModels(Spans(data), trunc, p);
    ASSERT_TRUE(fit.ok()) << fit.status().message();
    ASSERT_TRUE((*fit)[0].ok()) << (*fit)[0].status().message();
    ASSERT_TRUE((*fit)[1].ok()) << (*fit)[1].status().message();
    // The forecast follows the seasonal shape: one-day-ahead mean within 10% of the noise-free
    // seasonal value times the series' recent level.
    auto f = (*fit)[0]->Predict(data[3]);
    ASSERT_TRUE(f.ok()) << f.status().message();
    ASSERT_EQ(f->mean.size(), 24u);
    const double level = 20.0 + 15.0 * 3;
    double peak = 0.0, trough = 1e300;
    for (int k = 0; k < 24; ++k) {
      const double shape = 1.0 + 0.4 * std::sin(2.0 * M_PI * (700 + k) / 24.0);
      EXPECT_NEAR(f->mean[k] / (level * shape), 1.0, 0.1) << k;
      peak = std::max(peak, f->mean[k]);
      trough = std::min(trough, f->mean[k]);
      ASSERT_EQ(f->intervals.size(), 2u);
      EXPECT_LT(f->intervals[1].lower[k], f->mean[k]);
      EXPECT_GT(f->intervals[1].upper[k], f->mean[k]);
    }
    EXPECT_GT(peak / trough, 2.0);  // (1.4 / 0.6 = 2.33 without noise)
    // Model 24 is fitted only on the truncated series (their own profiles included): changing the
    // last 24 points of every series changes model 0 but not model 24.
    std::vector<std::vector<double>> changed = data;
    for (auto& s : changed) {
      for (size_t t = s.size() - 24; t < s.size(); ++t) s[t] *= 3.0;
    }
    auto fit2 = FitGlobalModels(Spans(changed), trunc, p);
    ASSERT_TRUE(fit2.ok());
    ASSERT_TRUE((*fit2)[1].ok());
    const std::span<const double> past = std::span<const double>(data[3]).first(676);
    auto a = (*fit)[1]->Predict(past);
    auto b = (*fit2)[1]->Predict(past);
    ASSERT_TRUE(a.ok() && b.ok());
    for (int k = 0; k < 24; ++k) {
      EXPECT_DOUBLE_EQ(a->mean[k], b->mean[k]) << k;
      EXPECT_DOUBLE_EQ(a->intervals[1].lower[k], b->intervals[1].lower[k]) << k;
      EXPECT_DOUBLE_EQ(a->intervals[1].upper[k], b->intervals[1].upper[k]) << k;
    }
    auto c = (*fit2)[0]->Predict(data[3]);
    ASSERT_TRUE(c.ok());
    EXPECT_NE(c->mean[0], f->mean[0]);
    // A non-positive history cannot be deseasonalised; deseasonalize needs a log normalisation.
    std::vector<double> neg = data[3];
    neg[600] = -1.0;
    auto e = (*fit)[0]->Predict(neg);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.status().message().find("positive"), std::string::npos);
    GlobalModelParams ratio = p;
    ratio.normalization = GlobalNormalization::kRatio;
    auto r = FitGlobalModels(Spans(data), trunc, ratio);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("deseasonalize"), std::string::npos);
  }
}

// 95% interval coverage of model `m` on series[first..first+count) from every origin in
// [from, to) (history = the points before the origin, scored on the next horizon points).
double Coverage95(const GlobalModel& m, const std::vector<std::vector<double>>& series,
                  size_t first, size_t count, int from, int to) {
  long inside = 0, total = 0;
  for (size_t i = first; i < first + count; ++i) {
    for (int o = from; o < to; ++o) {
      auto f = m.Predict(std::span<const double>(series[i]).first(o));
      EXPECT_TRUE(f.ok()) << f.status().message();
      if (!f.ok()) return 0.0;
      const PredictionInterval& pi = f->intervals[1];
      EXPECT_DOUBLE_EQ(pi.level, 0.95);
      for (int k = 0; k < m.params().horizon; ++k) {
        const double v = series[i][o + k];
        inside += v >= pi.lower[k] && v <= pi.upper[k];
        ++total;
      }
    }
  }
  return static_cast<double>(inside) / static_cast<double>(total);
}

TEST(GlobalModel, IntervalsScaleWithEachSeriesOwnErrors) {
  // Ten calm (noise sd 0.2) and ten noisy (sd 2) AR(2) series: pooled residual quantiles are too
  // wide for the calm ones and too narrow for the noisy ones; per-series scaling fixes both.
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 20; ++s) {
    data.push_back(SimulateAr2(1700, 1.0, 0.5, 0.3, s < 10 ? 0.2 : 2.0, 500 + s));
  }
  GlobalModelParams p;
  p.horizon = 6;
  p.lags = 4;
  p.level_window = 1;
  p.normalization = GlobalNormalization::kNone;
  // Fitted on the first 1500 points of each series; coverage measured on the last 200.
  const std::vector<int> trunc = {200};
  auto scaled = FitGlobalModels(Spans(data), trunc, p);
  ASSERT_TRUE(scaled.ok() && (*scaled)[0].ok());
  p.interval_scale_origins = 0;
  auto pooled = FitGlobalModels(Spans(data), trunc, p);
  ASSERT_TRUE(pooled.ok() && (*pooled)[0].ok());
  // Same point forecasts either way.
  auto a = (*scaled)[0]->Predict(data[12]);
  auto b = (*pooled)[0]->Predict(data[12]);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int k = 0; k < 6; ++k) EXPECT_DOUBLE_EQ(a->mean[k], b->mean[k]);
  const double pooled_calm = Coverage95(*(*pooled)[0], data, 0, 10, 1500, 1694);
  const double pooled_noisy = Coverage95(*(*pooled)[0], data, 10, 10, 1500, 1694);
  const double scaled_calm = Coverage95(*(*scaled)[0], data, 0, 10, 1500, 1694);
  const double scaled_noisy = Coverage95(*(*scaled)[0], data, 10, 10, 1500, 1694);
  std::printf("coverage95 pooled calm %.3f noisy %.3f; scaled calm %.3f noisy %.3f\n", pooled_calm,
              pooled_noisy, scaled_calm, scaled_noisy);
  EXPECT_GT(pooled_calm, 0.995);
  EXPECT_LT(pooled_noisy, 0.92);
  EXPECT_NEAR(scaled_calm, 0.95, 0.035);
  EXPECT_NEAR(scaled_noisy, 0.95, 0.035);
  // A history too short for any scaling window gets the median training scale: between the two.
  const std::span<const double> short_calm = std::span<const double>(data[0]).first(9);
  auto c = (*scaled)[0]->Predict(short_calm);
  auto d = (*scaled)[0]->Predict(std::span<const double>(data[0]).first(1500));
  ASSERT_TRUE(c.ok() && d.ok());
  EXPECT_GT(c->intervals[1].upper[0] - c->intervals[1].lower[0],
            2.0 * (d->intervals[1].upper[0] - d->intervals[1].lower[0]));
  GlobalModelParams bad = p;
  bad.interval_scale_origins = -1;
  auto e = FitGlobalModels(Spans(data), trunc, bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("interval_scale_origins"), std::string::npos);
}

TEST(GlobalModel, BatchEntryPoint) {
  std::vector<std::vector<double>> data;
  for (unsigned s = 0; s < 3; ++s) data.push_back(SimulateSeasonal(600, 10.0 + 10.0 * s, 80 + s));
  ForecastParams p;
  p.horizon = 24;
  p.season = 24;
  p.model = ModelKind::kGlobal;
  auto r = ForecastBatch(Spans(data), p, {2, nullptr});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  for (const auto& f : *r) {
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->model, "global");
    EXPECT_EQ(f->mean.size(), 24u);
  }
  // kGlobal through ForecastSeries without a pooled fit is a clear error.
  auto single = ForecastSeries(data[0], p);
  ASSERT_FALSE(single.ok());
  EXPECT_NE(single.status().message().find("ForecastBatch"), std::string::npos);
  // kGlobal on one series: a per-series direct AR (valid with enough windows).
  const std::vector<std::span<const double>> all = Spans(data);
  const std::span<const std::span<const double>> first_only(all.data(), 1);
  auto one = ForecastBatch(first_only, p);
  ASSERT_TRUE(one.ok() && (*one)[0].ok());
  // ...and a clear error when that series has too few windows.
  std::vector<std::vector<double>> short_one = {SimulateSeasonal(120, 10.0, 5)};
  auto too_short = ForecastBatch(Spans(short_one), p);
  ASSERT_TRUE(too_short.ok());
  EXPECT_FALSE((*too_short)[0].ok());
  // kAuto on a single series is exactly ForecastSeries (no pooled candidate).
  p.model = ModelKind::kAuto;
  p.extra_seasons = {};
  auto batch_one = ForecastBatch(first_only, p);
  auto direct = ForecastSeries(data[0], p);
  ASSERT_TRUE(batch_one.ok() && (*batch_one)[0].ok() && direct.ok());
  EXPECT_EQ((*batch_one)[0]->model, direct->model);
  for (int h = 0; h < 24; ++h) EXPECT_DOUBLE_EQ((*batch_one)[0]->mean[h], direct->mean[h]);
  EXPECT_EQ(direct->model.find("global"), std::string::npos);
  // kAuto on several series offers the pooled candidate.
  AutoTrace tr;
  auto sets = FitPooledModels(Spans(data), p);
  ASSERT_TRUE(sets.ok());
  ForecastParams pt = p;
  pt.global = *sets;
  pt.trace = &tr;
  ASSERT_TRUE(ForecastSeries(data[1], pt).ok());
  EXPECT_NE(std::find(tr.candidates.begin(), tr.candidates.end(), "global"), tr.candidates.end());
  // Empty batch.
  EXPECT_FALSE(ForecastBatch({}, p).ok());
}

}  // namespace
}  // namespace streamlens::analysis::forecast
