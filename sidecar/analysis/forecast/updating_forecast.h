// UpdatingForecast: a fitted forecast kept current between refits, so the forecast, its bands, the
// time to a threshold and the breach probability follow every new observation.
//
// A refit produces a path (the model's mean, interval and standard deviation per forecast step
// after its origin). Each new observation is compared with that path; the deviations of the last
// `window` are fitted with a straight line (ordinary least squares on time). When its slope is
// significant (more than `min_t` standard errors) the forecast is re-anchored on the line's value
// at the latest observation and extended along the trend the new observations show but the fit
// did not (a consumer that stopped an hour after the refit); otherwise, when their mean deviation
// is significant, it is re-anchored on that level; noise around the path, or fewer than three
// observations, moves nothing. The uncertainty of the correction adds to the path's:
//   mean(tau) = path(t_last + tau) + a + b * tau
//   sd(tau)^2 = path_sd(t_last + tau)^2 + se_a^2 + (tau * se_b)^2
// Whether the model drifted (a refit would see what the fit did not) is tested once per window of
// new observations, windows not overlapping (from the origin on): drift is a mean deviation of the
// window beyond c standard deviations of the forecast at the latest observation (the path's sd
// there and the mean's standard error), c the two-sided Gaussian quantile for a false alarm once
// per `drift_alarm_every` of a series that follows the model (alpha = window / drift_alarm_every
// per window); the answer holds until the next window ends. A trend moves the window's mean and is
// drift once its level is beyond that band; a level shift is drift when its window ends.
// Between path steps the path is interpolated linearly (from the last fitted value at the
// origin); past its last step it stays at that step. A series that was never negative keeps its
// bands at or above 0. The path is kept as float offsets from its origin value (sd as float): half
// the bytes of doubles, and the precision of the path's movement rather than of its level
// (relative 6e-8 of the distance from the origin value). Pure; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/binary_io.h"
#include "common/status.h"

namespace streamlens::analysis::forecast {

struct ForecastPath {
  int64_t origin_ms = 0;             // time of the last observation the model was fitted on
  int64_t step_ms = 1;               // forecast step (> 0)
  double origin_value = 0;           // the fitted series' value at the origin
  std::vector<double> mean;          // mean[k]: step k + 1 after the origin
  std::vector<double> lower, upper;  // the widest interval (same length as mean)
  std::vector<double> sd;            // Gaussian-equivalent standard deviation per step
  double level = 0.95;               // the widest interval's level
  bool nonnegative = false;          // the fitted history was never negative
};

// What a threshold crossing is predicted from.
enum class ThresholdBasis {
  kForecast,  // the re-anchored forecast path (seasonal structure included)
  kTrend,     // the trajectory of the last window: its line when the slope is significant, else
              // its mean, with the scatter about it (predict_linear with a significance test)
};

struct UpdateParams {
  int64_t window_ms = 15 * 60'000;  // observations that set the correction line
  double min_t = 2;                 // a slope is used only beyond this many standard errors
  // Mean time between false drift alarms for a series that follows the model (Drifted).
  int64_t drift_alarm_every_ms = 86'400'000;
  ThresholdBasis threshold_basis = ThresholdBasis::kForecast;
};

struct ForecastPoint {
  double mean = 0, lower = 0, upper = 0, sd = 0;
};

struct ThresholdAnswer {
  bool breached = false;  // the latest observation is already beyond the threshold
  bool crosses = false;   // the mean crosses within the horizon (true when breached)
  double seconds = 0;     // from the latest observation to the crossing (0 when breached)
  // Probability of being beyond the threshold at some time within each requested horizon: the
  // largest per-time Gaussian probability (exact for perfectly correlated errors, as for lag).
  std::vector<double> probability;
};

// The recent observations' own line (level at the latest observation, slope per ms) or, without a
// significant slope, their mean; noise_sd is their scatter about it.
struct Trajectory {
  bool valid = false;
  double level = 0, se_level = 0, slope = 0, se_slope = 0, noise_sd = 0;
};

class UpdatingForecast {
 public:
  // Errors name the field: empty path, lengths that differ, step <= 0, window <= 0,
  // drift_alarm_every <= 0.
  static Result<UpdatingForecast> Create(ForecastPath path, UpdateParams params);

  // Learns an observation (NaN, or a time not after the latest, is ignored). Observations at or
  // before the origin (the fit's last points) set the first correction.
  void Observe(int64_t t_ms, double y);

  // The forecast tau_ms after the latest observation.
  ForecastPoint At(int64_t tau_ms) const;
  // The latest observation (the origin before any).
  int64_t latest_ms() const;
  double latest_value() const { return latest_value_; }
  int64_t horizon_ms() const;  // how far ahead of the latest observation the path reaches
  // The last complete window of observations moved beyond the forecast's own uncertainty (the
  // test above): a refit would see what the fit did not. False until a window completes, and
  // after Load until the next one does.
  bool Drifted() const { return drifted_; }

  // Crossing of `value` (above: y >= value; else y <= value) searched every `resolution_ms` up to
  // the path's horizon, with the breach probability within each of `horizons_ms`, predicted from
  // params.threshold_basis (the trend basis falls back to the path below three observations).
  ThresholdAnswer Threshold(double value, bool above, int64_t resolution_ms,
                            const std::vector<int64_t>& horizons_ms) const;

  void Save(StateWriter& w) const;
  static Result<UpdatingForecast> Load(StateReader& r, UpdateParams params);

  // Bytes this object holds, its own size included.
  size_t MemoryBytes() const;

 private:
  // ForecastPath with mean, lower and upper as offsets from origin_value, all as floats.
  struct StoredPath {
    int64_t origin_ms = 0;
    int64_t step_ms = 1;
    double origin_value = 0;
    double level = 0.95;
    bool nonnegative = false;
    std::vector<float> mean, lower, upper, sd;
  };
  static StoredPath Store(const ForecastPath& p);

  UpdatingForecast(const ForecastPath& path, UpdateParams params);
  void Refresh();
  void TestDrift();
  ForecastPoint TrajectoryAt(int64_t tau_ms) const;
  // The path's value at t_ms, interpolated between steps: base + v (base at the origin).
  double PathValue(int64_t t_ms, const std::vector<float>& v, double base) const;
  double MeanAt(int64_t t_ms) const { return PathValue(t_ms, path_.mean, path_.origin_value); }

  StoredPath path_;
  UpdateParams params_;
  int64_t latest_ms_;
  double latest_value_;
  double z_;  // the normal quantile of the path's widest interval (path_.level)
  std::deque<std::pair<int64_t, double>> recent_;  // (t, y - path) within the window
  // The correction line at the latest observation: a + b * tau, with standard errors.
  double a_ = 0, b_ = 0, se_a_ = 0, se_b_ = 0;
  Trajectory trajectory_;          // of the recent observations themselves (ThresholdBasis::kTrend)
  int64_t drift_window_start_ms_;  // the drift test's current window: (start, start + window]
  bool drifted_ = false;           // the last complete window's answer
};

}  // namespace streamlens::analysis::forecast
