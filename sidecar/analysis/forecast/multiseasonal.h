// Multiple-seasonality forecasting by deseasonalisation: seasonal figures for each period
// (longest last, each estimated by classical decomposition on the most recent cycles of what the
// shorter ones leave) are removed, a non-seasonal ETS (chosen by AICc among A,N,N / A,A,N /
// A,Ad,N, or a non-seasonal ARIMA) forecasts the remainder, and the figures are added back.
// Strictly positive series are modelled in log space (multiplicative seasonality, positive
// forecasts; intervals are exp of the log-space intervals). This is the "deseasonalise + model the
// remainder" route of the forecasting issue; with periods {24, 168} it captures the daily and
// weekly cycles of hourly data. Pure and thread-safe.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/arima.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

struct MultiSeasonalParams {
  std::vector<int> periods;  // seasonal periods in samples (values < 2 and unusable ones ignored)
  int horizon = 48;
  std::vector<double> levels = {0.8, 0.95};
  // Seasonal figures are estimated on at most this many most recent cycles of each period.
  int max_cycles = 12;
  bool log_transform = true;  // applied only when every value is > 0
  // Remainder model: kSes = A,N,N only (the default: local trends of deseasonalised hourly
  // series rarely persist for a day or two), kDamped = A,Ad,N, kAicc = best of A,N,N/A,A,N/A,Ad,N,
  // kArima = non-seasonal auto.arima (p, q <= 3, d by KPSS), which also models the short-term
  // autocorrelation the seasonal figures leave (e.g. a busy morning continuing into the afternoon).
  enum class Remainder { kSes, kDamped, kAicc, kArima };
  Remainder remainder = Remainder::kSes;
  // kArima only: when set, the remainder ARIMA has these orders and is fitted by CSS (no search;
  // ~10x cheaper, for refits at validation origins); otherwise the search's orders are stored in
  // *searched_order when that pointer is non-null.
  std::optional<ArimaOrder> remainder_order;
  ArimaOrder* searched_order = nullptr;
};

// Errors: fewer than 8 observations, non-finite values. Periods need two full cycles to be used;
// with none usable the result is a non-seasonal ETS forecast.
Result<Forecast> MultiSeasonalForecast(std::span<const double> y, const MultiSeasonalParams& p);

}  // namespace streamlens::analysis::forecast
