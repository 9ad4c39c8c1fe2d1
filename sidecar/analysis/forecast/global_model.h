// Global (pooled, cross-learned) forecasting model: one direct multi-horizon ridge regression
// fitted on windows of many series at once, the idea the M4/M5 winners (ES-RNN, N-BEATS,
// LightGBM-style pooled models) share, in its simplest linear form.
//
// For every series and every training origin t (subsampled by `origin_stride`), the features are
// the last `lags` values x[t - lags + 1 .. t] and the targets the next `horizon` values
// x[t + 1 .. t + horizon], both normalised by the window's own level (see GlobalNormalization),
// plus an unpenalised intercept. One Gram matrix X'X ((lags + 1)^2) is shared by all horizons,
// so the fit is a single Cholesky (LDLT) solve with `horizon` right-hand sides. The forecast is
// the denormalised prediction from a series' last `lags` points. Prediction intervals come from
// empirical quantiles of the normalised in-sample residuals per horizon step, pooled across
// series and scaled back with the window's level.
//
// Leakage: FitGlobalModels fits one model per "truncation" T: model T sees, of every series of
// length n, only the windows whose targets end at or before n - T, i.e. exactly what a forecast
// made at origin n - T could have known of each series (relative to each series' end: M4 has no
// timestamps). The Gram matrices are nested, so K truncations cost about one fit. The automatic
// default validates the pooled candidate at origin n - T with model T and forecasts from all
// data with model 0.
//
// Pure and thread-safe: a fitted GlobalModel is immutable; Predict may run concurrently.
#pragma once

#include <Eigen/Dense>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

// How a window (features and targets) is normalised by its last `level_window` feature values.
enum class GlobalNormalization {
  kNone,         // raw values (a pooled linear AR; for tests and already-normalised data)
  kRatio,        // x / mean(last level_window values); windows with a mean <= 0 are skipped
  kLog,          // log(x) - mean(log(last level_window values)); windows with a value <= 0 skipped
  kStandardize,  // (x - mean(last level_window)) / sd(all lags); windows with sd 0 are skipped
  // (log(x) - mean(log(last level_window))) / sd(log(all lags)); non-positive values or zero
  // spread are skipped
  kLogStandardize,
};

struct GlobalModelParams {
  int horizon = 48;  // steps predicted directly, >= 1
  int lags = 168;    // feature values per window, >= 1
  // Only read by FitPooledModels (forecast.h) when lags == 0: lags = lag_cycles x the longest
  // seasonal period (or the horizon if that is longer), rounded to the nearest whole number of
  // primary seasons (at least one).
  double lag_cycles = 1.0;
  int level_window = 24;  // values (from the window's end) that set the normalisation level
  GlobalNormalization normalization = GlobalNormalization::kRatio;
  // Use every origin_stride-th training origin (aligned to each series' end), >= 1.
  int origin_stride = 1;
  // Ridge penalty on the lag coefficients, relative to the mean diagonal of X'X (the intercept is
  // not penalised), >= 0.
  double ridge = 1e-3;
  // A model needs at least min_windows_per_feature * (lags + 1) training windows; fewer is an
  // error for that truncation (e.g. a single short series).
  int min_windows_per_feature = 3;
  std::vector<double> levels = {0.8, 0.95};  // interval coverages, each in (0, 1)
  // In-sample residuals used for the interval quantiles (evenly subsampled windows).
  int max_residual_windows = 10000;
  // Per-series interval scale. A series' error scale is the mean absolute normalised error (all
  // horizon steps) of the model's forecasts from the series' own last `interval_scale_origins`
  // windows whose targets all lie inside its history (origins horizon / 2 apart). The interval
  // quantiles are then quantiles of in-sample residuals divided by their series' scale, and
  // Predict multiplies them by the scale of the history it is given (clamped to [0.1, 10] x the
  // median scale of the training series; that median when the history has no such window).
  // 0 = quantiles of the raw pooled residuals, the same for every series. Point forecasts are
  // not affected.
  int interval_scale_origins = 8;
  // Deseasonalised variant ("dslog" / "dslogstd" in ParseGlobalModels, i.e. kLog /
  // kLogStandardize; needs one of them): every
  // series (every truncated copy when fitting per truncation) is divided by its multiplicative
  // seasonal profile over `periods` (SeasonalLogProfile) before the windows are taken, and
  // Predict multiplies the profile back onto the forecast. The profile of a truncated series only
  // uses that series' points, so each truncation is a separate fit (no nested Gram matrices):
  // about (truncations) times the cost of a plain model. Series with a value <= 0 are left out.
  bool deseasonalize = false;
  std::vector<int> periods;  // seasonal periods (FitPooledModels fills them from ForecastParams)
};

// Multiplicative seasonal profile of a positive series, in log units: entry j is the seasonal
// log figure of every point i with (i - n) mod P == j, P = the longest of `periods` that is a
// multiple of the shortest (P = the shortest otherwise). Estimated as the centred mean log
// profile of the shortest period over its last up to 12 whole cycles, plus, when P is longer and
// the series holds two of its cycles, 0.7 x the centred mean profile of what remains over the last
// up to 4 cycles of P. Empty when a value is <= 0 or not finite, no period is >= 2, or the series
// is shorter than two cycles of the shortest period.
std::vector<double> SeasonalLogProfile(std::span<const double> y, std::span<const int> periods);

class GlobalModel {
 public:
  // Forecast from the last `lags` points of `history` (more are allowed, earlier ones unused).
  // Errors: fewer than `lags` points, non-finite values, a window the normalisation cannot handle
  // (level <= 0 for kRatio, a value <= 0 for kLog, zero spread for kStandardize).
  Result<Forecast> Predict(std::span<const double> history) const;

  const GlobalModelParams& params() const { return params_; }
  // (lags + 1) x horizon: row j < lags is the coefficient of the value j steps before the
  // window's last one (row 0 = the last value), row `lags` the intercept (normalised units).
  const Eigen::MatrixXd& coefficients() const { return coef_; }
  int windows() const { return windows_; }  // training windows used

 private:
  // Predict on (already deseasonalised) values.
  Result<Forecast> PredictWindow(std::span<const double> history) const;
  // The factor the interval quantiles are multiplied by for `history` (already
  // deseasonalised): 1 when interval_scale_origins is 0.
  double SeriesIntervalScale(std::span<const double> history) const;
  friend class GlobalModelFitter;  // FitGlobalModels' steps (global_model.cc)
  GlobalModelParams params_;
  Eigen::MatrixXd coef_;
  // [level][h]: lower / upper normalised-residual quantiles.
  std::vector<std::vector<double>> q_lower_, q_upper_;
  double typical_scale_ = 1.0;  // median error scale of the training series (see params)
  int windows_ = 0;
};

// Normalisation of one window, z = (T(x) - a) / b with T = log for kLog / kLogStandardize and
// the identity otherwise (kRatio: a = 0, b = level): WindowLevel computes (a, b) from the window's
// feature values (oldest first) and returns false when the normalisation is undefined for them;
// NormalizeValue / DenormalizeValue apply the map and its inverse. Round trip is exact up to
// rounding for values the map accepts (kLog: positive values).
bool WindowLevel(std::span<const double> features, const GlobalModelParams& params, double* a,
                 double* b);
double NormalizeValue(double x, double a, double b, GlobalNormalization normalization);
double DenormalizeValue(double z, double a, double b, GlobalNormalization normalization);

// Fits one model per truncation (see the header comment). Result i belongs to truncations[i];
// it is an error when that truncation leaves too few windows. Series with non-finite values are
// left out of the fit. Errors (whole call): invalid params, a negative truncation, no series.
Result<std::vector<Result<GlobalModel>>> FitGlobalModels(
    std::span<const std::span<const double>> series, std::span<const int> truncations,
    const GlobalModelParams& params);

// Parses "NORM:CYCLES[:RIDGE],..." (NORM = ratio|log|logstd|standardize|none, or dslog = log and
// dslogstd = logstd with deseasonalize set; CYCLES in (0, 100]
// sets lag_cycles with lags = 0, RIDGE >= 0) into one GlobalModelParams per item, other fields at
// their defaults. Errors name the offending item.
Result<std::vector<GlobalModelParams>> ParseGlobalModels(const std::string& spec);
std::string GlobalModelsSpec(const std::vector<GlobalModelParams>& models);

// A set of pooled models keyed by truncation, as the automatic default consumes it.
struct GlobalModelSet {
  std::string name = "global";  // candidate name in `auto`
  std::vector<int> truncations;
  std::vector<Result<GlobalModel>> models;
  // The model fitted without the last `truncation` points of each series, or nullptr.
  const GlobalModel* Find(int truncation) const;
  // The error for `truncation` (or "not fitted").
  Status ErrorFor(int truncation) const;
};

}  // namespace streamlens::analysis::forecast
