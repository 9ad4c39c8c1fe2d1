#include "exporter/kafka/offset_history.h"

#include <algorithm>

namespace streamlens::exporter::kafka {

OffsetHistory::OffsetHistory(size_t capacity) : buf_(std::max<size_t>(capacity, 3)) {}

void OffsetHistory::Push(const Sample& s) {
  if (size_ < buf_.size()) {
    buf_[(start_ + size_) % buf_.size()] = s;
    ++size_;
  } else {
    buf_[start_] = s;
    start_ = (start_ + 1) % buf_.size();
  }
}

void OffsetHistory::Add(int64_t high_watermark, double time) {
  if (size_ > 0) {
    const Sample& last = at(size_ - 1);
    if (time < last.time) return;
    if (high_watermark < last.offset) Clear();
  }
  if (size_ >= 2) {
    Sample& last = buf_[(start_ + size_ - 1) % buf_.size()];
    const Sample& prev = at(size_ - 2);
    if (last.offset == high_watermark && prev.offset == high_watermark) {
      last.time = time;  // extend the flat run instead of storing another sample
      return;
    }
  }
  Push({high_watermark, time});
}

double OffsetHistory::LagSeconds(int64_t committed, double now) const {
  if (size_ == 0 || committed < 0) return -1;
  const Sample& newest = at(size_ - 1);
  if (committed >= newest.offset) return 0;
  const Sample& oldest = at(0);
  if (committed < oldest.offset) {
    const double span = newest.time - oldest.time;
    const double produced = static_cast<double>(newest.offset - oldest.offset);
    if (span <= 0 || produced <= 0) return std::max(0.0, now - oldest.time);
    const double rate = produced / span;
    const double t = oldest.time - static_cast<double>(oldest.offset - committed) / rate;
    return std::max(0.0, now - t);
  }
  // Binary search for the last sample with offset <= committed (offsets are non-decreasing).
  size_t lo = 0, hi = size_ - 1;  // invariant: at(lo).offset <= committed < at(hi).offset
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    if (at(mid).offset <= committed) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const Sample& a = at(lo);
  const Sample& b = at(hi);
  // The message at `committed` is the (committed - a.offset + 1)-th of the (b.offset - a.offset)
  // that arrived between a and b.
  const double frac =
      static_cast<double>(committed - a.offset + 1) / static_cast<double>(b.offset - a.offset);
  const double t = a.time + frac * (b.time - a.time);
  return std::max(0.0, now - t);
}

}  // namespace streamlens::exporter::kafka
