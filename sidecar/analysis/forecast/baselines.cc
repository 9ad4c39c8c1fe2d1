#include "sidecar/analysis/forecast/baselines.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sidecar/analysis/forecast/ets.h"
#include "sidecar/analysis/forecast/seasonality.h"
#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

Status CheckFinite(std::span<const double> y, const char* model) {
  for (size_t t = 0; t < y.size(); ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error(std::string(model) + ": observation " + std::to_string(t) +
                           " is not finite");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Forecast> SeasonalNaiveForecast(std::span<const double> y, int period, int horizon,
                                       std::span<const double> levels) {
  const int m = std::max(period, 1);
  const int n = static_cast<int>(y.size());
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(y, "snaive"));
  if (n < m + 1) {
    return Status::Error("snaive: need at least period + 1 = " + std::to_string(m + 1) +
                         " observations, got " + std::to_string(n));
  }
  Forecast fc;
  fc.model = m > 1 ? "snaive" : "naive";
  double ss = 0.0;
  for (int t = m; t < n; ++t) ss += (y[t] - y[t - m]) * (y[t] - y[t - m]);
  const double s = std::sqrt(ss / (n - m));
  for (int h = 1; h <= horizon; ++h) {
    fc.mean.push_back(y[n - m + (h - 1) % m]);
    fc.sd.push_back(s * std::sqrt(static_cast<double>((h - 1) / m + 1)));
  }
  AddGaussianIntervals(levels, &fc);
  return fc;
}

namespace {

// Shared by the seasonal mean and median: `predict(origin, step)` forecasts y[origin + step]
// (step < period) from the `cycles` values one, two, ... periods before it. The spread is the
// in-sample one-step error of that predictor, widened with the number of periods ahead.
template <typename Predict>
Result<Forecast> SeasonalAggregateForecast(std::span<const double> y, int period, int cycles,
                                           int horizon, std::span<const double> levels,
                                           const char* what, const char* prefix,
                                           Predict&& predict) {
  const int m = std::max(period, 1);
  const int k = std::max(cycles, 1);
  const int n = static_cast<int>(y.size());
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(y, what));
  if (n < m * k + m) {
    return Status::Error(std::string(what) + ": need at least " + std::to_string(m * k + m) +
                         " observations, got " + std::to_string(n));
  }
  double ss = 0.0;
  int count = 0;
  for (int t = k * m; t < n; ++t) {
    const double e = y[t] - predict(t, 0);
    ss += e * e;
    ++count;
  }
  const double s = std::sqrt(ss / std::max(1, count));
  Forecast fc;
  fc.model = prefix + std::to_string(m) + "x" + std::to_string(k);
  for (int h = 1; h <= horizon; ++h) {
    const int step = (h - 1) % m;
    fc.mean.push_back(predict(n, step));
    fc.sd.push_back(s * std::sqrt(static_cast<double>((h - 1) / m + 1)));
  }
  AddGaussianIntervals(levels, &fc);
  return fc;
}

}  // namespace

Result<Forecast> SeasonalMeanForecast(std::span<const double> y, int period, int cycles,
                                      int horizon, std::span<const double> levels) {
  const int m = std::max(period, 1);
  const int k = std::max(cycles, 1);
  return SeasonalAggregateForecast(y, period, cycles, horizon, levels, "seasonal mean", "smean",
                                   [&](int origin, int step) {
                                     double s = 0.0;
                                     for (int c = 1; c <= k; ++c) s += y[origin + step - c * m];
                                     return s / k;
                                   });
}

Result<Forecast> SeasonalMedianForecast(std::span<const double> y, int period, int cycles,
                                        int horizon, std::span<const double> levels) {
  const int m = std::max(period, 1);
  const int k = std::max(cycles, 1);
  std::vector<double> buf(static_cast<size_t>(k));
  return SeasonalAggregateForecast(
      y, period, cycles, horizon, levels, "seasonal median", "smedian", [&](int origin, int step) {
        for (int c = 1; c <= k; ++c) buf[static_cast<size_t>(c - 1)] = y[origin + step - c * m];
        std::sort(buf.begin(), buf.end());
        return k % 2
                   ? buf[static_cast<size_t>(k / 2)]
                   : 0.5 * (buf[static_cast<size_t>(k / 2 - 1)] + buf[static_cast<size_t>(k / 2)]);
      });
}

Result<Forecast> ThetaForecast(std::span<const double> y, int period, int horizon,
                               std::span<const double> levels) {
  const int n = static_cast<int>(y.size());
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(y, "theta"));
  if (n < 4) return Status::Error("theta: need at least 4 observations, got " + std::to_string(n));
  const int m = std::max(period, 1);
  const bool positive = *std::min_element(y.begin(), y.end()) > 0.0;
  std::vector<double> figure;
  std::vector<double> adj(y.begin(), y.end());
  if (m > 1 && IsSeasonal(y, m)) {
    figure = ClassicalSeasonalFigure(y, m, positive);
    for (int t = 0; t < n; ++t) adj[t] = positive ? y[t] / figure[t % m] : y[t] - figure[t % m];
  }
  EtsParams ep;
  ep.spec = EtsSpec{EtsError::kAdditive, EtsTrend::kNone, EtsSeason::kNone};
  Result<EtsModel> ses = FitEts(adj, ep);
  if (!ses.ok()) return ses.status().WithContext("theta");
  // Half the slope of the least-squares line over t = 0..n-1.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int t = 0; t < n; ++t) {
    sx += t;
    sy += adj[t];
    sxx += static_cast<double>(t) * t;
    sxy += t * adj[t];
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double alpha = std::max(1e-10, ses->par.alpha);
  const double drift = 0.5 * slope;
  const double offset = (1.0 - std::pow(1.0 - alpha, n)) / alpha;
  const double sigma = std::sqrt(ses->sigma2);
  Forecast fc;
  fc.model = "theta";
  std::vector<std::vector<double>> lo(levels.size()), hi(levels.size());
  for (int h = 1; h <= horizon; ++h) {
    double f = ses->final_state.level + drift * ((h - 1) + offset);
    double sd = sigma * std::sqrt(1.0 + alpha * alpha * (h - 1));
    double scale = 1.0, shift = 0.0;
    if (!figure.empty()) {
      const double s = figure[(n + h - 1) % m];
      if (positive)
        scale = s;
      else
        shift = s;
    }
    fc.mean.push_back(f * scale + shift);
    fc.sd.push_back(sd * std::abs(scale));
  }
  AddGaussianIntervals(levels, &fc);
  return fc;
}

}  // namespace streamlens::analysis::forecast
