// The one check of a YAML mapping's keys that every config reader uses (web config, the
// exporter's Jolokia rules and loadgen scenarios, the sidecar config), so that a typo reads the
// same everywhere: "<file>:<line>:<column>: <path.key>: unknown key (expected one of: a, b)".
// `origin` names the file (or flag) the YAML came from; `path` is the mapping's own path in the
// document ("" at the top level, "jobs[0]", "rules[3].labels"). Pure functions, thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace streamlens {

// "<origin>:<line>:<column>" of `node`, or `origin` when the node has no position.
std::string YamlPosition(const std::string& origin, const YAML::Node& node);

// `path` + "." + `key` (or `key` at the top level).
std::string YamlPath(const std::string& path, const std::string& key);

// The unknown-key error for the key node `key` of the mapping at `path`.
Status UnknownYamlKey(const std::string& origin, const YAML::Node& key, const std::string& path,
                      std::span<const std::string_view> allowed);
inline Status UnknownYamlKey(const std::string& origin, const YAML::Node& key,
                             const std::string& path,
                             std::initializer_list<std::string_view> allowed) {
  return UnknownYamlKey(origin, key, path, std::span(allowed.begin(), allowed.size()));
}

// Ok when `map` is a mapping whose keys are all strings in `allowed`; otherwise the error for
// the first key that is not (a non-string key: "...: <path>: expected string keys, got a
// mapping as a key"), or "...: <path>: expected a mapping".
Status CheckYamlKeys(const YAML::Node& map, const std::string& origin, const std::string& path,
                     std::span<const std::string_view> allowed);
inline Status CheckYamlKeys(const YAML::Node& map, const std::string& origin,
                            const std::string& path,
                            std::initializer_list<std::string_view> allowed) {
  return CheckYamlKeys(map, origin, path, std::span(allowed.begin(), allowed.size()));
}

}  // namespace streamlens
