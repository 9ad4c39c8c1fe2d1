#include "exporter/jolokia/fuzz/fuzz_targets.h"

#include <memory>
#include <string>

#include "exporter/jolokia/bulk_reply.h"
#include "exporter/jolokia/config.h"
#include "exporter/jolokia/metric_mapper.h"

namespace streamlens::exporter::jolokia::fuzz {

void FuzzBulkReply(const uint8_t* data, size_t size) {
  // The built-in rules: the request and mapping the exporter uses by default.
  static const std::shared_ptr<const JolokiaConfig> config = [] {
    auto c = DefaultJolokiaConfig();
    return std::make_shared<const JolokiaConfig>(std::move(*c));
  }();
  static MetricMapper mapper(config);
  static BulkReplyParser parser;
  std::string body(reinterpret_cast<const char*>(data), size);
  mapper.BeginCycle();
  auto stats = parser.Parse(&body, *config, &mapper);
  if (!stats.ok()) {
    mapper.DiscardCycle();
    return;
  }
  std::vector<prometheus::MetricFamily> families;
  FamilyMerger merger(&families);
  mapper.AppendFamilies("fuzz", &merger);
}

void FuzzJolokiaConfig(const uint8_t* data, size_t size) {
  auto c = ParseJolokiaConfig(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  if (c.ok()) (void)BuildBulkRequest(*c);
}

}  // namespace streamlens::exporter::jolokia::fuzz
