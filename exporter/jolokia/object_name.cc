#include "exporter/jolokia/object_name.h"

#include <array>

namespace streamlens::exporter::jolokia {
namespace {

struct Property {
  std::string_view key;
  std::string_view value;
};

// Splits "k=v,k=v" on commas outside quoted values. Returns the number of properties, or -1 on
// malformed input. At most `max` properties are stored; more is malformed (no real MBean has 32).
int SplitProperties(std::string_view props, Property* out, int max) {
  int n = 0;
  size_t i = 0;
  while (i < props.size()) {
    size_t eq = props.find('=', i);
    if (eq == std::string_view::npos) return -1;
    std::string_view key = props.substr(i, eq - i);
    if (key.empty() || key.find(',') != std::string_view::npos) return -1;
    size_t j = eq + 1;
    if (j < props.size() && props[j] == '"') {
      ++j;
      while (j < props.size() && props[j] != '"') {
        if (props[j] == '\\') ++j;
        ++j;
      }
      if (j >= props.size()) return -1;
      ++j;  // closing quote
      if (j < props.size() && props[j] != ',') return -1;
    } else {
      while (j < props.size() && props[j] != ',') ++j;
    }
    if (n == max) return -1;
    out[n++] = Property{key, props.substr(eq + 1, j - eq - 1)};
    i = j + 1;
    if (j + 1 == props.size()) return -1;  // trailing comma
  }
  return n;
}

}  // namespace

bool AppendMatchPrefix(std::string_view object_name, std::string* out) {
  size_t colon = object_name.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::array<Property, 32> props;
  int n = SplitProperties(object_name.substr(colon + 1), props.data(), props.size());
  if (n <= 0) return false;
  out->append(object_name.substr(0, colon));
  out->push_back('<');
  bool first = true;
  auto emit = [&](const Property& p) {
    if (!first) out->append(", ");
    first = false;
    out->append(p.key);
    out->push_back('=');
    out->append(p.value);
  };
  for (std::string_view front : {std::string_view("type"), std::string_view("name")}) {
    for (int i = 0; i < n; ++i) {
      if (props[i].key == front) emit(props[i]);
    }
  }
  for (int i = 0; i < n; ++i) {
    if (props[i].key != "type" && props[i].key != "name") emit(props[i]);
  }
  out->push_back('>');
  return true;
}

bool IsObjectNamePattern(std::string_view mbean) {
  bool quoted = false;
  for (size_t i = 0; i < mbean.size(); ++i) {
    char c = mbean[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == '*' || c == '?')) {
      return true;
    }
  }
  return false;
}

}  // namespace streamlens::exporter::jolokia
