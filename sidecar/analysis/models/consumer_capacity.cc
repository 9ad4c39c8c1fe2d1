#include "sidecar/analysis/models/consumer_capacity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace streamlens::analysis::models {
namespace {

// Type-7 (linear interpolation) quantile, like R's default and numpy's.
double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

Result<ConsumerCapacity> LearnConsumerCapacity(std::span<const double> ts,
                                               std::span<const double> committed,
                                               std::span<const double> lag,
                                               std::span<const double> members, int partitions,
                                               const ConsumerCapacityParams& params) {
  const size_t n = ts.size();
  if (committed.size() != n || lag.size() != n || members.size() != n) {
    return Status::Error(
        "consumer capacity: timestamps, committed offsets, lag and members must "
        "have the same length (" +
        std::to_string(n) + ", " + std::to_string(committed.size()) + ", " +
        std::to_string(lag.size()) + ", " + std::to_string(members.size()) + ")");
  }
  if (partitions < 1) return Status::Error("consumer capacity: partitions must be >= 1");
  if (!(params.min_lag > 0) || params.min_samples < 1 ||
      !(params.quantile >= 0 && params.quantile <= 1)) {
    return Status::Error(
        "consumer capacity: need min_lag > 0, min_samples >= 1 and quantile in [0, 1]");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(ts[i]) || !std::isfinite(committed[i]) || !std::isfinite(lag[i]) ||
        !std::isfinite(members[i])) {
      return Status::Error("consumer capacity: non-finite value at sample " + std::to_string(i));
    }
    if (i > 0 && !(ts[i] > ts[i - 1])) {
      return Status::Error("consumer capacity: timestamps must increase strictly (sample " +
                           std::to_string(i) + ")");
    }
  }
  std::vector<double> rates, per_consumer;
  ConsumerCapacity c;
  bool in_run = false;
  double active_sum = 0.0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const bool catch_up = lag[i] >= params.min_lag && lag[i + 1] >= params.min_lag &&
                          committed[i + 1] >= committed[i];
    if (!catch_up) {
      in_run = false;
      continue;
    }
    if (!in_run) ++c.periods;
    in_run = true;
    const double rate = (committed[i + 1] - committed[i]) / (ts[i + 1] - ts[i]);
    const double active =
        std::clamp(std::min(members[i], members[i + 1]), 0.0, static_cast<double>(partitions));
    rates.push_back(rate);
    if (active >= 1.0) {
      per_consumer.push_back(rate / active);
      active_sum += active;
    }
  }
  c.samples = rates.size();
  char buf[256];
  if (c.samples < params.min_samples || per_consumer.empty()) {
    std::snprintf(buf, sizeof(buf),
                  "not learned: %zu catch-up intervals (lag >= %g at both ends), need %zu",
                  c.samples, params.min_lag, params.min_samples);
    c.reason = buf;
    return c;
  }
  c.learned = true;
  c.rate = Quantile(rates, params.quantile);
  c.per_consumer = Quantile(per_consumer, params.quantile);
  c.per_partition = c.rate / static_cast<double>(partitions);
  c.mean_active_consumers = active_sum / static_cast<double>(per_consumer.size());
  std::snprintf(buf, sizeof(buf),
                "learned from %zu catch-up intervals in %zu periods: %.4g msg/s for the group, "
                "%.4g msg/s per consumer (%.3g active on average), %.4g msg/s per partition",
                c.samples, c.periods, c.rate, c.per_consumer, c.mean_active_consumers,
                c.per_partition);
  c.reason = buf;
  return c;
}

}  // namespace streamlens::analysis::models
