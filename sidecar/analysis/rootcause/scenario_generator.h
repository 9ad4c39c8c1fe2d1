// Synthetic Kafka incidents with known causes, for evaluating root-cause ranking (and the CPU
// model) without a cluster. Not used by the daemons.
//
// A small physical model drives every series: producer input with a daily cycle and noise is
// spread over B brokers (3-5); broker CPU follows leader bytes in/out, replication and messages;
// request handler idle, queue time and produce/fetch latency follow utilization through a
// queueing curve (smoothed, as JMX percentiles are); two consumer groups consume with finite
// capacity and accumulate lag; unrelated series trend or have their own blips; every broker's
// JMX series carry a random clock skew of up to +-2 samples. One fault is injected:
//   kHotPartition   a key skew moves 30-50% of the input onto one broker's partition
//                   target: that broker's produce latency
//                   true causes: partition_skew, that broker's bytes/messages in
//   kSlowConsumer   group g0's processing capacity drops to 35-60% of its input
//                   target: g0 lag; true cause: g0 consumer rate
//   kBrokerDown     one broker stops; survivors take over leadership
//                   target: cluster produce latency (max over brokers)
//                   true causes: brokers_online, that broker's broker_up
//   kProducerBurst  producer input jumps 2.2-3x
//                   target: g0 lag; true causes: topic bytes/messages in
//   kCpuContention  a noisy neighbour takes 30-45% CPU on one broker, load unchanged
//                   target: that broker's produce latency
//                   true causes: that broker's CPU and CPU-not-explained-by-load
// "True causes" are the candidates that measure the injected fault itself; everything else
// (CPU that follows load, idle ratios, latencies, ISR churn, other brokers' shares) is a
// symptom or a bystander.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "sidecar/analysis/rootcause/rank.h"

namespace streamlens::analysis::rootcause {

enum class FaultKind { kHotPartition, kSlowConsumer, kBrokerDown, kProducerBurst, kCpuContention };
const char* FaultKindName(FaultKind kind);
inline constexpr FaultKind kAllFaultKinds[] = {FaultKind::kHotPartition, FaultKind::kSlowConsumer,
                                               FaultKind::kBrokerDown, FaultKind::kProducerBurst,
                                               FaultKind::kCpuContention};

struct Scenario {
  FaultKind fault = FaultKind::kHotPartition;
  int brokers = 3;
  int faulty_broker = -1;  // 0-based, -1 when the fault is not broker-specific
  size_t fault_start = 0;  // sample index
  std::string target_name;
  std::vector<double> target;
  std::vector<double> candidates;  // row-major, one row per infos entry
  std::vector<CandidateInfo> infos;
  std::vector<std::string> true_causes;
  RankParams params;  // baseline/window ranges and max_shift set for this scenario
  // Per-broker CPU model inputs over the whole run, rows broker-major (broker b's sample t is
  // row b * length + t), columns in models::CpuFeature order; and the observed CPU ratio.
  Eigen::MatrixXd cpu_features;
  Eigen::VectorXd cpu_observed;
};

// Deterministic for (kind, seed).
Scenario GenerateScenario(FaultKind kind, uint64_t seed);

}  // namespace streamlens::analysis::rootcause
