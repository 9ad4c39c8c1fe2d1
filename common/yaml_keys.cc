#include "common/yaml_keys.h"

namespace streamlens {

std::string YamlPosition(const std::string& origin, const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().line < 0) return origin;
  return origin + ":" + std::to_string(node.Mark().line + 1) + ":" +
         std::to_string(node.Mark().column + 1);
}

std::string YamlPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Status UnknownYamlKey(const std::string& origin, const YAML::Node& key, const std::string& path,
                      std::span<const std::string_view> allowed) {
  std::string list;
  for (std::string_view a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  return Status::Error(YamlPosition(origin, key) + ": " + YamlPath(path, key.Scalar()) +
                       ": unknown key (expected one of: " + list + ")");
}

Status CheckYamlKeys(const YAML::Node& map, const std::string& origin, const std::string& path,
                     std::span<const std::string_view> allowed) {
  const std::string where = path.empty() ? std::string("(top level)") : path;
  if (!map.IsMap())
    return Status::Error(YamlPosition(origin, map) + ": " + where + ": expected a mapping");
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      return Status::Error(YamlPosition(origin, kv.first) + ": " + where +
                           ": expected string keys, got a " +
                           (kv.first.IsMap()        ? "mapping"
                            : kv.first.IsSequence() ? "sequence"
                                                    : "null") +
                           " as a key");
    }
    bool known = false;
    for (std::string_view a : allowed) known = known || kv.first.Scalar() == a;
    if (!known) return UnknownYamlKey(origin, kv.first, path, allowed);
  }
  return Status::Ok();
}

}  // namespace streamlens
