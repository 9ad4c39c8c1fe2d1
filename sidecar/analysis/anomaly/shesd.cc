#include "sidecar/analysis/anomaly/shesd.h"

#include <algorithm>
#include <string>

#include "sidecar/analysis/decompose/stl.h"
#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {

Result<std::vector<int>> SeasonalHybridEsd(std::span<const double> x, const ShesdParams& p) {
  if (p.period < 2) return Status::Error("shesd: period must be >= 2");
  if (p.piece_length < 0) return Status::Error("shesd: piece_length must be >= 0");
  const size_t n = x.size();
  const size_t piece = p.piece_length > 0 ? static_cast<size_t>(p.piece_length) : n;
  std::vector<std::pair<size_t, size_t>> pieces;
  for (size_t start = 0; start < n; start += piece) {
    size_t end = std::min(n, start + piece);
    if (end - start < piece && start > 0) start = n - piece;  // overlap the previous piece
    pieces.emplace_back(start, end);
    if (end == n) break;
  }
  std::vector<int> out;
  std::vector<double> resid;
  for (auto [a, b] : pieces) {
    std::span<const double> part = x.subspan(a, b - a);
    StlParams sp;
    sp.period = p.period;
    sp.periodic = true;
    sp.robust = true;
    auto d = Stl(part, sp);
    if (!d.ok()) return d.status().WithContext("shesd piece at " + std::to_string(a));
    const double med = Median(part);
    resid.resize(part.size());
    for (size_t i = 0; i < part.size(); ++i) resid[i] = part[i] - d->seasonal[i] - med;
    auto e = GeneralizedEsd(resid, p.esd);
    if (!e.ok()) return e.status().WithContext("shesd piece at " + std::to_string(a));
    for (int i : e->anomalies) out.push_back(static_cast<int>(a) + i);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace streamlens::analysis
