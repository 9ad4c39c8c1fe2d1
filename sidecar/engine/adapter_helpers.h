// Internal to the engine's cluster-analysis adapters (cpu_model_adapter.cc,
// recommendations_adapter.cc, placement_adapter.cc): label lookups, the job's output labels and
// selector parsing with the config key in the error. Header-only; thread-safe (pure functions).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/results.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {

// The value of label `name`, or "" when the set has none.
inline std::string LabelValue(const LabelPairs& labels, const std::string& name) {
  for (const auto& [n, v] : labels) {
    if (n == name) return v;
  }
  return "";
}

// `labels` plus the job's static labels and for=<job>, sorted by name: a published label set.
inline LabelPairs WithJob(LabelPairs labels, const JobConfig& job) {
  for (const auto& [n, v] : job.labels) labels.emplace_back(n, v);
  labels.emplace_back("for", job.name);
  std::sort(labels.begin(), labels.end());
  return labels;
}

// Parses a config selector; the error names the config key `what`.
inline Result<std::vector<remote_read::Matcher>> ParseConfigSelector(const std::string& s,
                                                                     const char* what) {
  auto m = remote_read::ParseSelector(s);
  if (!m.ok()) return m.status().WithContext(what);
  return std::move(*m);
}

}  // namespace streamlens::engine
