// Value types shared by every forecasting model: a point forecast with per-step spread and
// prediction intervals. Plain values, copyable, no invariants beyond equal lengths.
#pragma once

#include <string>
#include <vector>

namespace streamlens::analysis::forecast {

struct PredictionInterval {
  double level = 0.0;         // coverage probability in (0, 1), e.g. 0.8 or 0.95
  std::vector<double> lower;  // one value per forecast step
  std::vector<double> upper;
};

struct Forecast {
  std::string model;         // e.g. "ETS(M,Ad,M)", "snaive", "theta", "prophet", "auto:ets+snaive"
  std::vector<double> mean;  // point forecast for steps 1..horizon
  // Standard deviation of the forecast distribution per step (Gaussian-equivalent for models whose
  // intervals come from simulation: (upper - lower) of the widest interval / (2 z)).
  std::vector<double> sd;
  std::vector<PredictionInterval> intervals;  // in the order of ForecastParams::levels
};

}  // namespace streamlens::analysis::forecast
