#include "exporter/loadgen/scenario.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/flags.h"
#include "common/yaml_keys.h"

namespace streamlens::exporter::loadgen {

namespace {

struct KindInfo {
  FaultKind kind;
  const char* name;
  bool benign;
};
constexpr KindInfo kKinds[] = {
    {FaultKind::kConsumerStop, "consumer_stop", false},
    {FaultKind::kConsumerSlowdown, "consumer_slowdown", false},
    {FaultKind::kConsumerRewind, "consumer_rewind", false},
    {FaultKind::kPartitionSkew, "partition_skew", false},
    {FaultKind::kProducerBurst, "producer_burst", false},
    {FaultKind::kDailyBurst, "daily_burst", true},
    {FaultKind::kBrokerDown, "broker_down", false},
    {FaultKind::kBrokerSlow, "broker_slow", false},
    {FaultKind::kBrokerSaturation, "broker_saturation", false},
};

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

Result<Scenario> ParseScenario(std::string_view yaml, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::Error(source + ": not valid YAML: " + e.what());
  }
  Scenario sc;
  if (!root || root.IsNull()) return sc;
  if (!root.IsMap()) return Status::Error(source + ": expected a mapping with a `faults` list");
  STREAMLENS_RETURN_IF_ERROR(CheckYamlKeys(root, source, "", {"faults"}));
  const YAML::Node faults = root["faults"];
  if (!faults) return sc;
  if (!faults.IsSequence()) return Status::Error(source + ": `faults` must be a list");
  for (size_t i = 0; i < faults.size(); ++i) {
    const YAML::Node f = faults[i];
    const std::string where = source + ": faults[" + std::to_string(i) + "]";
    if (!f.IsMap()) return Status::Error(where + ": expected a mapping");
    STREAMLENS_RETURN_IF_ERROR(CheckYamlKeys(f, source, "faults[" + std::to_string(i) + "]",
                                             {"kind", "group", "topic", "partition", "broker",
                                              "factor", "offsets", "start", "duration", "rtt"}));
    Fault fault;
    try {
      if (!f["kind"]) return Status::Error(where + ": `kind` is required");
      const std::string kind = f["kind"].as<std::string>();
      bool found = false;
      for (const auto& k : kKinds) {
        if (kind == k.name) {
          fault.kind = k.kind;
          found = true;
        }
      }
      if (!found) {
        return Status::Error(
            where + ".kind: unknown kind \"" + kind +
            "\" (expected consumer_stop, consumer_slowdown, consumer_rewind, "
            "partition_skew, producer_burst, daily_burst, broker_down, broker_slow or "
            "broker_saturation)");
      }
      if (f["group"]) fault.group = f["group"].as<std::string>();
      if (f["topic"]) fault.topic = f["topic"].as<std::string>();
      if (f["partition"]) fault.partition = f["partition"].as<int>();
      if (f["broker"]) fault.broker = f["broker"].as<int>();
      if (f["factor"]) {
        fault.factor = f["factor"].as<double>();
      } else if (fault.kind == FaultKind::kBrokerSaturation) {
        fault.factor = 0.1;
      }
      if (f["offsets"]) fault.offsets = f["offsets"].as<int64_t>();
    } catch (const YAML::Exception& e) {
      return Status::Error(where + ": bad value: " + e.what());
    }
    if (f["rtt"]) {
      auto d = ParseDuration(f["rtt"].as<std::string>());
      if (!d.ok()) return Status::Error(where + ".rtt: " + d.status().message());
      fault.rtt = *d;
    }
    for (const char* key : {"start", "duration"}) {
      if (!f[key]) {
        if (std::string(key) == "start") return Status::Error(where + ": `start` is required");
        if (fault.kind != FaultKind::kConsumerRewind) {
          return Status::Error(where + ": `duration` is required");
        }
        fault.duration = std::chrono::seconds(1);
        continue;
      }
      auto d = ParseDuration(f[key].as<std::string>());
      if (!d.ok()) return Status::Error(where + "." + key + ": " + d.status().message());
      (std::string(key) == "start" ? fault.start : fault.duration) = *d;
    }
    switch (fault.kind) {
      case FaultKind::kConsumerStop:
      case FaultKind::kConsumerSlowdown:
      case FaultKind::kConsumerRewind:
        if (fault.group.empty()) return Status::Error(where + ": `group` is required");
        break;
      case FaultKind::kPartitionSkew:
        if (fault.topic.empty() || fault.partition < 0) {
          return Status::Error(where + ": `topic` and `partition` are required");
        }
        break;
      case FaultKind::kBrokerDown:
      case FaultKind::kBrokerSlow:
      case FaultKind::kBrokerSaturation:
        if (fault.broker < 1) return Status::Error(where + ": `broker` (>= 1) is required");
        if (fault.kind == FaultKind::kBrokerSlow && fault.rtt.count() <= 0) {
          return Status::Error(where + ": `rtt` (> 0) is required");
        }
        break;
      default:
        break;
    }
    if ((fault.kind == FaultKind::kConsumerSlowdown ||
         fault.kind == FaultKind::kBrokerSaturation) &&
        !(fault.factor >= 0 && fault.factor < 1)) {
      return Status::Error(where + ".factor: " + std::string(FaultKindName(fault.kind)) +
                           " needs 0 <= factor < 1");
    }
    if ((fault.kind == FaultKind::kProducerBurst || fault.kind == FaultKind::kDailyBurst ||
         fault.kind == FaultKind::kPartitionSkew) &&
        !(fault.factor > 1)) {
      return Status::Error(where + ".factor: expected > 1");
    }
    if (fault.kind == FaultKind::kConsumerRewind && fault.offsets <= 0) {
      return Status::Error(where + ".offsets: a rewind needs offsets > 0");
    }
    sc.faults.push_back(fault);
  }
  return sc;
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("--scenario: cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseScenario(ss.str(), "--scenario=" + path);
}

std::string GroundTruthJson(const Scenario& scenario, double start,
                            const std::map<std::string, std::string>& group_topic) {
  std::ostringstream o;
  o.precision(15);
  o << "{\"start\": " << start << ", \"faults\": [";
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const Fault& f = scenario.faults[i];
    bool benign = false;
    for (const auto& k : kKinds) {
      if (k.kind == f.kind) benign = k.benign;
    }
    std::vector<std::pair<std::string, std::string>> labels;
    if (!f.group.empty()) {
      labels.emplace_back("consumergroup", f.group);
      auto it = group_topic.find(f.group);
      if (it != group_topic.end()) labels.emplace_back("topic", it->second);
    } else if (!f.topic.empty()) {
      labels.emplace_back("topic", f.topic);
    }
    if (f.partition >= 0) labels.emplace_back("partition", std::to_string(f.partition));
    if (f.broker >= 1) labels.emplace_back("broker", std::to_string(f.broker));
    const double s = start + std::chrono::duration<double>(f.start).count();
    const double e = s + std::chrono::duration<double>(f.duration).count();
    o << (i ? ", " : "") << "{\"kind\": \"" << FaultKindName(f.kind)
      << "\", \"benign\": " << (benign ? "true" : "false") << ", \"labels\": {";
    for (size_t j = 0; j < labels.size(); ++j) {
      o << (j ? ", " : "") << "\"" << labels[j].first << "\": \"" << JsonEscape(labels[j].second)
        << "\"";
    }
    o << "}, \"start\": " << s << ", \"end\": " << e << "}";
  }
  o << "]}\n";
  return o.str();
}

}  // namespace streamlens::exporter::loadgen
