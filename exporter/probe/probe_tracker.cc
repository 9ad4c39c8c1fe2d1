#include "exporter/probe/probe_tracker.h"

#include <algorithm>

namespace streamlens::exporter::probe {

void LatencyHistogram::Observe(double seconds) {
  if (seconds < 0) seconds = 0;
  ++count;
  sum += seconds;
  auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  if (it != kBounds.end()) ++buckets[static_cast<size_t>(it - kBounds.begin())];
}

void ProbeTracker::Sent(uint64_t seq, int32_t partition, int32_t leader, double now) {
  const Key key{partition, leader};
  stats_[key];  // the series exist from the first send
  in_flight_[seq] = {key, now, false};
}

void ProbeTracker::Acked(uint64_t seq, bool ok, double now) {
  auto it = in_flight_.find(seq);
  if (it == in_flight_.end() || it->second.acked) return;
  it->second.acked = true;
  if (!ok) return;  // never arrives: lost once lost_after has passed
  PartitionStats& s = stats_[it->second.key];
  ++s.produced;
  s.produce.Observe(now - it->second.sent);
}

void ProbeTracker::Complete(uint64_t seq, const Key& key, bool lost, double now) {
  done_[seq] = {key, lost};
  done_order_.emplace_back(now, seq);
}

void ProbeTracker::Received(uint64_t seq, double now) {
  auto it = in_flight_.find(seq);
  if (it == in_flight_.end()) {
    auto done = done_.find(seq);
    // Unknown (another exporter's or long gone), or late after being declared lost.
    if (done == done_.end() || done->second.lost) return;
    ++stats_[done->second.key].duplicated;
    return;
  }
  PartitionStats& s = stats_[it->second.key];
  ++s.received;
  s.roundtrip.Observe(now - it->second.sent);
  Complete(seq, it->second.key, false, now);
  in_flight_.erase(it);
}

void ProbeTracker::Expire(double now) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now - it->second.sent <= lost_after_) {
      ++it;
      continue;
    }
    ++stats_[it->second.key].lost;
    Complete(it->first, it->second.key, true, now);
    it = in_flight_.erase(it);
  }
  while (!done_order_.empty() && now - done_order_.front().first > 2 * lost_after_) {
    done_.erase(done_order_.front().second);
    done_order_.pop_front();
  }
}

}  // namespace streamlens::exporter::probe
