// Small JSON writers for the cluster analyses' evidence documents (cluster_analysis.h).
// Header-only, std-only. Non-finite numbers are written as null. Thread-safe.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/json_string.h"
#include "sidecar/engine/results.h"

namespace streamlens::engine::json {

inline void Num(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  out->append(buf);
}
// ,"key":
inline void Key(std::string* out, std::string_view key, bool first = false) {
  if (!first) out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
}
inline void KeyNum(std::string* out, std::string_view key, double v, bool first = false) {
  Key(out, key, first);
  Num(out, v);
}
inline void KeyStr(std::string* out, std::string_view key, std::string_view v, bool first = false) {
  Key(out, key, first);
  AppendJsonString(out, v);
}
inline void KeyBool(std::string* out, std::string_view key, bool v, bool first = false) {
  Key(out, key, first);
  out->append(v ? "true" : "false");
}
inline void Labels(std::string* out, const LabelPairs& labels) {
  out->push_back('{');
  bool first = true;
  for (const auto& [n, v] : labels) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, n);
    out->push_back(':');
    AppendJsonString(out, v);
  }
  out->push_back('}');
}

}  // namespace streamlens::engine::json
