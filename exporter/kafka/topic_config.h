// Topic configuration as the exporter publishes it: the few DescribeConfigs entries that matter
// for durability and capacity (min.insync.replicas, retention.ms, retention.bytes,
// cleanup.policy), decoded from the (name, value) entries a broker returns for a topic.
//
// Pure code, plain value types; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace streamlens::exporter::kafka {

// One entry of a DescribeConfigs reply for a topic; value nullopt when the broker sent null
// (sensitive or unset entries).
struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;
};

// The entries of one topic, or the broker's error for it.
struct TopicConfigEntries {
  std::string topic;
  std::string error;  // empty: ok
  std::vector<ConfigEntry> entries;
};

struct TopicConfig {
  std::optional<int> min_insync_replicas;
  // Seconds / bytes; +Inf when the broker says -1 (no time- or size-based deletion).
  std::optional<double> retention_seconds;
  std::optional<double> retention_bytes;
  std::string cleanup_policy;  // "delete", "compact" or "compact,delete"; empty: not reported
};

// Decodes the entries that matter. Entries with values that are absent or not numbers are left
// unset (the broker's reply is outside input); unknown entries are ignored.
TopicConfig DecodeTopicConfig(std::span<const ConfigEntry> entries);

}  // namespace streamlens::exporter::kafka
