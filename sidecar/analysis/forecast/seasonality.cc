#include "sidecar/analysis/forecast/seasonality.h"

#include <cmath>
#include <numeric>

namespace streamlens::analysis::forecast {

std::vector<double> ClassicalSeasonalFigure(std::span<const double> y, int period,
                                            bool multiplicative) {
  const int n = static_cast<int>(y.size());
  const int m = period;
  const int half = m / 2;
  std::vector<double> sum(m, 0.0);
  std::vector<int> count(m, 0);
  // Centred moving average (via prefix sums), then detrended values averaged per phase.
  std::vector<double> prefix(n + 1, 0.0);
  for (int t = 0; t < n; ++t) prefix[t + 1] = prefix[t] + y[t];
  const bool even = m % 2 == 0;
  for (int t = half; t + half < n; ++t) {
    double window;
    if (even) {
      window = 0.5 * y[t - half] + 0.5 * y[t + half] + (prefix[t + half] - prefix[t - half + 1]);
    } else {
      window = prefix[t + half + 1] - prefix[t - half];
    }
    const double trend = window / m;
    const double detrended = multiplicative ? y[t] / trend : y[t] - trend;
    sum[t % m] += detrended;
    ++count[t % m];
  }
  std::vector<double> figure(m);
  for (int k = 0; k < m; ++k)
    figure[k] = count[k] > 0 ? sum[k] / count[k] : (multiplicative ? 1.0 : 0.0);
  const double mean = std::accumulate(figure.begin(), figure.end(), 0.0) / m;
  for (double& f : figure) f = multiplicative ? f / mean : f - mean;
  return figure;
}

std::vector<double> Autocorrelation(std::span<const double> y, int max_lag) {
  const size_t n = y.size();
  std::vector<double> acf(max_lag + 1, 0.0);
  if (n == 0) return acf;
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double denom = 0.0;
  for (double v : y) denom += (v - mean) * (v - mean);
  if (denom <= 0.0) return acf;
  for (int lag = 0; lag <= max_lag && static_cast<size_t>(lag) < n; ++lag) {
    double s = 0.0;
    for (size_t t = lag; t < n; ++t) s += (y[t] - mean) * (y[t - lag] - mean);
    acf[lag] = s / denom;
  }
  return acf;
}

bool IsSeasonal(std::span<const double> y, int period) {
  const int n = static_cast<int>(y.size());
  if (period < 2 || n < 3 * period) return false;
  const std::vector<double> acf = Autocorrelation(y, period);
  double s = 0.0;
  for (int k = 1; k < period; ++k) s += acf[k] * acf[k];
  const double limit = 1.645 * std::sqrt((1.0 + 2.0 * s) / n);
  return std::abs(acf[period]) > limit;
}

}  // namespace streamlens::analysis::forecast
