#include "sidecar/analysis/forecast/unit_root.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "sidecar/analysis/decompose/mstl.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr double kKpss5pct = 0.463;
constexpr double kSeasonalStrength = 0.64;

bool IsConstant(std::span<const double> y) {
  return std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
}

std::vector<double> Diff(std::span<const double> y, int lag) {
  std::vector<double> out;
  for (size_t t = lag; t < y.size(); ++t) out.push_back(y[t] - y[t - lag]);
  return out;
}

double Variance(std::span<const double> x) {
  const double n = static_cast<double>(x.size());
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0.0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return ss / (n - 1.0);
}

}  // namespace

double KpssStatistic(std::span<const double> y, int lags) {
  const int n = static_cast<int>(y.size());
  if (lags < 0) lags = static_cast<int>(std::trunc(3.0 * std::sqrt(static_cast<double>(n)) / 13.0));
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / n;
  std::vector<double> res(n);
  for (int t = 0; t < n; ++t) res[t] = y[t] - mean;
  double s = 0.0, num = 0.0, s2 = 0.0;
  for (int t = 0; t < n; ++t) {
    s += res[t];
    num += s * s;
    s2 += res[t] * res[t];
  }
  num /= static_cast<double>(n) * n;
  s2 /= n;
  double denom = s2;
  for (int l = 1; l <= lags && l < n; ++l) {
    double cov = 0.0;
    for (int t = l; t < n; ++t) cov += res[t] * res[t - l];
    denom += 2.0 / n * (1.0 - static_cast<double>(l) / (lags + 1)) * cov;
  }
  return num / denom;
}

int NDiffs(std::span<const double> y, int max_d) {
  std::vector<double> x(y.begin(), y.end());
  int d = 0;
  if (x.size() < 2 || IsConstant(x)) return 0;
  bool dodiff = KpssStatistic(x) > kKpss5pct;
  while (dodiff && d < max_d) {
    ++d;
    x = Diff(x, 1);
    if (x.size() < 2 || IsConstant(x)) return d;
    dodiff = KpssStatistic(x) > kKpss5pct;
  }
  return d;
}

double SeasonalStrength(std::span<const double> y, int period) {
  if (period < 2 || static_cast<int>(y.size()) <= 2 * period) return 0.0;
  MstlParams p;
  p.periods = {period};
  p.iterate = 1;  // forecast::mstl on a single-period ts iterates once
  Result<MstlResult> r = Mstl(y, p);
  if (!r.ok() || r->seasonal.empty()) return 0.0;
  const std::vector<double>& rem = r->remainder;
  std::vector<double> sum(rem.size());
  for (size_t t = 0; t < rem.size(); ++t) sum[t] = rem[t] + r->seasonal[0][t];
  const double vs = Variance(sum);
  if (!(vs > 0.0)) return 0.0;
  return std::clamp(1.0 - Variance(rem) / vs, 0.0, 1.0);
}

int NSDiffs(std::span<const double> y, int period, int max_D) {
  std::vector<double> x(y.begin(), y.end());
  int dd = 0;
  if (period < 2 || x.empty() || IsConstant(x) || period >= static_cast<int>(x.size())) return 0;
  bool dodiff = SeasonalStrength(x, period) > kSeasonalStrength;
  while (dodiff && dd < max_D) {
    ++dd;
    x = Diff(x, period);
    if (x.empty() || IsConstant(x)) return dd;
    dodiff = static_cast<int>(x.size()) >= 2 * period && dd < max_D &&
             SeasonalStrength(x, period) > kSeasonalStrength;
  }
  return dd;
}

}  // namespace streamlens::analysis::forecast
