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

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"
#include "sidecar/analysis/forecast/global_model.h"

namespace streamlens::analysis::forecast {

enum class ModelKind { kAuto, kEts, kArima, kTheta, kProphet, kSnaive, kNaive, kMstl, kGlobal };

// "auto|ets|arima|theta|prophet|snaive|naive|mstl|global"; the error lists the accepted names.
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

// Default pooled models (ParseGlobalModels syntax, global_model.h).
inline constexpr char kDefaultGlobalModels[] = "logstd:2,log:2,log:1,logstd:1,dslog:1,dslogstd:2";

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
  // Pooled models fitted across many series (FitPooledModels / ForecastBatch fill this). kAuto:
  // every set is one more candidate (named after the set), validated at origin n - T with the
  // model fitted without the last T points of every series; kGlobal: the first set is the model.
  // Not owned.
  std::span<const GlobalModelSet> global;
  // Settings of the pooled models FitPooledModels fits, one set each (horizon and levels are
  // taken from above). Default: four ridge models with lags = 2 and 1 longest periods, each with
  // log and log-standardised windows (336 and 168 lags for hourly data with a weekly period),
  // and a fifth with 1 longest period of lags on the deseasonalised series (dslog); the first is
  // what kGlobal uses.
  std::vector<GlobalModelParams> global_models = DefaultGlobalModels();
  static std::vector<GlobalModelParams> DefaultGlobalModels();
};

// Errors: invalid params (horizon < 1, season < 1, level outside (0,1)), fewer observations than
// the model needs, non-finite values. A constant series gives a flat forecast with zero-width
// intervals for every model (documented fallback).
Result<Forecast> ForecastSeries(std::span<const double> y, const ForecastParams& params);

// Fits every params.global_models entry across `series`: for kAuto one model per validation
// truncation (horizon + w * step, w < auto_origins) plus one on all data; for kGlobal only the
// first entry, on all data. Set i is named "global" for i = 0 and "global<i+1>" after that. Errors:
// invalid params, no series. (A truncation with too few windows is not an error here: that set's
// model is missing and the candidate fails at that origin, which `auto` treats as any failing
// candidate.) The sets are fitted on up to `threads` threads (one set per thread).
Result<std::vector<GlobalModelSet>> FitPooledModels(std::span<const std::span<const double>> series,
                                                    const ForecastParams& params, int threads = 1);

// Batch entry point (the offline command): for kGlobal, and for kAuto with at least two series,
// first fits the pooled models (FitPooledModels), then runs ForecastSeries on every series with
// params.global pointing at them, on `threads` worker threads. When params.global is already
// set (the caller ran FitPooledModels, e.g. to time it), those sets are used as they are. With a
// single series kAuto runs exactly as ForecastSeries (no pooled candidate); kGlobal then fits the
// pooled model on that one series (a per-series direct AR), which is an error when it has too few
// windows. Result i belongs to series i. Errors (whole call): invalid params, no series.
struct BatchOptions {
  int threads = 1;
  // Called after each finished series (from worker threads, serialised by the caller's lock).
  std::function<void(size_t done, size_t total)> progress;
};
Result<std::vector<Result<Forecast>>> ForecastBatch(std::span<const std::span<const double>> series,
                                                    const ForecastParams& params,
                                                    const BatchOptions& options = {});

}  // namespace streamlens::analysis::forecast
