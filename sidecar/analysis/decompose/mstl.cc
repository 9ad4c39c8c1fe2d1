#include "sidecar/analysis/decompose/mstl.h"

#include <algorithm>
#include <string>

namespace streamlens::analysis {

Result<MstlResult> Mstl(std::span<const double> x, const MstlParams& params) {
  const size_t n = x.size();
  if (params.iterate < 1) return Status::Error("mstl: iterate must be >= 1");
  std::vector<int> periods;
  for (int p : params.periods) {
    if (p < 2) return Status::Error("mstl: every period must be >= 2, got " + std::to_string(p));
    if (static_cast<double>(p) < static_cast<double>(n) / 2.0) periods.push_back(p);
  }
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  if (periods.empty()) {
    return Status::Error("mstl: no period has two full cycles in " + std::to_string(n) + " points");
  }
  std::vector<int> windows = params.seasonal_windows;
  if (windows.empty()) {
    for (size_t i = 0; i < periods.size(); ++i) windows.push_back(7 + 4 * static_cast<int>(i + 1));
  } else if (windows.size() == 1) {
    windows.assign(periods.size(), windows[0]);
  } else if (windows.size() < periods.size()) {
    return Status::Error("mstl: give one seasonal window per period (or one for all)");
  }

  MstlResult r;
  r.periods = periods;
  r.seasonal.assign(periods.size(), std::vector<double>(n, 0.0));
  r.trend.assign(n, 0.0);
  std::vector<double> deseas(x.begin(), x.end());
  for (int it = 0; it < params.iterate; ++it) {
    for (size_t i = 0; i < periods.size(); ++i) {
      std::vector<double>& s = r.seasonal[i];
      for (size_t t = 0; t < n; ++t) deseas[t] += s[t];
      StlParams sp = params.stl;
      sp.period = periods[i];
      sp.periodic = params.periodic;
      sp.seasonal_window = params.periodic ? 0 : windows[i];
      Status st = StlInto(deseas, sp, s, r.trend, {});
      if (!st.ok()) return st.WithContext("mstl period " + std::to_string(periods[i]));
      for (size_t t = 0; t < n; ++t) deseas[t] -= s[t];
    }
  }
  r.remainder.resize(n);
  for (size_t t = 0; t < n; ++t) r.remainder[t] = deseas[t] - r.trend[t];
  return r;
}

}  // namespace streamlens::analysis
