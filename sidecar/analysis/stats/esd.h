// Generalized ESD test (Rosner 1983) with robust location/scale (median / MAD), as in Twitter's
// AnomalyDetection detect_anoms(), computed in O(n log n) instead of O(n * max_anoms).
//
// Why it can be fast: removing the point farthest from the median always removes the smallest or
// the largest remaining value, so the remaining set is a contiguous range of the sorted data. The
// median of a range is O(1); the MAD is the median of two sorted sequences (the deviations left and
// right of the median), found by binary search in O(log n). After one sort, each of the up to
// max_anoms steps costs O(log n).
//
// Ties: Twitter removes the first point (in time) among equal maximal deviations; we remove by
// rank (largest index first among equal values at the top, smallest at the bottom). The number of
// anomalies is identical; which of several exactly equal values is reported may differ.
// Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis {

enum class Direction { kBoth, kAbove, kBelow };

struct EsdParams {
  double alpha = 0.05;      // significance level, in (0, 1).
  double max_anoms = 0.10;  // upper bound on the anomaly fraction, in (0, 0.49].
  Direction direction = Direction::kBoth;
};

struct EsdResult {
  std::vector<int> anomalies;  // indices into x, in the order they were removed.
  std::vector<double> r;       // test statistic R_i for each removal step.
  std::vector<double> lambda;  // critical value lambda_i for each step.
};

// Errors: bad alpha/max_anoms, non-finite input, fewer than 3 points.
Result<EsdResult> GeneralizedEsd(std::span<const double> x, const EsdParams& params);

// Quantile of Student's t distribution with `df` > 0 degrees of freedom, p in (0, 1).
// Accurate to ~1e-10 relative (inverse regularized incomplete beta by safeguarded Newton).
double StudentTQuantile(double p, double df);

}  // namespace streamlens::analysis
