// Time-to-threshold: when does a forecast cross a limit (e.g. consumer lag of 180 s), and how
// likely is a crossing within the forecast horizon? Answers "how much room do I have before the
// SLA is missed?". Pure and thread-safe.
//
// "Never within the horizon" is its own state (Crossing::kNotWithinHorizon with steps_to_cross
// empty), never a sentinel number: publishers should omit the time series or export +Inf with a
// separate 0/1 "within horizon" gauge, but must not invent a value.
#pragma once

#include <optional>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

enum class ThresholdDirection { kAbove, kBelow };  // crossing means value >= / <= threshold

struct ThresholdParams {
  double threshold = 0.0;
  ThresholdDirection direction = ThresholdDirection::kAbove;
  double step_seconds = 1.0;  // sampling interval, to express the time in seconds (> 0)
};

struct ThresholdCrossing {
  enum class State {
    kAlreadyCrossed,    // the last observation is already at or beyond the threshold
    kWithinHorizon,     // the point forecast reaches the threshold within the horizon
    kNotWithinHorizon,  // the point forecast stays on the safe side for the whole horizon
  };
  State state = State::kNotWithinHorizon;
  // Steps after the last observation at which the point forecast reaches the threshold, linearly
  // interpolated between steps (0 when already crossed); empty when kNotWithinHorizon.
  std::optional<double> steps_to_cross;
  std::optional<double> seconds_to_cross;  // steps_to_cross * step_seconds
  // Probability that the series is beyond the threshold at some step within the horizon, from the
  // per-step Gaussian forecast distribution (mean, sd): the largest per-step probability, which
  // is a lower bound of the path probability and exact when the forecast errors are perfectly
  // correlated across steps (as for random-walk-like series such as lag). 1 when already crossed.
  double probability_within_horizon = 0.0;
};

// Errors: empty forecast, mean/sd of different lengths, non-finite threshold or last value,
// step_seconds <= 0.
Result<ThresholdCrossing> TimeToThreshold(const Forecast& forecast, double last_value,
                                          const ThresholdParams& params);

}  // namespace streamlens::analysis::forecast
