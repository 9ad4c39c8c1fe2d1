#include "sidecar/analysis/outliers/dbscan.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>

namespace streamlens::analysis {
namespace {

constexpr int kMaxDims = 8;

struct Grid {
  int d = 0;
  std::vector<int64_t> cell_coord;  // cells x d, lexicographically sorted
  std::vector<int> cell_start;      // cells + 1 offsets into `order`
  std::vector<int> order;           // point ids sorted by cell
  std::vector<double> pts;          // coordinates in `order` order (n x d)
  std::vector<int> nb_start;        // cells + 1 offsets into nb_cells
  std::vector<int> nb_cells;        // neighbouring non-empty cells of each cell (incl. itself)
};

int CompareCoord(const int64_t* a, const int64_t* b, int d) {
  for (int k = 0; k < d; ++k) {
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
}

Grid BuildGrid(std::span<const double> rows, int d, double eps) {
  Grid g;
  g.d = d;
  const int n = static_cast<int>(rows.size() / d);
  std::vector<int64_t> coord(static_cast<size_t>(n) * d);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < d; ++k) {
      coord[static_cast<size_t>(i) * d + k] =
          static_cast<int64_t>(std::floor(rows[i * d + k] / eps));
    }
  }
  g.order.resize(n);
  std::iota(g.order.begin(), g.order.end(), 0);
  std::sort(g.order.begin(), g.order.end(), [&](int a, int b) {
    const int c =
        CompareCoord(&coord[static_cast<size_t>(a) * d], &coord[static_cast<size_t>(b) * d], d);
    return c < 0 || (c == 0 && a < b);
  });
  g.pts.resize(static_cast<size_t>(n) * d);
  for (int i = 0; i < n; ++i) {
    const int p = g.order[i];
    const int64_t* c = &coord[static_cast<size_t>(p) * d];
    if (i == 0 || CompareCoord(c, &g.cell_coord[g.cell_coord.size() - d], d) != 0) {
      g.cell_start.push_back(i);
      g.cell_coord.insert(g.cell_coord.end(), c, c + d);
    }
    for (int k = 0; k < d; ++k) g.pts[static_cast<size_t>(i) * d + k] = rows[p * d + k];
  }
  const int cells = static_cast<int>(g.cell_start.size());
  g.cell_start.push_back(n);
  // Neighbouring cells: all offsets in {-1, 0, 1}^d, found by binary search.
  int combos = 1;
  for (int k = 0; k < d; ++k) combos *= 3;
  g.nb_start.reserve(cells + 1);
  std::array<int64_t, kMaxDims> probe{};
  for (int c = 0; c < cells; ++c) {
    g.nb_start.push_back(static_cast<int>(g.nb_cells.size()));
    const int64_t* base = &g.cell_coord[static_cast<size_t>(c) * d];
    for (int m = 0; m < combos; ++m) {
      int rest = m;
      for (int k = 0; k < d; ++k) {
        probe[k] = base[k] + (rest % 3) - 1;
        rest /= 3;
      }
      int lo = 0, hi = cells;
      while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (CompareCoord(&g.cell_coord[static_cast<size_t>(mid) * d], probe.data(), d) < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo < cells &&
          CompareCoord(&g.cell_coord[static_cast<size_t>(lo) * d], probe.data(), d) == 0) {
        g.nb_cells.push_back(lo);
      }
    }
  }
  g.nb_start.push_back(static_cast<int>(g.nb_cells.size()));
  return g;
}

template <int D>
inline double Dist2(const double* a, const double* b, int d) {
  double s = 0;
  if constexpr (D > 0) {
    for (int k = 0; k < D; ++k) {
      const double t = a[k] - b[k];
      s += t * t;
    }
  } else {
    for (int k = 0; k < d; ++k) {
      const double t = a[k] - b[k];
      s += t * t;
    }
  }
  return s;
}

// cell_of[i] for sorted position i.
template <int D>
void Run(const Grid& g, const std::vector<int>& cell_of, double eps2, int min_samples,
         DbscanResult* out) {
  const int d = g.d;
  const int n = static_cast<int>(g.order.size());
  const int cells = static_cast<int>(g.cell_start.size()) - 1;
  std::vector<uint8_t> core(n, 0);  // by sorted position
  for (int c = 0; c < cells; ++c) {
    for (int i = g.cell_start[c]; i < g.cell_start[c + 1]; ++i) {
      const double* pi = &g.pts[static_cast<size_t>(i) * d];
      int count = 0;
      for (int q = g.nb_start[c]; q < g.nb_start[c + 1] && count < min_samples; ++q) {
        const int cc = g.nb_cells[q];
        for (int j = g.cell_start[cc]; j < g.cell_start[cc + 1]; ++j) {
          count += Dist2<D>(pi, &g.pts[static_cast<size_t>(j) * d], d) <= eps2;
        }
      }
      core[i] = count >= min_samples;
    }
  }
  std::vector<int> pos(n);  // original index -> sorted position
  for (int i = 0; i < n; ++i) pos[g.order[i]] = i;
  std::vector<int> label(n, -1);  // by sorted position
  std::vector<int> stack;
  int next = 0;
  for (int orig = 0; orig < n; ++orig) {
    const int s = pos[orig];
    if (label[s] != -1 || !core[s]) continue;
    label[s] = next;
    stack.push_back(s);
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      const double* pi = &g.pts[static_cast<size_t>(i) * d];
      const int c = cell_of[i];
      for (int q = g.nb_start[c]; q < g.nb_start[c + 1]; ++q) {
        const int cc = g.nb_cells[q];
        for (int j = g.cell_start[cc]; j < g.cell_start[cc + 1]; ++j) {
          if (label[j] != -1) continue;
          if (Dist2<D>(pi, &g.pts[static_cast<size_t>(j) * d], d) <= eps2) {
            label[j] = next;
            if (core[j]) stack.push_back(j);
          }
        }
      }
    }
    ++next;
  }
  out->clusters = next;
  out->labels.assign(n, -1);
  out->is_core.assign(n, false);
  for (int i = 0; i < n; ++i) {
    out->labels[g.order[i]] = label[i];
    out->is_core[g.order[i]] = core[i] != 0;
  }
}

}  // namespace

Result<DbscanResult> Dbscan(std::span<const double> rows, int dims, const DbscanParams& p) {
  if (dims < 1 || dims > kMaxDims) {
    return Status::Error("dbscan: dims must be in [1, 8], got " + std::to_string(dims));
  }
  if (rows.size() % static_cast<size_t>(dims) != 0) {
    return Status::Error("dbscan: input size " + std::to_string(rows.size()) +
                         " is not a multiple of dims " + std::to_string(dims));
  }
  if (!(p.eps > 0) || !std::isfinite(p.eps)) return Status::Error("dbscan: eps must be > 0");
  if (p.min_samples < 1) return Status::Error("dbscan: min_samples must be >= 1");
  if (rows.size() / dims > 100'000'000) return Status::Error("dbscan: too many rows");
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return Status::Error("dbscan: row " + std::to_string(i / dims) + " column " +
                           std::to_string(i % dims) + " is not finite");
    }
  }
  DbscanResult out;
  if (rows.empty()) return out;
  const Grid g = BuildGrid(rows, dims, p.eps);
  std::vector<int> cell_of(g.order.size());
  for (size_t c = 0; c + 1 < g.cell_start.size(); ++c) {
    for (int i = g.cell_start[c]; i < g.cell_start[c + 1]; ++i) cell_of[i] = static_cast<int>(c);
  }
  const double eps2 = p.eps * p.eps;
  switch (dims) {
    case 2:
      Run<2>(g, cell_of, eps2, p.min_samples, &out);
      break;
    case 3:
      Run<3>(g, cell_of, eps2, p.min_samples, &out);
      break;
    case 4:
      Run<4>(g, cell_of, eps2, p.min_samples, &out);
      break;
    case 5:
      Run<5>(g, cell_of, eps2, p.min_samples, &out);
      break;
    default:
      Run<0>(g, cell_of, eps2, p.min_samples, &out);
      break;
  }
  return out;
}

}  // namespace streamlens::analysis
