#include "exporter/kafka/consumer_status.h"

#include <algorithm>

namespace streamlens::exporter::kafka {

std::string_view ConsumerStatusName(ConsumerStatus status) {
  switch (status) {
    case ConsumerStatus::kNotFound:
      return "NOTFOUND";
    case ConsumerStatus::kOk:
      return "OK";
    case ConsumerStatus::kWarn:
      return "WARN";
    case ConsumerStatus::kErr:
      return "ERR";
    case ConsumerStatus::kStop:
      return "STOP";
    case ConsumerStatus::kStall:
      return "STALL";
    case ConsumerStatus::kRewind:
      return "REWIND";
  }
  return "NOTFOUND";
}

ConsumerStatus GroupStatus(ConsumerStatus worst_partition) {
  return worst_partition > ConsumerStatus::kWarn ? ConsumerStatus::kErr : worst_partition;
}

ConsumerStatus EvaluateCommits(std::span<const CommitEntry> w, double now,
                               std::optional<bool> consumer_alive, const StatusParams& params) {
  if (w.empty()) return ConsumerStatus::kNotFound;
  const CommitEntry& first = w.front();
  const CommitEntry& last = w.back();

  const double silent = now - last.time;
  if (last.lag > params.allowed_lag && silent > (last.time - first.time) &&
      silent > params.min_stop_seconds) {
    return consumer_alive.value_or(false) ? ConsumerStatus::kStall : ConsumerStatus::kStop;
  }

  int64_t high = w[0].offset;
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i].offset < w[i - 1].offset && last.offset < high) return ConsumerStatus::kRewind;
    high = std::max(high, w[i].offset);
  }

  for (const CommitEntry& e : w) {
    if (e.lag <= params.allowed_lag) return ConsumerStatus::kOk;
  }

  bool all_equal = true;
  for (size_t i = 1; i < w.size(); ++i) all_equal &= (w[i].offset == w[0].offset);
  if (w.size() >= 2 && all_equal) return ConsumerStatus::kStall;

  if (w.size() >= 2) {
    bool decreased = false;
    for (size_t i = 1; i < w.size(); ++i) decreased |= (w[i].lag < w[i - 1].lag);
    if (!decreased) return ConsumerStatus::kWarn;
  }
  return ConsumerStatus::kOk;
}

void CommitWindow::Observe(int64_t committed, int64_t high_watermark, double now) {
  const int64_t lag = std::max<int64_t>(0, high_watermark - committed);
  if (!entries_.empty() && entries_.back().offset == committed) {
    entries_.back().lag = lag;  // Burrow refreshes the newest entry's lag with the broker head
    return;
  }
  if (entries_.size() == size_) entries_.erase(entries_.begin());
  entries_.push_back({committed, lag, now});
}

}  // namespace streamlens::exporter::kafka
