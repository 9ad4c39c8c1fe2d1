#include "sidecar/analysis/stats/robust.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamlens::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Median of buf (reordered in place); buf must be non-empty.
double MedianInPlace(std::vector<double>& buf) {
  const size_t n = buf.size();
  const size_t h = n / 2;
  std::nth_element(buf.begin(), buf.begin() + h, buf.end());
  const double upper = buf[h];
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(buf.begin(), buf.begin() + h);
  return 0.5 * (lower + upper);
}

double SortedMedian(const std::vector<double>& s) {
  const size_t n = s.size();
  return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

}  // namespace

double Median(std::span<const double> x) {
  std::vector<double> buf;
  buf.reserve(x.size());
  for (double v : x) {
    if (!std::isnan(v)) buf.push_back(v);
  }
  if (buf.empty()) return kNaN;
  return MedianInPlace(buf);
}

double Mad(std::span<const double> x, double center) {
  std::vector<double> buf;
  buf.reserve(x.size());
  for (double v : x) {
    if (!std::isnan(v)) buf.push_back(std::fabs(v - center));
  }
  if (buf.empty()) return kNaN;
  return kMadToSigma * MedianInPlace(buf);
}

std::vector<double> RobustZ(std::span<const double> x) {
  const double med = Median(x);
  double scale = Mad(x, med);
  if (!(scale > 0)) {
    // Iglewicz and Hoaglin's modified z for MAD = 0: the mean absolute deviation from the
    // median, scaled to a normal sigma (sqrt(pi / 2)).
    double sum = 0;
    size_t n = 0;
    for (double v : x) {
      if (std::isnan(v)) continue;
      sum += std::fabs(v - med);
      ++n;
    }
    scale = n > 0 ? 1.2533141373155 * sum / static_cast<double>(n) : 0.0;
  }
  std::vector<double> z(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - med;
    z[i] = scale > 0 ? d / scale : 0.0;
  }
  return z;
}

std::vector<double> RollingMedian(std::span<const double> x, int window) {
  std::vector<double> out(x.size(), kNaN);
  if (window < 1) return out;
  std::vector<double> sorted;
  sorted.reserve(static_cast<size_t>(window));
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isnan(x[i]))
      sorted.insert(std::lower_bound(sorted.begin(), sorted.end(), x[i]), x[i]);
    if (i >= static_cast<size_t>(window)) {
      const double old = x[i - window];
      if (!std::isnan(old)) sorted.erase(std::lower_bound(sorted.begin(), sorted.end(), old));
    }
    if (!sorted.empty()) out[i] = SortedMedian(sorted);
  }
  return out;
}

std::vector<double> RollingMad(std::span<const double> x, int window) {
  std::vector<double> out(x.size(), kNaN);
  if (window < 1) return out;
  const std::vector<double> med = RollingMedian(x, window);
  std::vector<double> buf;
  buf.reserve(static_cast<size_t>(window));
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(med[i])) continue;
    buf.clear();
    const size_t start = i + 1 >= static_cast<size_t>(window) ? i + 1 - window : 0;
    for (size_t j = start; j <= i; ++j) {
      if (!std::isnan(x[j])) buf.push_back(std::fabs(x[j] - med[i]));
    }
    out[i] = kMadToSigma * MedianInPlace(buf);
  }
  return out;
}

}  // namespace streamlens::analysis
