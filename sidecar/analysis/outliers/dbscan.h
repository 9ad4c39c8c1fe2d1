// DBSCAN (Ester et al. 1996) giving the same labels as scikit-learn's sklearn.cluster.DBSCAN
// (Euclidean metric, neighbourhood = points at distance <= eps including the point itself, core
// when the neighbourhood has >= min_samples points; clusters numbered in the order of their
// lowest-index core point; a border point reachable from several clusters joins the lowest-numbered
// one, which is what sklearn's depth-first expansion in index order produces).
//
// Index: a uniform grid with cell side eps, so each neighbourhood query scans the 3^d cells around
// a point; cost ~ n * (points per 3^d cells). Meant for a handful of standardised metrics (d <= 8).
// Input is row-major (n rows of d values). Pure; thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis {

struct DbscanParams {
  double eps = 0.5;     // > 0
  int min_samples = 5;  // >= 1
};

struct DbscanResult {
  std::vector<int> labels;  // cluster id per row, -1 = noise
  std::vector<bool> is_core;
  int clusters = 0;
};

// Errors: dims < 1 or > 8, size not a multiple of dims, non-finite values, bad params.
Result<DbscanResult> Dbscan(std::span<const double> rows, int dims, const DbscanParams& params);

}  // namespace streamlens::analysis
