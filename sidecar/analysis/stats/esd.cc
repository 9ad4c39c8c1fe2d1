#include "sidecar/analysis/stats/esd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

// Continued fraction for the regularized incomplete beta (modified Lentz).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-15;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1.0 - front * BetaContinuedFraction(b, a, 1.0 - x) / b;
}

// P(T > t) for t >= 0.
double StudentTUpperTail(double t, double df) {
  return 0.5 * RegularizedIncompleteBeta(0.5 * df, 0.5, df / (df + t * t));
}

}  // namespace

double StudentTQuantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -StudentTQuantile(1.0 - p, df);
  const double target = 1.0 - p;
  const double log_norm =
      std::lgamma(0.5 * (df + 1)) - std::lgamma(0.5 * df) - 0.5 * std::log(df * M_PI);
  double lo = 0.0, hi = 1.0;
  while (StudentTUpperTail(hi, df) > target && hi < 1e300) hi *= 2.0;
  double t = 0.5 * (lo + hi);
  for (int it = 0; it < 200; ++it) {
    const double f = StudentTUpperTail(t, df) - target;  // decreasing in t
    if (f > 0) {
      lo = t;
    } else {
      hi = t;
    }
    const double pdf = std::exp(log_norm - 0.5 * (df + 1) * std::log1p(t * t / df));
    double next = t + f / pdf;  // Newton step on the decreasing tail
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - t) <= 1e-14 * std::max(1.0, std::fabs(t))) {
      t = next;
      break;
    }
    t = next;
  }
  return t;
}

Result<EsdResult> GeneralizedEsd(std::span<const double> x, const EsdParams& params) {
  if (!(params.alpha > 0 && params.alpha < 1)) {
    return Status::Error("esd: alpha must be in (0, 1), got " + std::to_string(params.alpha));
  }
  if (!(params.max_anoms > 0 && params.max_anoms <= 0.49)) {
    return Status::Error("esd: max_anoms must be in (0, 0.49], got " +
                         std::to_string(params.max_anoms));
  }
  const size_t n = x.size();
  if (n < 3) return Status::Error("esd: need at least 3 points, got " + std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      return Status::Error("esd: value at index " + std::to_string(i) + " is not finite");
    }
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return x[a] < x[b] || (x[a] == x[b] && a > b); });
  std::vector<double> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = x[order[i]];

  EsdResult out;
  const long long max_outliers = static_cast<long long>(std::trunc(n * params.max_anoms));
  size_t lo = 0, hi = n - 1;  // remaining = s[lo..hi]
  long long num_anoms = 0;
  const double dn = static_cast<double>(n);
  for (long long i = 1; i <= max_outliers; ++i) {
    const size_t cnt = hi - lo + 1;
    const double med =
        cnt % 2 == 1 ? s[lo + cnt / 2] : 0.5 * (s[lo + cnt / 2 - 1] + s[lo + cnt / 2]);
    // Deviations below (A, increasing with t) and above (B, increasing) the median.
    const size_t m =
        static_cast<size_t>(std::lower_bound(s.begin() + lo, s.begin() + hi + 1, med) - s.begin());
    const size_t na = m - lo, nb = hi + 1 - m;
    auto A = [&](size_t t) { return med - s[m - 1 - t]; };
    auto B = [&](size_t t) { return s[m + t] - med; };
    auto kth = [&](size_t k) {
      size_t l = k + 1 > nb ? k + 1 - nb : 0, h = std::min(k + 1, na);
      while (l < h) {
        const size_t mid = (l + h) / 2;
        if (A(mid) < B(k - mid)) {
          l = mid + 1;
        } else {
          h = mid;
        }
      }
      const size_t j = k + 1 - l;
      double r = -std::numeric_limits<double>::infinity();
      if (l > 0) r = A(l - 1);
      if (j > 0) r = std::max(r, B(j - 1));
      return r;
    };
    const double mad_raw = cnt % 2 == 1 ? kth(cnt / 2) : 0.5 * (kth(cnt / 2 - 1) + kth(cnt / 2));
    const double sigma = kMadToSigma * mad_raw;
    if (sigma == 0) break;
    bool take_top;
    switch (params.direction) {
      case Direction::kAbove:
        take_top = true;
        break;
      case Direction::kBelow:
        take_top = false;
        break;
      default: {
        const double dt = s[hi] - med, db = med - s[lo];
        take_top = dt > db || (dt == db && order[hi] < order[lo]);
      }
    }
    const double r = take_top ? (s[hi] - med) / sigma : (med - s[lo]) / sigma;
    out.anomalies.push_back(take_top ? order[hi] : order[lo]);
    if (take_top) {
      --hi;
    } else {
      ++lo;
    }
    const double di = static_cast<double>(i);
    const double p = params.direction == Direction::kBoth ? 1.0 - params.alpha / (2 * (dn - di + 1))
                                                          : 1.0 - params.alpha / (dn - di + 1);
    const double t = StudentTQuantile(p, dn - di - 1);
    const double lambda = t * (dn - di) / std::sqrt((dn - di - 1 + t * t) * (dn - di + 1));
    out.r.push_back(r);
    out.lambda.push_back(lambda);
    if (r > lambda) num_anoms = i;
  }
  out.anomalies.resize(static_cast<size_t>(num_anoms));
  return out;
}

}  // namespace streamlens::analysis
