// Label matchers and the PromQL series selector syntax users already write:
//   kafka_consumergroup_lag{consumergroup=~"pay.*",topic!="x"}
//
// ParseSelector() turns a selector into matchers (a metric name becomes __name__="name");
// FormatSelector() does the reverse. Regexes are not evaluated here: the server applies them
// (Prometheus anchors them: "pay.*" matches the whole value). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::remote_read {

enum class MatchType { kEqual = 0, kNotEqual = 1, kRegexMatch = 2, kRegexNoMatch = 3 };

struct Matcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  friend bool operator==(const Matcher&, const Matcher&) = default;
};

// Parses `metric_name{label op "value", ...}`, `metric_name` or `{...}`; op is one of
// = != =~ !~; values are "double", 'single' or `raw` quoted with Go escapes. As in PromQL, at
// least one matcher must not match the empty string. Errors carry the 1-based column:
// `selector column 12: expected one of = != =~ !~ after label name "topic"`.
Result<std::vector<Matcher>> ParseSelector(std::string_view text);

// `{__name__="m",topic!="x"}` form (always parseable by ParseSelector and by Prometheus).
std::string FormatSelector(const std::vector<Matcher>& matchers);

}  // namespace streamlens::remote_read
