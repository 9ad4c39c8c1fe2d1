// ForecastSeries: the one entry point the engine and the offline command use to forecast a
// series with any of the models in this folder, plus the automatic default.
//
// Input is a regularly spaced series (oldest first, no gaps: callers fill or drop missing
// samples) and a ForecastParams; output is a Forecast (mean, per-step sd, intervals at
// params.levels). Pure and thread-safe: callers may forecast different series concurrently.
//
// The automatic default (ModelKind::kAuto) is described in forecast.cc and in
// docs/forecasting.md: candidates are scored by rolling-origin validation on the series' own last
// observations, and a greedy ensemble selection over their validation forecasts sets the
// weights with which candidates refitted on all data are averaged.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

enum class ModelKind { kAuto, kEts, kArima, kTheta, kProphet, kSnaive, kNaive, kMstl };

// "auto|ets|arima|theta|prophet|snaive|naive|mstl"; the error lists the accepted names.
Result<ModelKind> ParseModelKind(const std::string& name);
const char* ModelKindName(ModelKind kind);

// Diagnostics of the automatic default, for benchmarks and tuning tools (not used by the daemon).
struct AutoTrace {
  std::vector<std::string> candidates;
  std::vector<int> origins;                                  // validation origins (n - k H)
  std::vector<std::vector<std::vector<double>>> validation;  // [candidate][origin] point forecasts
  std::vector<double> scores;                                // validation score per candidate
  // [candidate] point forecast from all data; filled only when `all_finals` is set.
  bool all_finals = false;
  std::vector<std::vector<double>> finals;
  std::string chosen;
};

struct ForecastParams {
  int horizon = 48;  // steps ahead, >= 1
  int season = 1;    // primary seasonal period in samples; 1 = non-seasonal
  // Further seasonal periods (e.g. 168 for hourly data with a weekly cycle); used by the models
  // that support several (prophet, auto's multi-seasonal candidates).
  std::vector<int> extra_seasons;
  ModelKind model = ModelKind::kAuto;
  std::vector<double> levels = {0.8, 0.95};  // interval coverages, each in (0, 1)
  AutoTrace* trace = nullptr;  // optional (kAuto only): filled with the selection's details
  // kAuto only: number of rolling validation origins (fewer when the series is short) and their
  // spacing in samples (0 = horizon, i.e. non-overlapping windows). Origin w is at
  // n - horizon - w * step; each candidate is refitted at every origin, so the cost of the
  // validation grows linearly with auto_origins.
  int auto_origins = 6;
  int auto_origin_step = 0;
};

// Errors: invalid params (horizon < 1, season < 1, level outside (0,1)), fewer observations than
// the model needs, non-finite values. A constant series gives a flat forecast with zero-width
// intervals for every model (documented fallback).
Result<Forecast> ForecastSeries(std::span<const double> y, const ForecastParams& params);

}  // namespace streamlens::analysis::forecast
