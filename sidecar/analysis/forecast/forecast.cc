#include "sidecar/analysis/forecast/forecast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sidecar/analysis/forecast/baselines.h"
#include "sidecar/analysis/forecast/ets.h"

namespace streamlens::analysis::forecast {
namespace {

Status ValidateParams(const ForecastParams& p) {
  if (p.horizon < 1) return Status::Error("horizon must be >= 1, got " + std::to_string(p.horizon));
  if (p.season < 1) return Status::Error("season must be >= 1, got " + std::to_string(p.season));
  for (int s : p.extra_seasons) {
    if (s < 2) return Status::Error("extra season must be >= 2, got " + std::to_string(s));
  }
  for (double l : p.levels) {
    if (!(l > 0.0 && l < 1.0)) {
      return Status::Error("interval level must be in (0, 1), got " + std::to_string(l));
    }
  }
  return Status::Ok();
}

Forecast FlatForecast(double value, const ForecastParams& p) {
  Forecast fc;
  fc.model = "constant";
  fc.mean.assign(p.horizon, value);
  fc.sd.assign(p.horizon, 0.0);
  for (double l : p.levels) {
    fc.intervals.push_back(PredictionInterval{l, fc.mean, fc.mean});
  }
  return fc;
}

Result<Forecast> RunEts(std::span<const double> y, const ForecastParams& p) {
  EtsParams ep;
  ep.period = p.season;
  Result<EtsModel> model = FitEts(y, ep);
  if (!model.ok()) return model.status();
  return ForecastEts(*model, p.horizon, p.levels);
}

Result<Forecast> RunSingle(std::span<const double> y, const ForecastParams& p, ModelKind kind) {
  switch (kind) {
    case ModelKind::kEts:
      return RunEts(y, p);
    case ModelKind::kTheta:
      return ThetaForecast(y, p.season, p.horizon, p.levels);
    case ModelKind::kSnaive:
      return SeasonalNaiveForecast(y, p.season, p.horizon, p.levels);
    case ModelKind::kNaive:
      return SeasonalNaiveForecast(y, 1, p.horizon, p.levels);
    default:
      return Status::Error(std::string("model ") + ModelKindName(kind) + " is not available");
  }
}

}  // namespace

Result<ModelKind> ParseModelKind(const std::string& name) {
  for (ModelKind k : {ModelKind::kAuto, ModelKind::kEts, ModelKind::kTheta, ModelKind::kSnaive,
                      ModelKind::kNaive}) {
    if (name == ModelKindName(k)) return k;
  }
  return Status::Error("model \"" + name + "\": expected auto|ets|theta|snaive|naive");
}

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kAuto:
      return "auto";
    case ModelKind::kEts:
      return "ets";
    case ModelKind::kArima:
      return "arima";
    case ModelKind::kTheta:
      return "theta";
    case ModelKind::kProphet:
      return "prophet";
    case ModelKind::kSnaive:
      return "snaive";
    case ModelKind::kNaive:
      return "naive";
  }
  return "unknown";
}

Result<Forecast> ForecastSeries(std::span<const double> y, const ForecastParams& params) {
  STREAMLENS_RETURN_IF_ERROR(ValidateParams(params));
  if (y.empty()) return Status::Error("series is empty");
  for (size_t t = 0; t < y.size(); ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("observation " + std::to_string(t) + " is not finite (NaN or inf)");
    }
  }
  if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; })) {
    return FlatForecast(y[0], params);
  }
  return RunSingle(y, params, params.model);
}

}  // namespace streamlens::analysis::forecast
