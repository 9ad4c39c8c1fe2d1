#include "exporter/kafka/topic_config.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

namespace streamlens::exporter::kafka {

namespace {

std::optional<int64_t> ParseInt(const std::optional<std::string>& v) {
  if (!v || v->empty()) return std::nullopt;
  int64_t out = 0;
  const char* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, out);
  if (ec != std::errc() || p != end) return std::nullopt;
  return out;
}

// Kafka's -1 ("no limit") becomes +Inf; other negative values are invalid.
std::optional<double> Limit(std::optional<int64_t> v, double scale) {
  if (!v) return std::nullopt;
  if (*v == -1) return std::numeric_limits<double>::infinity();
  if (*v < 0) return std::nullopt;
  return static_cast<double>(*v) * scale;
}

// "compact, delete" and "delete,compact" are the same policy; written sorted, comma-separated.
std::string NormalisePolicy(const std::string& v) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : v + ",") {
    if (ch == ',') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else if (ch != ' ') {
      cur.push_back(ch);
    }
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

TopicConfig DecodeTopicConfig(std::span<const ConfigEntry> entries) {
  TopicConfig c;
  for (const auto& e : entries) {
    if (e.name == "min.insync.replicas") {
      auto v = ParseInt(e.value);
      if (v && *v >= 1 && *v <= std::numeric_limits<int>::max()) {
        c.min_insync_replicas = static_cast<int>(*v);
      }
    } else if (e.name == "retention.ms") {
      c.retention_seconds = Limit(ParseInt(e.value), 1e-3);
    } else if (e.name == "retention.bytes") {
      c.retention_bytes = Limit(ParseInt(e.value), 1);
    } else if (e.name == "cleanup.policy" && e.value) {
      c.cleanup_policy = NormalisePolicy(*e.value);
    }
  }
  return c;
}

}  // namespace streamlens::exporter::kafka
