// Consumer capacity model: per consumer group and topic, the sustainable consumption rate,
// learned from catch-up periods - intervals during which lag stayed positive, so the group
// was consuming as fast as it could and the advance of its committed offset measures its
// capacity rather than the input rate.
//
// Pure, thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "common/status.h"

namespace streamlens::analysis::models {

struct ConsumerCapacityParams {
  // An interval [t_i, t_i+1] is a catch-up interval when lag >= min_lag at both ends and the
  // committed offset did not go backwards (a reset is not consumption).
  double min_lag = 1.0;    // messages, > 0
  size_t min_samples = 5;  // catch-up intervals needed to call the capacity learned (>= 1)
  double quantile = 0.5;   // of the per-interval rates (0.5 = median; robust to stalls)
};

struct ConsumerCapacity {
  bool learned = false;                // false: too few catch-up intervals; rates are then 0
  double rate = 0.0;                   // messages/s the whole group sustains (at the observed size)
  double per_consumer = 0.0;           // messages/s one active consumer sustains
  double per_partition = 0.0;          // messages/s per partition: rate / partitions
  size_t samples = 0;                  // catch-up intervals used
  size_t periods = 0;                  // maximal runs of consecutive catch-up intervals
  double mean_active_consumers = 0.0;  // min(members, partitions), averaged over the intervals
  std::string reason;                  // how it was learned or why not, with the numbers
};

// `timestamps_s` (strictly increasing, seconds), `committed_offset` (sum over the topic's
// partitions of the group's committed offsets), `lag` (sum over partitions, messages) and
// `members` (consumer group members) are aligned samples. `partitions` is the topic's partition
// count (>= 1). Error on length mismatch, non-finite values, non-increasing time or bad params.
Result<ConsumerCapacity> LearnConsumerCapacity(std::span<const double> timestamps_s,
                                               std::span<const double> committed_offset,
                                               std::span<const double> lag,
                                               std::span<const double> members, int partitions,
                                               const ConsumerCapacityParams& params);

}  // namespace streamlens::analysis::models
