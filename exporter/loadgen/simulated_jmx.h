// SimulatedJmx: the broker MBeans streamlens-loadgen's mock cluster would have if it were Kafka,
// computed from the traffic the workload really produced and consumed, so that
// streamlens-exporter's Jolokia collector (through jolokia_agent.h) reads per-broker series that
// follow the scenario: a broker whose request handlers saturate shows it in its idle ratio, its
// traffic and its CPU, the way a real broker would.
//
// Model, per broker b (ids 1..brokers), from each tick's record:
//  - BrokerTopicMetrics meters (Count, MeanRate, One/Five/FifteenMinuteRate as Yammer's EWMAs):
//    MessagesIn, BytesIn (messages x message_bytes) of the partitions b leads, per topic and in
//    total; BytesOut of the messages consumed from them; ReplicationBytesIn/Out for the followers
//    (replication_factor - 1 copies of every partition, spread evenly over the other brokers).
//  - RequestMetrics: Produce requests (one per led partition with new messages per tick),
//    FetchConsumer requests (one per consumer fetch), FetchFollower (2/s per follower replica);
//    TotalTimeMs and RequestQueueTimeMs percentiles that grow with saturation.
//  - KafkaRequestHandlerPool RequestHandlerAvgIdlePercent (OneMinuteRate = idle ratio): tends,
//    with a one-minute time constant, to 0.95 - 0.2 x (b's messages in / the per-broker nominal
//    rate), and to 0.05 while b is saturated; SocketServer NetworkProcessorAvgIdlePercent follows.
//  - java.lang OperatingSystem ProcessCpuLoad: 0.08 + 0.2 x the same load ratio (+ 0.55 while
//    saturated), one-minute time constant; a deterministic noise of +-0.002 on idle and CPU.
//  - ReplicaManager PartitionCount, LeaderCount from the layout; UnderReplicatedPartitions: while
//    other brokers are down, the led partitions that have a replica on them (every partition when
//    the replication factor equals the broker count); KafkaController ActiveControllerCount (1 on
//    the lowest live broker), OfflinePartitionsCount (partitions led by a down broker).
//  - kafka.log Log Size per topic and partition: bytes appended, on every broker holding a replica.
// A broker that is down answers no read (Read returns an error).
//
// Thread-safety: Record() and Read() may be called from any threads (one mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace streamlens::exporter::loadgen {

struct JmxLayout {
  int brokers = 3;
  int replication_factor = 3;
  std::vector<std::string> topics;
  // leader[t][p]: broker id (1..brokers) leading partition p of topic t.
  std::vector<std::vector<int>> leader;
  // Messages per second the whole cluster receives without faults (the load ratio's unit is this
  // divided by the broker count).
  double nominal_rate = 1;
  double message_bytes = 1024;
};

// What one workload tick did. Vectors are [topic][partition] or [broker - 1].
struct JmxTick {
  double dt = 1;  // seconds the tick covers
  std::vector<std::vector<double>> produced;
  std::vector<std::vector<double>> consumed;
  std::vector<std::vector<int>> fetches;  // consumer fetch requests per partition
  std::vector<bool> saturated;
  std::vector<bool> down;
};

struct MBean {
  std::string name;  // "domain:key=value,..." in Kafka's registration order
  std::vector<std::pair<std::string, double>> attributes;
};

class SimulatedJmx {
 public:
  // Errors: fewer than one broker, a leader table that does not match the topics, a leader out of
  // range, non-positive nominal rate or message size.
  static Result<std::unique_ptr<SimulatedJmx>> Create(JmxLayout layout, uint64_t seed = 1);

  // Adds one tick. Ticks whose vectors do not match the layout are ignored.
  void Record(const JmxTick& tick);
  // The MBeans of `broker` now. Error when the broker is down or unknown.
  Result<std::vector<MBean>> Read(int broker) const;

  const JmxLayout& layout() const { return layout_; }

 private:
  struct Meter {
    double count = 0, m1 = 0, m5 = 0, m15 = 0;
    void Mark(double n, double dt);
  };
  struct Broker {
    Meter bytes_in, bytes_out, messages_in, repl_in, repl_out;
    Meter produce_requests, fetch_consumer_requests, fetch_follower_requests, isr_shrinks;
    std::vector<Meter> topic_bytes_in, topic_bytes_out, topic_messages_in;
    Meter idle_meter;  // Count = accumulated idle time, rates = the idle ratio
    double idle = 0.75, cpu = 0.2, saturation = 0;  // saturation: smoothed 0..1
    bool down = false;
    int leaders = 0, partitions = 0, under_replicated = 0, offline = 0;
  };

  explicit SimulatedJmx(JmxLayout layout, uint64_t seed);
  void RecordBroker(const JmxTick& tick, int b, double noise_idle, double noise_cpu);
  std::vector<MBean> Beans(int b) const;

  const JmxLayout layout_;
  mutable std::mutex mu_;
  std::vector<Broker> brokers_;
  std::vector<std::vector<double>> log_bytes_;  // [topic][partition]
  double uptime_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace streamlens::exporter::loadgen
