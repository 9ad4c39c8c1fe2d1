// ProbeTracker: the bookkeeping of the end-to-end probe (end_to_end_probe.h), apart from Kafka so
// it can be tested with made-up times.
//
// Each probe message has a sequence number. It is Sent() to a partition whose leader is known at
// that moment, Acked() by the producer's delivery report (or failed), and Received() when the
// probe's consumer reads it back. Latencies are observed into fixed-bucket histograms per
// (partition, leader at send time): produce-ack = ack - send, roundtrip = receive - send. A
// message not received within `lost_after` seconds of its send is lost (a failed produce is lost
// too, once that time has passed); one received again after being received is a duplicate; one
// arriving after it was declared lost counts nowhere else. Commit latencies go into one histogram.
//
// Memory is bounded: in-flight messages expire after `lost_after`, and the record of completed
// sequence numbers (for duplicates) is kept for 2 x `lost_after`. The per-(partition, leader)
// counters live as long as the tracker (partitions x brokers entries at most).
//
// Pure code: times are seconds passed in by the caller. Not thread-safe (the probe locks).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace streamlens::exporter::probe {

// Cumulative histogram with the probe's fixed buckets (1 ms .. 10 s, upper bounds in seconds).
struct LatencyHistogram {
  static constexpr std::array<double, 13> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  std::array<uint64_t, kBounds.size()> buckets{};  // non-cumulative counts per bound
  uint64_t count = 0;                              // including observations above the last bound
  double sum = 0;
  void Observe(double seconds);
};

struct PartitionStats {
  uint64_t produced = 0;  // acknowledged by the cluster
  uint64_t received = 0;  // read back in time (first time)
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  LatencyHistogram produce;
  LatencyHistogram roundtrip;
};

class ProbeTracker {
 public:
  // (partition, leader broker id at send time)
  using Key = std::pair<int32_t, int32_t>;

  explicit ProbeTracker(double lost_after_seconds) : lost_after_(lost_after_seconds) {}

  void Sent(uint64_t seq, int32_t partition, int32_t leader, double now);
  // Delivery report: ok = acknowledged. Unknown (expired) sequence numbers are ignored.
  void Acked(uint64_t seq, bool ok, double now);
  void Received(uint64_t seq, double now);
  void Committed(double latency_seconds) { commit_.Observe(latency_seconds); }
  // Declares messages older than lost_after lost and forgets old completed ones.
  void Expire(double now);

  const std::map<Key, PartitionStats>& stats() const { return stats_; }
  const LatencyHistogram& commit() const { return commit_; }
  size_t in_flight() const { return in_flight_.size(); }

 private:
  struct InFlight {
    Key key;
    double sent;
    bool acked = false;
  };
  double lost_after_;
  std::unordered_map<uint64_t, InFlight> in_flight_;
  struct Done {
    Key key;
    bool lost;  // declared lost rather than received
  };
  void Complete(uint64_t seq, const Key& key, bool lost, double now);
  std::unordered_map<uint64_t, Done> done_;             // completed recently, for duplicates
  std::deque<std::pair<double, uint64_t>> done_order_;  // (completion time, seq), oldest first
  std::map<Key, PartitionStats> stats_;
  LatencyHistogram commit_;
};

}  // namespace streamlens::exporter::probe
