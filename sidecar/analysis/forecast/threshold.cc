#include "sidecar/analysis/forecast/threshold.h"

#include <algorithm>
#include <cmath>

#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {

Result<ThresholdCrossing> TimeToThreshold(const Forecast& forecast, double last_value,
                                          const ThresholdParams& params) {
  if (forecast.mean.empty()) return Status::Error("time-to-threshold: the forecast is empty");
  if (forecast.sd.size() != forecast.mean.size()) {
    return Status::Error("time-to-threshold: forecast sd has " +
                         std::to_string(forecast.sd.size()) + " steps, mean has " +
                         std::to_string(forecast.mean.size()));
  }
  if (!std::isfinite(params.threshold)) {
    return Status::Error("time-to-threshold: threshold must be finite");
  }
  if (!std::isfinite(last_value)) {
    return Status::Error("time-to-threshold: last observed value must be finite");
  }
  if (!(params.step_seconds > 0.0)) {
    return Status::Error("time-to-threshold: step_seconds must be > 0");
  }
  const bool above = params.direction == ThresholdDirection::kAbove;
  // Signed distance to the threshold: >= 0 means crossed.
  auto beyond = [&](double v) { return above ? v - params.threshold : params.threshold - v; };
  ThresholdCrossing out;
  if (beyond(last_value) >= 0.0) {
    out.state = ThresholdCrossing::State::kAlreadyCrossed;
    out.steps_to_cross = 0.0;
    out.seconds_to_cross = 0.0;
    out.probability_within_horizon = 1.0;
    return out;
  }
  double prev = beyond(last_value);
  for (size_t h = 0; h < forecast.mean.size(); ++h) {
    const double cur = beyond(forecast.mean[h]);
    if (cur >= 0.0) {
      // Linear interpolation between step h (value prev) and step h+1 (value cur).
      const double frac = prev < cur ? -prev / (cur - prev) : 1.0;
      out.state = ThresholdCrossing::State::kWithinHorizon;
      out.steps_to_cross = static_cast<double>(h) + frac;
      out.seconds_to_cross = *out.steps_to_cross * params.step_seconds;
      break;
    }
    prev = cur;
  }
  double p = 0.0;
  for (size_t h = 0; h < forecast.mean.size(); ++h) {
    const double dist = beyond(forecast.mean[h]);
    double ph;
    if (forecast.sd[h] > 0.0) {
      ph = NormalCdf(dist / forecast.sd[h]);
    } else {
      ph = dist >= 0.0 ? 1.0 : 0.0;
    }
    p = std::max(p, ph);
  }
  out.probability_within_horizon = p;
  return out;
}

}  // namespace streamlens::analysis::forecast
