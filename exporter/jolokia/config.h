// JolokiaConfig: what to read from each broker and how to turn MBean attributes into metrics.
//
// YAML, in the spirit of jmx_exporter's configuration (rule syntax and semantics are the same, so
// jmx_exporter Kafka rules can be pasted in), plus the list of Jolokia reads to send:
//
//   lowercaseOutputName: true          # lower-case rendered metric names (default false)
//   lowercaseOutputLabelNames: false   # lower-case rendered label names (default false)
//   snakeCaseOutputLabelNames: false   # clientId -> client_id (default false; not in
//                                      # jmx_exporter, but promtool's lint rejects camelCase)
//   mbeans:                            # one Jolokia "read" per entry, all in one bulk POST
//     - mbean: "kafka.server:type=BrokerTopicMetrics,*"    # object name or pattern
//       attributes: [Count, OneMinuteRate]                  # optional; default all attributes
//   rules:                             # ordered; the first rule whose pattern matches wins
//     - pattern: 'kafka.(\w+)<type=(.+), name=(.+)PerSec\w*, (.+)=(.+)><>Count'
//       name: kafka_$1_$2_$3_total     # $N = capture group N of the pattern
//       type: COUNTER                  # GAUGE (default) | COUNTER | UNTYPED | SUMMARY
//       labels: {"$4": "$5"}
//       help: "optional, may use $N"
//       valueFactor: 1                 # multiplies the value (e.g. 0.001 for ms -> s)
//       summaryPart: quantile          # SUMMARY only: quantile | count | sum | mean
//
// Patterns are PCRE2 (Perl/Java-style) regular expressions searched (not anchored, as in
// jmx_exporter) in the match string described in object_name.h. Names and label names are sanitised
// like jmx_exporter's (invalid characters -> '_', runs of '_' collapsed). SUMMARY rules build one
// Prometheus summary per (name, labels without `quantile`): `quantile` parts need a `quantile`
// label whose value is a number; `count` gives _count; `sum` gives _sum, or `mean` gives
// _sum = mean * count (Yammer timers expose Mean, not the sum). The label `broker` is reserved for
// the broker the series came from; rules may not set it.
//
// Values: JSON numbers; booleans as 0/1; JMX composite data (JSON objects) descend one level per
// key into the `<...>` part of the match string, up to kMaxCompositeDepth. Strings, arrays and
// null are skipped and counted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "exporter/jolokia/regex.h"

namespace streamlens::exporter::jolokia {

enum class MetricType { kGauge, kCounter, kUntyped, kSummary };
enum class SummaryPart { kNone, kQuantile, kCount, kSum, kMean };

inline constexpr int kMaxCompositeDepth = 3;

struct ReadSpec {
  std::string mbean;
  std::vector<std::string> attributes;  // empty: all attributes
};

struct Rule {
  std::string pattern_text;
  Regex pattern;
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // name template, value template
  MetricType type = MetricType::kGauge;
  SummaryPart summary_part = SummaryPart::kNone;
  std::string help;  // empty: generated from the MBean and attribute
  double value_factor = 1.0;
};

struct JolokiaConfig {
  bool lowercase_output_name = false;
  bool lowercase_output_label_names = false;
  bool snake_case_output_label_names = false;
  std::vector<ReadSpec> mbeans;
  std::vector<Rule> rules;
};

// Parses a configuration. `source` names the input in errors ("--jolokia.config=/etc/x.yml").
// Errors name the rule index and field: unknown keys, bad regex, unknown type, a SUMMARY rule
// without summaryPart (or a quantile part without a `quantile` label), a `broker` label, no
// mbeans or no rules.
Result<JolokiaConfig> ParseJolokiaConfig(std::string_view yaml, std::string_view source);

// Reads and parses a configuration file.
Result<JolokiaConfig> LoadJolokiaConfigFile(const std::string& path);

// The built-in configuration (default_rules.yaml, embedded at build time): every broker MBean in
// REFERENCE.md section 2 with jmx_exporter-compatible names.
std::string_view DefaultJolokiaConfigYaml();
Result<JolokiaConfig> DefaultJolokiaConfig();

}  // namespace streamlens::exporter::jolokia
