// Results: what the engine publishes, as immutable snapshots shared with the publisher.
//
// The engine rebuilds a job's JobResults after each of its cycles and swaps it in atomically;
// the /metrics collectable and the JSON API read whole snapshots, so a scrape never sees a
// half-updated job. Plain values; a published snapshot is never mutated (thread-safe to read).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sidecar/engine/analysis_runner.h"

namespace streamlens::engine {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct SeriesResult {
  // Output labels: the input series' labels without __name__ (plus `metric` when the selector
  // matched several metric names), the job's static labels; `for` and `model` are added by the
  // publisher. Sorted by name.
  LabelPairs labels;
  std::string input_series;  // canonical text of the input series, for the JSON API
  std::string anomaly_model;
  bool has_anomaly = false;
  AnomalyPoint anomaly;
  std::vector<std::pair<int64_t, float>> score_history;  // oldest first, bounded per job config
  std::string forecast_model;
  bool has_forecast = false;
  SeriesForecast forecast;
};

struct OutlierResult {
  LabelPairs labels;  // the member's own labels (e.g. broker="4")
  double score = 0;
};

// A sample of a family published as-is (the analysis III families: rootcause, recommendations,
// what-if), already carrying its complete label set.
struct ExtraSample {
  std::string family;
  LabelPairs labels;
  double value = 0;
};

// Evidence of a cluster analysis result for the JSON API: one JSON object with the reason and
// the numbers (rendered by the analysis adapter).
struct JsonDocument {
  // "rootcause" | "recommendation" | "cpu_model" | "broker_failure" | "add_broker" |
  // "rebalance_plan"
  std::string kind;
  std::string key;   // what it is about: the target series, "group/topic", the broker id, ""
  std::string json;  // a complete JSON object
};

// Whether one analysis of a job could do its work in the latest cycle, and if not, why (e.g. a
// CPU model without a broker CPU metric). A job degrades per analysis: the others go on.
struct AnalysisStatus {
  std::string analysis;  // "anomaly", "forecast", "outliers", "rootcause", "cpu_model", ...
  std::string cluster;   // the value of the job's cluster label it ran for ("" if none)
  bool up = true;
  std::string reason;    // why not, when !up
  int64_t since_ms = 0;  // when it entered its current state
};

struct JobResults {
  std::string job;
  int64_t evaluated_ms = 0;  // time of the cycle that produced these results
  std::vector<SeriesResult> series;
  std::vector<OutlierResult> outliers;
  std::vector<ExtraSample> extra;
  std::vector<JsonDocument> documents;
  std::vector<AnalysisStatus> analyses;
};

// Counters and gauges of one job for the self-metrics.
struct JobStats {
  std::string job;
  std::string source;
  uint64_t runs = 0;
  uint64_t failures = 0;
  uint64_t skipped_cycles = 0;
  uint64_t fits = 0;          // series fits (not restored from storage)
  uint64_t drift_fits = 0;    // of `fits`: refits before their schedule because a model drifted
  uint64_t fit_failures = 0;  // series whose fit failed (too short, constant, ...)
  uint64_t series_processed = 0;
  uint64_t samples_read = 0;
  uint64_t series_dropped = 0;   // series beyond max_series, or gone past the grace period
  uint64_t series_restored = 0;  // series states loaded from --storage.path
  uint64_t state_corrupt = 0;    // state files found corrupt (checksum, truncation, garbage)
  size_t series_tracked = 0;
  size_t state_bytes = 0;
  double last_fit_seconds = 0;
  double last_infer_seconds = 0;
  double last_success_unix = 0;  // 0: never
};

struct EngineStatus {
  std::vector<JobStats> jobs;
  std::map<std::string, bool> source_up;  // by source name; absent until first contact
};

struct ResultsSnapshot {
  std::vector<std::shared_ptr<const JobResults>> jobs;  // in config order
};

}  // namespace streamlens::engine
