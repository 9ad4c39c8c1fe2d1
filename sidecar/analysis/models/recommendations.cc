#include "sidecar/analysis/models/recommendations.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace streamlens::analysis::models {

Result<PartitionRecommendation> RecommendPartitions(const PartitionRecommendationInput& in,
                                                    const PartitionRecommendationParams& params) {
  const std::string who = "recommendation for group '" + in.group + "' on topic '" + in.topic + "'";
  if (!in.capacity.learned || !(in.capacity.per_consumer > 0)) {
    return Status::Error(who + ": consumer capacity unknown (" + in.capacity.reason + ")");
  }
  if (!std::isfinite(in.input_rate_peak) || in.input_rate_peak < 0 ||
      !std::isfinite(in.current_lag) || in.current_lag < 0 || !(in.lag_sla_seconds > 0) ||
      in.current_partitions < 1 || in.current_consumers < 0) {
    return Status::Error(who +
                         ": need input_rate_peak >= 0, current_lag >= 0, "
                         "lag_sla_seconds > 0, current_partitions >= 1, current_consumers >= 0");
  }
  if (!(params.headroom >= 0) || params.max_partitions < 1) {
    return Status::Error(who + ": need headroom >= 0 and max_partitions >= 1");
  }
  PartitionRecommendation r;
  r.topic = in.topic;
  r.group = in.group;
  r.required_rate =
      in.input_rate_peak * (1.0 + params.headroom) + in.current_lag / in.lag_sla_seconds;
  r.capacity_now = in.capacity.per_consumer * std::min(in.current_consumers, in.current_partitions);
  const double needed = std::ceil(r.required_rate / in.capacity.per_consumer - 1e-9);
  long consumers = std::max(1L, static_cast<long>(needed));
  if (consumers > params.max_partitions) {
    consumers = params.max_partitions;
    r.capped = true;
  }
  r.recommended_consumers = static_cast<int>(consumers);
  r.recommended_partitions = std::max(in.current_partitions, r.recommended_consumers);
  r.change_needed = r.recommended_consumers > in.current_consumers ||
                    r.recommended_partitions > in.current_partitions;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%s input %.4g msg/s + %.0f%% headroom + draining lag %.4g within %.4g s needs "
                "%.4g msg/s; one consumer sustains %.4g msg/s (%zu catch-up intervals) -> %d "
                "consumers and %d partitions (now %d consumers, %d partitions, %.4g msg/s)%s",
                in.input_from_forecast ? "forecast peak" : "recent peak", in.input_rate_peak,
                params.headroom * 100.0, in.current_lag, in.lag_sla_seconds, r.required_rate,
                in.capacity.per_consumer, in.capacity.samples, r.recommended_consumers,
                r.recommended_partitions, in.current_consumers, in.current_partitions,
                r.capacity_now, r.capped ? "; capped at max_partitions" : "");
  r.reason = buf;
  return r;
}

}  // namespace streamlens::analysis::models
