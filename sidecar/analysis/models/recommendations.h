// Partition/consumer recommendation: how many consumers (and therefore partitions, since a
// partition is consumed by at most one member of a group) a group needs to keep its lag under
// an SLA, given the input rate it must absorb (the forecast peak where a forecast exists, else
// the recent peak) and its learned per-consumer capacity (consumer_capacity.h).
//
//   required = input_peak * (1 + headroom) + current_lag / lag_sla_seconds
// (keep up with the peak with headroom, and drain today's backlog within the SLA);
//   consumers = ceil(required / per_consumer), partitions = max(current partitions, consumers)
// (Kafka cannot shrink a topic's partitions).
//
// The leader/replica moves and the add-one-broker effect are in rebalance_planner.h.
// Pure, thread-safe.
#pragma once

#include <string>

#include "common/status.h"
#include "sidecar/analysis/models/consumer_capacity.h"

namespace streamlens::analysis::models {

struct PartitionRecommendationInput {
  std::string topic;
  std::string group;
  ConsumerCapacity capacity;         // must be learned
  double input_rate_peak = 0.0;      // messages/s the group must absorb, >= 0
  bool input_from_forecast = false;  // for the reason text
  double current_lag = 0.0;          // messages, >= 0
  double lag_sla_seconds = 300.0;    // > 0
  int current_partitions = 1;        // >= 1
  int current_consumers = 0;         // >= 0
};

struct PartitionRecommendationParams {
  double headroom = 0.2;       // fraction of extra capacity over the peak, >= 0
  int max_partitions = 10000;  // cap on the recommendation (>= 1)
};

struct PartitionRecommendation {
  std::string topic, group;
  double required_rate = 0.0;      // messages/s the group must sustain
  double capacity_now = 0.0;       // per_consumer * min(current consumers, partitions), msg/s
  int recommended_consumers = 0;   // consumers the group needs (JSON only)
  int recommended_partitions = 0;  // streamlens_recommended_partitions{topic,consumergroup}
  bool change_needed = false;      // more consumers or partitions than today
  bool capped = false;             // hit max_partitions
  std::string reason;              // one sentence with the numbers
};

// Error when the capacity was not learned (its reason is included) or inputs are out of range.
Result<PartitionRecommendation> RecommendPartitions(const PartitionRecommendationInput& in,
                                                    const PartitionRecommendationParams& params);

}  // namespace streamlens::analysis::models
