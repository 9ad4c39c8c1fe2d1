#include "sidecar/analysis/models/data_coverage.h"

#include <algorithm>
#include <cstdio>

namespace streamlens::analysis::models {

DataCoverage AssessCoverage(const std::vector<PartitionState>& parts, const CoverageInput& in,
                            double min_ratio) {
  std::map<std::string, int32_t> expected = {in.topic_partitions.begin(),
                                             in.topic_partitions.end()};
  for (const auto& [key, n] : in.partition_replicas) {
    expected[key.first] = std::max(expected[key.first], key.second + 1);
  }
  for (const PartitionState& p : parts) {
    expected[p.topic] = std::max(expected[p.topic], p.partition + 1);
  }
  DataCoverage out;
  for (const auto& [topic, n] : expected) out.expected_partitions += static_cast<size_t>(n);
  for (const PartitionState& p : parts) {
    auto it = in.partition_replicas.find({p.topic, p.partition});
    const size_t need = it == in.partition_replicas.end() ? 1 : static_cast<size_t>(it->second);
    if (p.replicas.size() >= std::max<size_t>(need, 1)) ++out.complete_partitions;
  }
  out.coverage = out.expected_partitions == 0 ? 1.0
                                              : static_cast<double>(out.complete_partitions) /
                                                    static_cast<double>(out.expected_partitions);
  out.freshness = in.replica_series_seen == 0 ? 1.0
                                              : static_cast<double>(in.replica_series_fresh) /
                                                    static_cast<double>(in.replica_series_seen);
  out.sufficient =
      out.expected_partitions > 0 && out.coverage >= min_ratio && out.freshness >= min_ratio;
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "%zu of %zu partitions have a complete replica placement (%.2f%%), %zu of %zu "
                "replica series are current (%.2f%%); plans need %.2f%% of both",
                out.complete_partitions, out.expected_partitions, 100 * out.coverage,
                in.replica_series_fresh, in.replica_series_seen, 100 * out.freshness,
                100 * min_ratio);
  out.reason = buf;
  return out;
}

}  // namespace streamlens::analysis::models
