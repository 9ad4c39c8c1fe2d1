// DataCoverage: whether the replica placement a plan would be built from is complete and fresh
// enough to act on. Cruise Control refuses to propose when fewer than 99.5% of partitions have
// valid metrics; rebalance, add-broker and broker-failure plans here do the same, because a
// partition missing from the input silently disappears from the plan (its load lands nowhere and
// its replicas are never moved).
//
// Expected partitions of a topic: the larger of its known partition count (kafka_topic_partitions)
// and its highest partition id + 1 (Kafka numbers partitions 0..n-1, so a gap is a missing
// partition even without the count). A partition is complete when it is present with at least its
// known replica count (kafka_topic_partition_replicas), or at least one replica when that is not
// known. Freshness is the share of replica series seen in the recent window whose latest sample is
// current. Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sidecar/analysis/models/placement.h"

namespace streamlens::analysis::models {

struct CoverageInput {
  std::map<std::string, int> topic_partitions;                        // may be empty
  std::map<std::pair<std::string, int32_t>, int> partition_replicas;  // may be empty
  size_t replica_series_fresh = 0;  // replica series with a current sample
  size_t replica_series_seen = 0;   // replica series with any sample in the window
};

struct DataCoverage {
  size_t expected_partitions = 0;
  size_t complete_partitions = 0;
  double coverage = 0;   // complete / expected (1 when nothing is expected)
  double freshness = 0;  // fresh / seen replica series (1 when none were seen)
  bool sufficient = false;
  std::string reason;  // for people: what is missing, e.g. "12 of 240 partitions incomplete"
};

// `parts` are the partitions built from the fresh replica series. Plans need
// coverage >= min_ratio and freshness >= min_ratio; min_ratio in [0, 1].
DataCoverage AssessCoverage(const std::vector<PartitionState>& parts, const CoverageInput& in,
                            double min_ratio);

}  // namespace streamlens::analysis::models
