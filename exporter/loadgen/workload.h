// Workload: streamlens-loadgen's engine. Starts (or connects to) a cluster, produces at the
// configured rate and advances each consumer group's committed offsets as a consumer with
// bounded capacity would, applying the scenario's faults at their scheduled times.
//
// Model (one tick every `tick`):
//  - topic i gets rate x topic_weights[i] / sum(topic_weights) msgs/s (equal shares without
//    weights; x burst factors), split over its partitions by partition_weights (equal without;
//    x `factor` for a skewed partition); fractional messages carry over between ticks.
//  - group g consumes topic g % topics. Its capacity per partition is headroom x the partition's
//    base rate (x a slowdown factor; 0 while stopped), so a hot partition or a burst above the
//    headroom builds lag that is caught up afterwards. Committed offsets never pass the
//    acknowledged high watermark, so they are exactly what a real consumer could have committed.
//  - a rewind moves the group back by `offsets` once, at the fault's start.
//  - broker_down takes a mock broker down, broker_slow delays its responses by `rtt`, for the
//    fault's duration (mock only).
//  - broker_saturation (mock only): production to and consumption from the partitions the broker
//    leads run at `factor` of their rates, and the groups it coordinates commit nothing.
// Mock only: with leaders "spread" partition p of topic t is led by broker ((t + p) mod brokers) +
// 1 (the replication factor must equal the broker count, so the leader is always a replica);
// otherwise the mock places leaders. Group g's coordinator is broker (g mod brokers) + 1. With
// simulate_jmx the brokers' JMX follows the traffic (simulated_jmx.h); jmx() serves it.
// Every group commits offset 0 on all its partitions at start, so every partition has a commit.
//
// Thread-safety: Run() on one thread; stop it through the flag it polls.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "exporter/loadgen/scenario.h"
#include "exporter/loadgen/simulated_jmx.h"

namespace streamlens::exporter::loadgen {

struct WorkloadOptions {
  std::vector<std::string> servers;  // empty: start an embedded mock cluster
  int brokers = 3;
  int topics = 10;
  int partitions_per_topic = 100;
  int replication_factor = 3;
  int groups = 20;
  double rate = 1000;     // messages per second, all topics together
  double headroom = 1.5;  // consumer capacity / base production rate
  std::chrono::milliseconds tick{1000};
  std::string topic_prefix = "loadgen-topic-";
  std::string group_prefix = "loadgen-group-";
  // Mock only: a topic for the exporter's end-to-end probe, one partition led by each broker.
  std::string probe_topic;
  // Relative production rate per topic and share per partition index (empty: equal; else one
  // positive value per topic / per partition).
  std::vector<double> topic_weights;
  std::vector<double> partition_weights;
  std::string leaders = "mock";  // "mock" or "spread" (mock only)
  bool simulate_jmx = false;     // mock only
  double jmx_message_bytes = 1024;
  Scenario scenario;
};

class Workload {
 public:
  // Validates the options, starts the mock (unless servers are given), creates the topics (mock
  // only; a real cluster must have them), the producer and one committer per group, and commits
  // offset 0 everywhere.
  static Result<std::unique_ptr<Workload>> Create(WorkloadOptions options, Logger logger);
  ~Workload();

  const std::string& bootstrap() const { return bootstrap_; }
  const std::vector<std::string>& groups() const { return group_names_; }
  const std::vector<std::string>& topics() const { return topic_names_; }
  // group -> the topic it consumes.
  std::map<std::string, std::string> GroupTopics() const;
  // The simulated broker JMX (null unless simulate_jmx).
  const SimulatedJmx* jmx() const;

  // Runs one tick at `elapsed` since start, covering `dt` seconds.
  void Tick(std::chrono::milliseconds elapsed, double dt);
  // Ticks until `stop` is set. `started` receives the unix time of the first tick.
  void Run(const std::atomic<bool>& stop);

 private:
  struct Impl;
  // Per broker (index id - 1): the share of its partitions' traffic that gets through (a
  // saturation's factor, else 1) and whether it is down.
  struct BrokerStates {
    std::vector<double> throughput;
    std::vector<bool> down;
  };
  explicit Workload(std::unique_ptr<Impl> impl);
  // Creation stages.
  static Status CreateTopics(Impl& s);
  static Status ReadLeaders(Impl& s);
  static Result<std::vector<std::string>> CreateGroups(Impl& s, const std::string& bootstrap);
  Status CommitZero();
  // Tick stages.
  void ApplyMockFaults(std::chrono::milliseconds elapsed);
  BrokerStates States(std::chrono::milliseconds elapsed) const;
  double LeaderThroughput(const BrokerStates& st, size_t t, size_t p) const;
  void Produce(std::chrono::milliseconds elapsed, double dt, const BrokerStates& st, JmxTick* tick);
  void ConsumeGroup(std::chrono::milliseconds elapsed, double dt, const BrokerStates& st, size_t g,
                    JmxTick* tick, std::mutex* tick_mu);
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
  std::vector<std::string> group_names_;
  std::vector<std::string> topic_names_;
};

}  // namespace streamlens::exporter::loadgen
