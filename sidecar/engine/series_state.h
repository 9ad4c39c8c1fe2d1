// SeriesState: what the engine keeps for one input series between cycles (its labels, the last
// grid point consumed, one fitted model per per-series analysis and the latest outputs).
//
// Owned by the job (Job::series, job.h); mutated only by the job's cycle, which holds the job's
// cycle lock, or by one worker of that cycle for its own series. Saved and restored by
// persistence.h. Not thread-safe on its own.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/drift_refits.h"
#include "sidecar/engine/results.h"

namespace streamlens::engine {

// "No grid point yet" for last_t and Job::last_end_ms.
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::min();

struct SeriesState {
  LabelPairs input_labels;  // full input label set, sorted by name (with __name__)
  std::string key;          // canonical series text
  int64_t last_t = kNever;  // last grid point consumed
  double last_value = std::numeric_limits<double>::quiet_NaN();  // transformed value at last_t
  int64_t last_seen_ms = 0;
  bool fitted = false;
  // Refit schedule (cycle.h, the fit stage): the next full refit is due at next_fit_ms; a series
  // whose first fit used a quick model (SeriesAnalysis::HasQuickFit) has full_fit false and is
  // due at once; drift says when a model that drifted (SeriesModel::Drifted) is refitted early.
  int64_t next_fit_ms = 0;
  int64_t last_fit_ms = kNever;
  bool full_fit = false;
  DriftRefits drift;
  bool restored = false;
  std::vector<std::unique_ptr<SeriesModel>> models;  // parallel to Job::analyses
  bool has_anomaly = false;
  AnomalyPoint anomaly;
  std::vector<std::pair<int64_t, float>> score_history;
  bool has_forecast = false;
  SeriesForecast forecast;
  std::string anomaly_model;
  std::string forecast_model;
  bool touched = false;  // present in this cycle's fetch
};

// A job's series by canonical key.
using SeriesMap = std::unordered_map<std::string, std::unique_ptr<SeriesState>>;

}  // namespace streamlens::engine
