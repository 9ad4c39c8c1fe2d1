#include "sidecar/analysis/outliers/isolation_forest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

namespace streamlens::analysis {

double AveragePathLength(double n) {
  if (n <= 1) return 0;
  if (n == 2) return 1;
  constexpr double kEuler = 0.5772156649015329;
  return 2.0 * (std::log(n - 1.0) + kEuler) - 2.0 * (n - 1.0) / n;
}

Result<IsolationForest> IsolationForest::Fit(std::span<const double> rows, int dims,
                                             const IsolationForestParams& p) {
  if (dims < 1) return Status::Error("isolation forest: dims must be >= 1");
  if (rows.size() % static_cast<size_t>(dims) != 0) {
    return Status::Error("isolation forest: input size is not a multiple of dims");
  }
  const int n = static_cast<int>(rows.size() / dims);
  if (n < 2) return Status::Error("isolation forest: need at least 2 rows");
  if (p.trees < 1 || p.subsample < 2) {
    return Status::Error("isolation forest: trees must be >= 1 and subsample >= 2");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return Status::Error("isolation forest: row " + std::to_string(i / dims) + " is not finite");
    }
  }
  IsolationForest f;
  f.dims_ = dims;
  const int psi = std::min(p.subsample, n);
  f.c_ = AveragePathLength(psi);
  const int max_depth = static_cast<int>(std::ceil(std::log2(static_cast<double>(psi))));
  std::mt19937_64 rng(p.seed);
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 0);
  std::vector<int> sample(psi);
  struct Task {
    int node, begin, end, depth;
  };
  std::vector<Task> stack;
  for (int t = 0; t < p.trees; ++t) {
    // Subsample without replacement (partial Fisher-Yates).
    for (int i = 0; i < psi; ++i) {
      std::uniform_int_distribution<int> pick(i, n - 1);
      std::swap(all[i], all[pick(rng)]);
      sample[i] = all[i];
    }
    f.roots_.push_back(static_cast<int>(f.nodes_.size()));
    f.nodes_.push_back(Node{});
    stack.push_back({f.roots_.back(), 0, psi, 0});
    while (!stack.empty()) {
      const Task task = stack.back();
      stack.pop_back();
      const int size = task.end - task.begin;
      f.nodes_[task.node].size = size;
      if (size <= 1 || task.depth >= max_depth) continue;
      // Pick a feature with spread among these rows (a few tries, as a constant column cannot
      // split).
      int feature = -1;
      double lo = 0, hi = 0;
      for (int attempt = 0; attempt < 2 * dims && feature < 0; ++attempt) {
        const int q = std::uniform_int_distribution<int>(0, dims - 1)(rng);
        lo = hi = rows[static_cast<size_t>(sample[task.begin]) * dims + q];
        for (int i = task.begin + 1; i < task.end; ++i) {
          const double v = rows[static_cast<size_t>(sample[i]) * dims + q];
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        if (hi > lo) feature = q;
      }
      if (feature < 0) continue;
      const double split = std::uniform_real_distribution<double>(lo, hi)(rng);
      const auto mid = std::partition(
          sample.begin() + task.begin, sample.begin() + task.end,
          [&](int r) { return rows[static_cast<size_t>(r) * dims + feature] < split; });
      const int m = static_cast<int>(mid - sample.begin());
      const int left = static_cast<int>(f.nodes_.size());
      f.nodes_.push_back(Node{});
      f.nodes_.push_back(Node{});
      f.nodes_[task.node].feature = feature;
      f.nodes_[task.node].split = split;
      f.nodes_[task.node].left = left;
      f.nodes_[task.node].right = left + 1;
      stack.push_back({left, task.begin, m, task.depth + 1});
      stack.push_back({left + 1, m, task.end, task.depth + 1});
    }
  }
  return f;
}

std::vector<double> IsolationForest::Score(std::span<const double> rows) const {
  const size_t n = rows.size() / static_cast<size_t>(dims_);
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    const double* x = &rows[i * dims_];
    double total = 0;
    for (int root : roots_) {
      int node = root, depth = 0;
      while (nodes_[node].feature >= 0) {
        node =
            x[nodes_[node].feature] < nodes_[node].split ? nodes_[node].left : nodes_[node].right;
        ++depth;
      }
      total += depth + AveragePathLength(nodes_[node].size);
    }
    const double mean = total / static_cast<double>(roots_.size());
    out[i] = std::pow(2.0, -mean / c_);
  }
  return out;
}

}  // namespace streamlens::analysis
