// Random Kafka clusters (brokers with racks, rack-aware replica placement with deliberate skew,
// ISR with some out-of-sync followers, per-partition rates) for tests and benchmarks of the
// placement models. Deterministic for a given seed. Not used by the daemons.
#pragma once

#include <cstdint>
#include <vector>

#include "sidecar/analysis/models/placement.h"

namespace streamlens::analysis::models {

struct SyntheticClusterOptions {
  int brokers = 6;
  int racks = 3;  // 0: no racks configured
  int topics = 4;
  int partitions = 48;  // total, spread over the topics
  int replication_factor = 3;
  double out_of_sync = 0.1;    // probability a follower is out of the ISR
  double offline = 0.0;        // probability a partition has no leader
  double skew = 0.5;           // 0: uniform placement; 1: strongly favours low broker ids
  double hot_fraction = 0.05;  // partitions with 10x traffic
  double rate_scale = 1.0;     // multiplies every partition's rates (about 1,100 msg/s at 1)
};

struct SyntheticCluster {
  std::vector<BrokerInfo> brokers;
  std::vector<PartitionState> partitions;
};

SyntheticCluster MakeSyntheticCluster(const SyntheticClusterOptions& options, uint64_t seed);

// CPU-ratio weights of the magnitude fitted on real brokers (per byte/s and message/s).
BrokerLoadModel ExampleLoadModel();

}  // namespace streamlens::analysis::models
