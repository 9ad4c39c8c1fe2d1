// Outliers among peers (brokers, partitions, consumers of one group) at one instant: each member
// is a row of metrics (bytes in, messages in, request rate, handler idle, CPU, ...). Every method
// returns one score per member where > 1 means outlier, so they can be alerted on alike.
//
//  - PeerRobustZ: per metric robust z (median/MAD across members). A member is an outlier on a
//    metric when it is both unusual among its peers (|z| > z_threshold) and materially different
//    (|x - median| > min_relative * |median|): the metric's score is the smaller of |z| /
//    z_threshold and |x - median| / (min_relative * |median|) (the second is infinite when the
//    median is 0); the member's score is the largest over its metrics. Idle ratios of 0.75
//    against peers at 0.74 with a tiny spread are not an outlier; 0.20 against 0.76 is.
//  - PeerDbscan: metrics standardised (mean/std, as sklearn's StandardScaler), DBSCAN; members in a
//    cluster score distance-to-nearest-core / eps (0 for core members, <= 1 for border members),
//    noise members score the same ratio, which is > 1. With no cluster at all every member is
//    noise and scores 0 (no majority to compare against; `clusters` is 0).
//  - PeerIsolationForest: standardised rows, Isolation Forest score s / threshold.
// Rows are row-major (members x metrics). Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/outliers/dbscan.h"
#include "sidecar/analysis/outliers/isolation_forest.h"

namespace streamlens::analysis {

struct PeerScores {
  std::vector<double> score;  // per member, > 1 = outlier
  std::vector<int> label;     // DBSCAN labels (empty for the other methods)
  int clusters = 0;
};

// Column-wise (x - mean) / std with population std (ddof 0); constant columns become 0.
std::vector<double> Standardize(std::span<const double> rows, int dims);

Result<PeerScores> PeerRobustZ(std::span<const double> rows, int dims, double z_threshold = 3.5,
                               double min_relative = 0.1);
Result<PeerScores> PeerDbscan(std::span<const double> rows, int dims, const DbscanParams& params);
Result<PeerScores> PeerIsolationForest(std::span<const double> rows, int dims,
                                       const IsolationForestParams& params, double threshold = 0.6);

}  // namespace streamlens::analysis
