// OffsetHistory: a bounded history of one partition's high watermark over time, and the
// "lag in seconds" estimate derived from it.
//
// Estimator. Each collection appends (high watermark, time). A message at offset c entered the log
// when the high watermark first moved past c, i.e. between the last sample with hw <= c and the
// next sample (hw > c); we interpolate linearly between those two samples (messages are assumed
// to arrive at a constant rate between two collections). The lag in seconds of a consumer whose
// committed offset is c is then `now - t(c)`: how long the oldest message it has not consumed
// has been waiting. c >= current hw gives 0. When c is older than the whole history, t(c) is
// extrapolated backwards with the average production rate over the history (and is at least
// the history's span); if nothing was produced during the history, the span is returned as a
// lower bound.
//
// Bounded memory: at most `capacity` samples (ring buffer). Runs of equal high watermarks keep
// only their first and last sample, so an idle partition's history spans much longer than
// `capacity` collections without growing.
//
// Pure value type, no I/O; not thread-safe (owned by the Kafka collector's single thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace streamlens::exporter::kafka {

class OffsetHistory {
 public:
  struct Sample {
    int64_t offset;  // high watermark
    double time;     // seconds (any epoch, consistently)
  };

  explicit OffsetHistory(size_t capacity = 64);

  // Records the high watermark at `time`. A watermark lower than the previous one (topic
  // recreated, truncation) resets the history. Times must not go backwards; a sample with an
  // earlier time than the last is ignored.
  void Add(int64_t high_watermark, double time);

  // Estimated seconds that the message at `committed` has been waiting at `now`; 0 when the
  // consumer is at the head. Negative committed offsets (none) and an empty history give -1.
  double LagSeconds(int64_t committed, double now) const;

  size_t size() const { return size_; }
  size_t capacity() const { return buf_.size(); }
  // i-th sample, oldest first (i < size()).
  const Sample& at(size_t i) const { return buf_[(start_ + i) % buf_.size()]; }
  void Clear() { start_ = size_ = 0; }

 private:
  void Push(const Sample& s);
  std::vector<Sample> buf_;
  size_t start_ = 0;
  size_t size_ = 0;
};

}  // namespace streamlens::exporter::kafka
