#include "exporter/jolokia/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "common/yaml_keys.h"

namespace streamlens::exporter::jolokia {
namespace {

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// `where` is "<src>: <path>" for the messages below.
Result<ReadSpec> ParseReadSpec(const YAML::Node& node, const std::string& src,
                               const std::string& path) {
  const std::string where = src + ": " + path;
  if (!node.IsMap()) return Status::Error(where + ": expected a map with `mbean` and `attributes`");
  STREAMLENS_RETURN_IF_ERROR(CheckYamlKeys(node, src, path, {"mbean", "attributes"}));
  ReadSpec spec;
  if (!node["mbean"] || !node["mbean"].IsScalar() || node["mbean"].as<std::string>().empty()) {
    return Status::Error(where +
                         ": `mbean` must be an object name or pattern like "
                         "\"kafka.server:type=ReplicaManager,*\"");
  }
  spec.mbean = node["mbean"].as<std::string>();
  if (spec.mbean.find(':') == std::string::npos) {
    return Status::Error(where + ": `mbean` \"" + spec.mbean +
                         "\" is not an object name (expected domain:key=value,...)");
  }
  if (const YAML::Node attrs = node["attributes"]) {
    if (!attrs.IsSequence()) return Status::Error(where + ": `attributes` must be a list");
    for (const auto& a : attrs) spec.attributes.push_back(a.as<std::string>());
  }
  return spec;
}

Result<Rule> ParseRule(const YAML::Node& node, const std::string& src, const std::string& path) {
  const std::string where = src + ": " + path;
  if (!node.IsMap()) return Status::Error(where + ": expected a map");
  STREAMLENS_RETURN_IF_ERROR(
      CheckYamlKeys(node, src, path,
                    {"pattern", "name", "labels", "type", "help", "valueFactor", "summaryPart"}));
  Rule rule;
  if (!node["pattern"] || !node["name"]) {
    return Status::Error(where + ": `pattern` and `name` are required");
  }
  rule.pattern_text = node["pattern"].as<std::string>();
  auto re = Regex::Compile(rule.pattern_text);
  if (!re.ok()) {
    return Status::Error(where + ": `pattern` \"" + rule.pattern_text +
                         "\" is not a valid regular expression: " + re.status().message());
  }
  rule.pattern = std::move(*re);
  rule.name = node["name"].as<std::string>();
  if (rule.name.empty()) return Status::Error(where + ": `name` is empty");
  if (const YAML::Node labels = node["labels"]) {
    if (!labels.IsMap()) return Status::Error(where + ": `labels` must be a map name: value");
    for (const auto& kv : labels) {
      std::string k = kv.first.as<std::string>();
      if (k == "broker") {
        return Status::Error(where +
                             ": label `broker` is reserved (the exporter sets it to the broker "
                             "the series came from)");
      }
      rule.labels.emplace_back(k, kv.second.as<std::string>());
    }
  }
  if (const YAML::Node type = node["type"]) {
    std::string t = Upper(type.as<std::string>());
    if (t == "GAUGE") {
      rule.type = MetricType::kGauge;
    } else if (t == "COUNTER") {
      rule.type = MetricType::kCounter;
    } else if (t == "UNTYPED") {
      rule.type = MetricType::kUntyped;
    } else if (t == "SUMMARY") {
      rule.type = MetricType::kSummary;
    } else {
      return Status::Error(where + ": `type` \"" + type.as<std::string>() +
                           "\" is not one of GAUGE, COUNTER, UNTYPED, SUMMARY");
    }
  }
  if (const YAML::Node help = node["help"]) rule.help = help.as<std::string>();
  if (const YAML::Node f = node["valueFactor"]) {
    try {
      rule.value_factor = f.as<double>();
    } catch (const YAML::Exception&) {
      return Status::Error(where + ": `valueFactor` must be a number, got \"" +
                           f.as<std::string>() + "\"");
    }
  }
  if (const YAML::Node part = node["summaryPart"]) {
    std::string p = part.as<std::string>();
    if (p == "quantile") {
      rule.summary_part = SummaryPart::kQuantile;
    } else if (p == "count") {
      rule.summary_part = SummaryPart::kCount;
    } else if (p == "sum") {
      rule.summary_part = SummaryPart::kSum;
    } else if (p == "mean") {
      rule.summary_part = SummaryPart::kMean;
    } else {
      return Status::Error(where + ": `summaryPart` \"" + p +
                           "\" is not one of quantile, count, sum, mean");
    }
  }
  if (rule.type == MetricType::kSummary) {
    if (rule.summary_part == SummaryPart::kNone) {
      return Status::Error(where +
                           ": a SUMMARY rule needs `summaryPart` (quantile|count|sum|mean)");
    }
    bool has_quantile = std::any_of(rule.labels.begin(), rule.labels.end(),
                                    [](const auto& l) { return l.first == "quantile"; });
    if (rule.summary_part == SummaryPart::kQuantile && !has_quantile) {
      return Status::Error(where + ": a SUMMARY quantile rule needs a `quantile` label");
    }
  } else if (rule.summary_part != SummaryPart::kNone) {
    return Status::Error(where + ": `summaryPart` is only allowed with type SUMMARY");
  }
  return rule;
}

}  // namespace

Result<JolokiaConfig> ParseJolokiaConfig(std::string_view yaml, std::string_view source) {
  const std::string src(source);
  JolokiaConfig config;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) {
      return Status::Error(src + ": expected a YAML map with `mbeans` and `rules`");
    }
    STREAMLENS_RETURN_IF_ERROR(CheckYamlKeys(root, src, "",
                                             {"lowercaseOutputName", "lowercaseOutputLabelNames",
                                              "snakeCaseOutputLabelNames", "mbeans", "rules"}));
    if (root["lowercaseOutputName"]) {
      config.lowercase_output_name = root["lowercaseOutputName"].as<bool>();
    }
    if (root["lowercaseOutputLabelNames"]) {
      config.lowercase_output_label_names = root["lowercaseOutputLabelNames"].as<bool>();
    }
    if (root["snakeCaseOutputLabelNames"]) {
      config.snake_case_output_label_names = root["snakeCaseOutputLabelNames"].as<bool>();
    }
    const YAML::Node mbeans = root["mbeans"];
    if (!mbeans || !mbeans.IsSequence() || mbeans.size() == 0) {
      return Status::Error(src + ": `mbeans` must be a non-empty list of reads");
    }
    for (size_t i = 0; i < mbeans.size(); ++i) {
      auto spec = ParseReadSpec(mbeans[i], src, "mbeans[" + std::to_string(i) + "]");
      if (!spec.ok()) return spec.status();
      config.mbeans.push_back(std::move(*spec));
    }
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0) {
      return Status::Error(src + ": `rules` must be a non-empty list");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      auto rule = ParseRule(rules[i], src, "rules[" + std::to_string(i) + "]");
      if (!rule.ok()) return rule.status();
      config.rules.push_back(std::move(*rule));
    }
  } catch (const YAML::Exception& e) {
    return Status::Error(src + ": invalid YAML: " + e.what());
  }
  return config;
}

Result<JolokiaConfig> LoadJolokiaConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("--jolokia.config=" + path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseJolokiaConfig(ss.str(), "--jolokia.config=" + path);
}

Result<JolokiaConfig> DefaultJolokiaConfig() {
  return ParseJolokiaConfig(DefaultJolokiaConfigYaml(), "built-in jolokia rules");
}

}  // namespace streamlens::exporter::jolokia
