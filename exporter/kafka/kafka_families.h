// KafkaFamilies: the exposition families one Kafka collection renders, with their names and HELP
// texts in one place (kafka_exporter's names where it has one, `streamlens_`/`kafka_` names for
// the rest).
//
// The collector fills the families phase by phase (partitions, groups, diagnostics) and then
// moves them, in a fixed order, into one exactly-sized output string. Value type owned by one
// collection; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/exposition.h"

namespace streamlens::exporter::kafka {

struct KafkaFamilies {
  // `target_labels` (e.g. cluster) go first on every sample.
  explicit KafkaFamilies(const std::vector<std::pair<std::string, std::string>>& target_labels);

  // Cluster metadata.
  TextFamily brokers, broker_info, partitions;
  TextFamily current, oldest, leader, replicas, isr, preferred, under, replica_info;
  // Topic configuration (DescribeConfigs) and replication factor (metadata).
  TextFamily replication_factor, min_isr, retention_seconds, retention_bytes, cleanup_policy;
  // Consumer groups.
  TextFamily g_current, g_current_sum, g_lag, g_lag_sum, g_uncommitted, g_members;
  TextFamily g_lag_seconds, g_max_lag_seconds, g_status, g_group_status, g_status_info;
  // Diagnostics of the collection itself.
  TextFamily wm_errors, grp_errors, phases, listing, configs_ok;

  // Reserves the per-partition families for `partitions` partitions (one allocation each).
  void ReservePartitions(size_t partitions);
  // Appends every family with samples to `out` (sized once, exactly), emptying them.
  void MoveTo(std::string_view help_suffix, std::string* out);

 private:
  std::vector<TextFamily*> All();
  size_t label_bytes_ = 0;  // per sample, for the target labels
};

}  // namespace streamlens::exporter::kafka
