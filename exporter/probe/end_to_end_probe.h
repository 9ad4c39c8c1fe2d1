// EndToEndProbe: the `probe` collector - measures what a client of the cluster experiences, in
// the manner of kminion's end-to-end monitoring.
//
// A background thread sends one small message to every partition of --probe.topic each
// --probe.interval with a producer (acks=all), reads them back with a consumer assigned to all
// the topic's partitions (from the end, no group subscription), and commits what it read for
// --probe.group (asynchronously, one commit in flight). Latencies and counters are kept per
// partition and the partition's leader at send time (probe_tracker.h), so a slow or down broker
// shows as its partitions' roundtrip rising or messages being lost while the others stay flat.
// Messages carry a random per-process id, so several exporters can share the topic.
//
// Collect() renders the tracker's current state (cumulative histograms and counters; nothing
// before the first message is sent); it fails while the probe topic is unknown (missing topic,
// cluster unreachable), which the scheduler reports as
// streamlens_exporter_collect_success{collector="probe"} 0.
//
// Owns two librdkafka handles and the thread; the destructor stops the thread and drops
// undelivered messages. Collect() may run concurrently with the thread (a mutex guards the
// tracker).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "exporter/collect/collector.h"
#include "exporter/probe/probe_options.h"
#include "exporter/probe/probe_tracker.h"

namespace streamlens::exporter::probe {

class EndToEndProbe : public Collector {
 public:
  // `kafka_config`: the exporter's librdkafka connection properties (kafka::ToRdkafkaConfig).
  // Error when a handle cannot be created; the thread starts at once.
  static Result<std::unique_ptr<EndToEndProbe>> Create(
      ProbeOptions options, const std::vector<std::pair<std::string, std::string>>& kafka_config,
      Logger logger);
  ~EndToEndProbe() override;

  std::string Name() const override { return "probe"; }
  Status Collect(std::vector<prometheus::MetricFamily>* out) override;

 private:
  struct Handles;
  EndToEndProbe(ProbeOptions options, Logger logger);
  Status Open(const std::vector<std::pair<std::string, std::string>>& kafka_config);
  void Run();
  struct Leaders {
    std::string error;             // empty: ok
    std::vector<int32_t> leaders;  // by partition id
    std::vector<int64_t> start;    // offsets to assign from, when the partition count changed
  };
  // `assigned`: partitions currently assigned (end offsets are read when this changes).
  Leaders FetchLeaders(size_t assigned);
  void ApplyLeaders(Leaders r);
  void SendRound(double now);
  void Consume(int budget_ms);
  void MaybeCommit();
  void OnDelivery(uint64_t seq, bool ok);
  void OnCommit(bool ok);
  static double Now();

  ProbeOptions options_;
  std::unique_ptr<Handles> h_;
  Logger logger_;
  const uint64_t instance_;  // random id in every payload
  uint64_t next_seq_ = 1;
  std::vector<int32_t> leaders_;    // by partition id; probe thread only
  std::vector<int64_t> to_commit_;  // next offset per partition, -1: nothing new
  double commit_started_ = -1;      // -1: no commit in flight
  std::string topic_error_;         // why the topic is unusable; guarded by mu_

  mutable std::mutex mu_;
  ProbeTracker tracker_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  friend struct ProbeCallbacks;  // librdkafka's C callbacks (end_to_end_probe.cc)
};

}  // namespace streamlens::exporter::probe
