#include "sidecar/analysis/rootcause/correlation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace streamlens::analysis::rootcause {
namespace {

Status CheckPair(std::span<const double> x, std::span<const double> y, const char* what) {
  if (x.size() != y.size()) {
    return Status::Error(std::string(what) + ": series lengths differ (" +
                         std::to_string(x.size()) + " vs " + std::to_string(y.size()) + ")");
  }
  if (x.size() < 2) {
    return Status::Error(std::string(what) + ": need at least 2 samples, got " +
                         std::to_string(x.size()));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      return Status::Error(std::string(what) + ": non-finite value at index " + std::to_string(i) +
                           "; fill or drop gaps first");
    }
  }
  return Status::Ok();
}

// Pearson on already validated, equally long spans. Two-pass (mean first) for accuracy.
double PearsonUnchecked(const double* x, const double* y, size_t n) {
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = x[i] - mx;
    const double dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Treat variance that is pure rounding noise relative to the level as zero.
  const double tiny = 1e-24 * static_cast<double>(n);
  if (sxx <= tiny * (1.0 + mx * mx) || syy <= tiny * (1.0 + my * my)) return 0.0;
  const double r = sxy / std::sqrt(sxx * syy);
  return std::clamp(r, -1.0, 1.0);
}

std::vector<double> AverageRanks(std::span<const double> v) {
  const size_t n = v.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(n);
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && v[order[j]] == v[order[i]]) ++j;
    const double avg = 0.5 * static_cast<double>(i + j - 1) + 1.0;
    for (size_t k = i; k < j; ++k) ranks[order[k]] = avg;
    i = j;
  }
  return ranks;
}

}  // namespace

Result<double> Pearson(std::span<const double> x, std::span<const double> y) {
  STREAMLENS_RETURN_IF_ERROR(CheckPair(x, y, "pearson"));
  return PearsonUnchecked(x.data(), y.data(), x.size());
}

Result<double> Spearman(std::span<const double> x, std::span<const double> y) {
  STREAMLENS_RETURN_IF_ERROR(CheckPair(x, y, "spearman"));
  const std::vector<double> rx = AverageRanks(x);
  const std::vector<double> ry = AverageRanks(y);
  return PearsonUnchecked(rx.data(), ry.data(), rx.size());
}

Result<LaggedCorrelation> BestLaggedCorrelation(std::span<const double> x,
                                                std::span<const double> y,
                                                const LaggedCorrelationParams& params) {
  STREAMLENS_RETURN_IF_ERROR(CheckPair(x, y, "lagged correlation"));
  if (params.max_lag < 0) {
    return Status::Error("lagged correlation: max_lag must be >= 0, got " +
                         std::to_string(params.max_lag));
  }
  if (params.min_overlap < 3) {
    return Status::Error("lagged correlation: min_overlap must be >= 3, got " +
                         std::to_string(params.min_overlap));
  }
  const long n = static_cast<long>(x.size());
  if (n - params.max_lag < params.min_overlap) {
    return Status::Error(
        "lagged correlation: " + std::to_string(n) +
        " samples leave fewer than min_overlap=" + std::to_string(params.min_overlap) +
        " overlapping samples at max_lag=" + std::to_string(params.max_lag));
  }
  LaggedCorrelation best;
  bool have = false;
  // Visit lags in order 0, -1, +1, -2, +2 ... so that strict '>' implements the tie rule.
  for (int step = 0; step <= 2 * params.max_lag; ++step) {
    const int lag = (step == 0) ? 0 : ((step % 2 == 1) ? -(step + 1) / 2 : step / 2);
    const long overlap = n - std::abs(lag);
    const double* xs = x.data() + (lag < 0 ? -lag : 0);
    const double* ys = y.data() + (lag > 0 ? lag : 0);
    const double r = PearsonUnchecked(xs, ys, static_cast<size_t>(overlap));
    if (!have || std::abs(r) > std::abs(best.correlation)) {
      best.lag = lag;
      best.correlation = r;
      best.overlap = static_cast<int>(overlap);
      have = true;
    }
  }
  return best;
}

}  // namespace streamlens::analysis::rootcause
