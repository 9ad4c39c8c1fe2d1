#include "sidecar/analysis/forecast/multiseasonal.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sidecar/analysis/forecast/auto_arima.h"
#include "sidecar/analysis/forecast/ets.h"
#include "sidecar/analysis/forecast/seasonality.h"

namespace streamlens::analysis::forecast {

namespace {

Result<Forecast> ForecastRemainderEts(std::span<const double> remainder,
                                      const MultiSeasonalParams& p) {
  EtsParams ep;
  ep.period = 1;
  ep.allow_multiplicative = false;
  std::optional<EtsModel> best;
  for (EtsTrend tr : {EtsTrend::kNone, EtsTrend::kAdditive, EtsTrend::kAdditiveDamped}) {
    if (p.remainder == MultiSeasonalParams::Remainder::kSes && tr != EtsTrend::kNone) continue;
    if (p.remainder == MultiSeasonalParams::Remainder::kDamped && tr != EtsTrend::kAdditiveDamped) {
      continue;
    }
    ep.spec = EtsSpec{EtsError::kAdditive, tr, EtsSeason::kNone};
    Result<EtsModel> fit = FitEts(remainder, ep);
    if (fit.ok() && (!best || fit->aicc < best->aicc)) best = std::move(fit.value());
  }
  if (!best) return Status::Error("mstl-ets: the remainder model could not be fitted");
  return ForecastEts(*best, p.horizon, p.levels);
}

}  // namespace

Result<Forecast> MultiSeasonalForecast(std::span<const double> y, const MultiSeasonalParams& p) {
  const int n = static_cast<int>(y.size());
  if (n < 8)
    return Status::Error("mstl-ets: need at least 8 observations, got " + std::to_string(n));
  for (int t = 0; t < n; ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("mstl-ets: observation " + std::to_string(t) + " is not finite");
    }
  }
  const bool use_log = p.log_transform && *std::min_element(y.begin(), y.end()) > 0.0;
  std::vector<double> x(y.begin(), y.end());
  if (use_log) {
    for (double& v : x) v = std::log(v);
  }
  std::vector<int> periods;
  for (int per : p.periods) {
    if (per >= 2 && n >= 2 * per) periods.push_back(per);
  }
  std::sort(periods.begin(), periods.end());
  periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  // Seasonal component per period, evaluated in-sample (for removal) and out of sample.
  std::vector<double> future_season(p.horizon, 0.0);
  std::vector<double> remainder = x;
  std::string name = "mstl-ets(";
  for (size_t k = 0; k < periods.size(); ++k) {
    const int per = periods[k];
    const int len = std::min(n, std::max(2, p.max_cycles) * per);
    const int offset = n - len;
    std::span<const double> recent(remainder.data() + offset, len);
    std::vector<double> fig = ClassicalSeasonalFigure(recent, per, false);
    for (int t = 0; t < n; ++t) remainder[t] -= fig[(((t - offset) % per) + per) % per];
    for (int h = 0; h < p.horizon; ++h) future_season[h] += fig[(n + h - offset) % per];
    name += (k ? "," : "") + std::to_string(per);
  }
  name += ")";
  Forecast fc;
  if (p.remainder == MultiSeasonalParams::Remainder::kArima) {
    if (p.remainder_order) {
      ArimaFitParams fp;
      fp.order = *p.remainder_order;
      fp.method = ArimaMethod::kCss;
      Result<ArimaModel> fit = FitArima(remainder, fp);
      if (!fit.ok()) return Status::Error("mstl-arima: " + fit.status().message());
      fc = ForecastArima(*fit, p.horizon, p.levels);
    } else {
      AutoArimaParams ap;
      ap.period = 1;
      ap.max_p = ap.max_q = 3;
      Result<AutoArimaResult> fit = AutoArima(remainder, ap);
      if (!fit.ok()) return Status::Error("mstl-arima: " + fit.status().message());
      if (p.searched_order != nullptr) *p.searched_order = fit->model.order;
      fc = ForecastArima(fit->model, p.horizon, p.levels);
    }
    name = "mstl-arima" + name.substr(std::string("mstl-ets").size());
  } else {
    Result<Forecast> ets = ForecastRemainderEts(remainder, p);
    if (!ets.ok()) return ets.status();
    fc = std::move(ets.value());
  }
  fc.model = name;
  for (int h = 0; h < p.horizon; ++h) {
    fc.mean[h] += future_season[h];
    for (PredictionInterval& pi : fc.intervals) {
      pi.lower[h] += future_season[h];
      pi.upper[h] += future_season[h];
    }
  }
  if (use_log) {
    for (int h = 0; h < p.horizon; ++h) {
      const double m = std::exp(fc.mean[h]);
      // Delta method for the sd of exp(X).
      fc.sd[h] = m * fc.sd[h];
      fc.mean[h] = m;
      for (PredictionInterval& pi : fc.intervals) {
        pi.lower[h] = std::exp(pi.lower[h]);
        pi.upper[h] = std::exp(pi.upper[h]);
      }
    }
  }
  return fc;
}

}  // namespace streamlens::analysis::forecast
