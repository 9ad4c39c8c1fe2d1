// SyntheticEstate: an in-memory remote_read::Source that answers selectors over a synthetic
// Kafka estate at 1-minute resolution, for the sidecar benchmarks (no network, no decoding).
//
// The estate: `pairs` consumer group/topic pairs, each with kafka_consumergroup_lag_sum and
// streamlens_consumergroup_max_lag_seconds (consumergroup="g<k/10>", topic="t<k%10>": a daily
// cycle, a level and amplitude that differ per series, and noise) and its committed offset
// (kafka_consumergroup_current_offset_sum: a counter at a daily-cycling rate), each group's
// kafka_consumergroup_members and each topic's kafka_topic_partitions (what the consumer
// capacity job reads), and `brokers` brokers, each
// with the broker series the built-in jobs read (traffic counters with topic="", request handler
// idle ratio, under-replicated partitions, process CPU, log dir fill ratio, partition and leader
// counts) plus what the kafka_cluster job reads: the CPU model's other features (replication
// bytes in, produce and fetch requests), kafka_broker_info and the replica placement of the ten
// topics (12 partitions each, replication factor 3: replica info, replica counts, end offsets).
// Fetch() applies the matchers (=, !=, =~, !~; regexes anchored as Prometheus does) and
// returns every sample in [start, end]; a series' values are a pure function of its index and
// the time, so any range can be fetched in any order. The CPU time spent inside Fetch() is
// counted (source_cpu_seconds) so benchmarks can report the engine's CPU without it.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "sidecar/remote_read/source.h"

namespace streamlens::bench {

class SyntheticEstate final : public remote_read::Source {
 public:
  // Samples exist from history_start_ms on.
  SyntheticEstate(int pairs, int brokers, int64_t history_start_ms);
  Result<remote_read::SeriesSet> Fetch(const std::vector<remote_read::Matcher>& matchers,
                                       int64_t start_ms, int64_t end_ms,
                                       remote_read::FetchStats* stats) override;
  std::string Describe() const override { return "synthetic estate"; }

  size_t num_series() const { return series_.size(); }
  double source_cpu_seconds() const { return static_cast<double>(cpu_ns_.load()) / 1e9; }
  uint64_t fetches() const { return fetches_.load(); }

 private:
  enum class Kind { kLag, kLagSeconds, kCounter, kRatio, kCount };
  void AddConsumerGroups(int pairs);
  void AddClusterInputs(int brokers);
  struct Series {
    std::vector<remote_read::Label> labels;  // sorted by name
    Kind kind;
    double level, amplitude, noise;
    uint64_t seed;
  };
  void Add(std::vector<remote_read::Label> labels, Kind kind, double level, double amplitude,
           double noise);
  double Value(const Series& s, int64_t t_ms) const;

  int64_t history_start_ms_;
  std::vector<Series> series_;
  std::vector<double> daily_;  // sin over one day, per minute
  std::atomic<uint64_t> cpu_ns_{0};
  std::atomic<uint64_t> fetches_{0};
};

// CPU seconds of the calling thread.
double ThreadCpuSeconds();

}  // namespace streamlens::bench
