// What-if broker failure: from replica placement and ISR, what happens if one broker stops.
//
// Model of the controller's reaction (Kafka's default behaviour):
// - the failed broker leaves every ISR;
// - a partition it led elects the first replica, in assignment order, that is still in the
//   ISR; if none is left the partition goes offline, unless unclean leader election is enabled,
//   in which case the first live replica becomes leader and the messages it had not yet
//   replicated are lost;
// - partitions whose leader was already -1 stay offline.
// Counts describe the state AFTER the failure (a partition that was already under min ISR and
// is untouched by the failure is still counted).
//
// Data-loss threat per topic: the worst partition's level (see DataLossThreat).
//
// Published by the engine as streamlens_broker_failure_offline_partitions{broker} =
// offline.size(), streamlens_broker_failure_under_min_isr_partitions{broker} =
// under_min_isr.size(), streamlens_broker_failure_peak_load_ratio{broker} = peak_load_after
// (a CPU ratio when the load model comes from the CPU model), and the JSON of
// /api/v1/whatif/broker-failure?broker=N.
//
// Pure, thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/models/placement.h"

namespace streamlens::analysis::models {

struct WhatIfParams {
  int default_min_isr = 1;                   // min.insync.replicas of topics not listed (>= 1)
  std::map<std::string, int> topic_min_isr;  // per-topic min.insync.replicas overrides
  bool unclean_leader_election = false;
};

enum class DataLossThreat : int {
  kNone = 0,
  kUnderMinIsr = 1,  // online with more than one in-sync copy, but fewer than min ISR:
                     // acks=all producers are rejected (availability, not yet loss)
  kSingleCopy = 2,   // online with exactly one in-sync copy: the next failure loses
                     // acknowledged data
  kOffline = 3,      // no in-sync replica left: unavailable; recovery needs the failed broker
                     // back, or an unclean election that loses data
  kDataLoss = 4,     // unclean leader election onto an out-of-sync replica: data is lost
};
const char* DataLossThreatName(DataLossThreat t);  // "none", "under_min_isr", "single_copy",
                                                   // "offline", "data_loss"

struct PartitionRef {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const PartitionRef&) const = default;
};

struct LeadershipMove {
  std::string topic;
  int32_t partition = 0;
  int32_t from = -1;     // the failed broker
  int32_t to = -1;       // new leader
  bool unclean = false;  // elected out of sync (data loss)
  bool operator==(const LeadershipMove&) const = default;
};

struct TopicThreat {
  std::string topic;
  int partitions = 0;                             // partitions of the topic
  int offline = 0;                                // offline after the failure
  int under_min_isr = 0;                          // online and ISR < min ISR
  int single_copy = 0;                            // online with ISR of size 1
  int unclean_elections = 0;                      // leaders elected out of sync
  DataLossThreat threat = DataLossThreat::kNone;  // worst level over its partitions
  bool operator==(const TopicThreat&) const = default;
};

struct BrokerFailureResult {
  int32_t failed_broker = -1;
  std::vector<PartitionRef> offline;        // partitions with no leader afterwards
  std::vector<PartitionRef> under_min_isr;  // online, ISR smaller than min ISR
  std::vector<LeadershipMove> leadership_moves;
  // Loads of the surviving brokers after the moves (input broker order, failed one left out).
  std::vector<BrokerLoad> survivor_loads;
  double peak_load_before = 0.0;  // max predicted load over all brokers before the failure
  double peak_load_after = 0.0;   // max predicted load over survivors (the value of
                                  // streamlens_broker_failure_peak_load_ratio with a CPU model)
  int32_t peak_broker_after = -1;
  std::vector<TopicThreat> topics;  // every topic, sorted by name
  bool data_loss_threat = false;    // some topic at kSingleCopy or worse
};

// Simulates the failure of `failed_broker` (must be in `brokers`). Validates the placement.
Result<BrokerFailureResult> SimulateBrokerFailure(std::span<const PartitionState> partitions,
                                                  std::span<const BrokerInfo> brokers,
                                                  const BrokerLoadModel& model,
                                                  int32_t failed_broker,
                                                  const WhatIfParams& params);

// The same for each broker in turn (result i is for brokers[i]); validates once.
Result<std::vector<BrokerFailureResult>> SimulateEachBrokerFailure(
    std::span<const PartitionState> partitions, std::span<const BrokerInfo> brokers,
    const BrokerLoadModel& model, const WhatIfParams& params);

}  // namespace streamlens::analysis::models
