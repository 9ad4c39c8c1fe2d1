// Isolation Forest (Liu, Ting & Zhou 2008) as a multivariate outlier model for peers: `trees`
// random trees on subsamples of `subsample` rows, depth limit ceil(log2(subsample)); anomaly score
// s(x) = 2^(-E[h(x)] / c(subsample)), in (0, 1]. Deterministic for a given seed. Rows are
// row-major (n x dims). The fitted forest is immutable: Score() is thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis {

struct IsolationForestParams {
  int trees = 100;      // >= 1
  int subsample = 256;  // >= 2 (capped at the number of rows)
  uint64_t seed = 42;
};

class IsolationForest {
 public:
  // Errors: dims < 1, size not a multiple of dims, fewer than 2 rows, non-finite values, bad
  // params.
  static Result<IsolationForest> Fit(std::span<const double> rows, int dims,
                                     const IsolationForestParams& params);
  // Anomaly score s(x) in (0, 1] for each row of `rows` (same dims); > 0.5 leans anomalous.
  std::vector<double> Score(std::span<const double> rows) const;

 private:
  struct Node {
    int feature = -1;  // -1 = leaf
    double split = 0;
    int left = -1, right = -1;
    int size = 0;  // rows reaching a leaf
  };
  int dims_ = 0;
  double c_ = 1;  // c(subsample)
  std::vector<int> roots_;
  std::vector<Node> nodes_;
};

// Average path length of an unsuccessful BST search among n points, c(n).
double AveragePathLength(double n);

}  // namespace streamlens::analysis
