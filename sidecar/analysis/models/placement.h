// Replica placement and the per-broker load it implies: the shared input of the what-if
// simulator, the rebalance planner and the add-broker recommendation.
//
// The engine builds PartitionState from the exporter's
// kafka_topic_partition_replica_info{topic,partition,broker,role,in_sync} (replicas in
// assignment order, ISR, leader) and per-partition rates; BrokerInfo from broker metadata.
//
// Load model: a broker's predicted load is intercept + w_in * leader bytes in + w_out * leader
// bytes out + w_repl * bytes it replicates as a follower + w_msgs * leader messages in. With
// weights from the CPU model (LoadModelFromCpuModel) the load is a CPU ratio (0..1); with
// other weights it is in whatever unit they define.
//
// Pure, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/models/cpu_model.h"

namespace streamlens::analysis::models {

struct PartitionState {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;  // assignment order; the first is the preferred leader
  std::vector<int32_t> isr;       // in-sync replicas (subset of replicas)
  int32_t leader = -1;            // -1: offline (no leader)
  double bytes_in_per_s = 0.0;    // produced to the partition
  double bytes_out_per_s = 0.0;   // fetched by consumers (excluding replication)
  double messages_in_per_s = 0.0;
};

struct BrokerInfo {
  int32_t id = 0;
  std::string rack;  // empty: no rack configured
};

struct BrokerLoadModel {
  double intercept = 0.0;        // per-broker load at zero traffic
  double leader_bytes_in = 0.0;  // per byte/s
  double leader_bytes_out = 0.0;
  double replication_bytes_in = 0.0;
  double messages_in = 0.0;  // per message/s
};

// Weights from a CPU model fitted on the standard columns (cpu_model.h CpuFeature order, at
// least kReplicationBytesIn + 1 columns). Request-rate coefficients cannot be attributed to
// partitions and are dropped; their average contribution should be in the intercept (refit
// without them if they matter). Error if the model has too few columns.
Result<BrokerLoadModel> LoadModelFromCpuModel(const CpuModel& model);

struct BrokerLoad {
  int32_t broker = 0;
  double leader_bytes_in = 0.0, leader_bytes_out = 0.0, replication_bytes_in = 0.0,
         messages_in = 0.0;  // per second
  int leaders = 0;           // partitions led
  int replicas = 0;          // replicas hosted (leaders included)
  double predicted = 0.0;    // load model value (CPU ratio with a CPU-derived model)
};

// Checks that broker ids are unique, every replica is a known broker, replicas are distinct,
// ISR is a subset of replicas, the leader (if not -1) is a replica, rates are finite and >= 0.
// The error names the partition ("orders-3: ...").
Status ValidateCluster(std::span<const PartitionState> partitions,
                       std::span<const BrokerInfo> brokers);

// Loads for every broker in `brokers` (same order). Validates first.
Result<std::vector<BrokerLoad>> ComputeBrokerLoads(std::span<const PartitionState> partitions,
                                                   std::span<const BrokerInfo> brokers,
                                                   const BrokerLoadModel& model);

// Load a partition adds to its leader / to each follower under `model`.
double LeaderContribution(const PartitionState& p, const BrokerLoadModel& model);
double FollowerContribution(const PartitionState& p, const BrokerLoadModel& model);

// "topic-partition", used in messages and JSON.
std::string PartitionName(const PartitionState& p);

}  // namespace streamlens::analysis::models
