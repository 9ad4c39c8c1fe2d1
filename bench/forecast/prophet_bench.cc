// Prophet-style model: fit + 48-step forecast of a 10,000-point series (daily and weekly
// seasonality of hourly-like data, 25 changepoints, 300 trend simulations). Goal: < 20 ms on one
// core. Also ETS (AICc selection over the family) and auto ARIMA (stepwise, CSS search then
// CSS-ML refit) on one 700-point hourly-like series, and one seasonal ARIMA CSS-ML fit.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "sidecar/analysis/forecast/auto_arima.h"
#include "sidecar/analysis/forecast/ets.h"
#include "sidecar/analysis/forecast/prophet.h"

namespace {

namespace fc = streamlens::analysis::forecast;

std::vector<double> Series(int n) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0.0, 2.0);
  std::vector<double> y;
  for (int t = 0; t < n; ++t) {
    y.push_back(100.0 + 0.01 * t + 20.0 * std::sin(2 * M_PI * t / 24.0) +
                ((t / 24) % 7 >= 5 ? -15.0 : 0.0) + noise(rng));
  }
  return y;
}

void BM_ProphetFitForecast10k(benchmark::State& state) {
  const std::vector<double> y = Series(10000);
  fc::ProphetParams p;
  p.horizon = 48;
  p.seasonalities = {{24.0, 10}, {168.0, 5}};
  for (auto _ : state) {
    auto r = fc::ProphetForecast(y, p);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ProphetFitForecast10k)->Unit(benchmark::kMillisecond);

void BM_EtsAutoHourly700(benchmark::State& state) {
  std::vector<double> y = Series(700);
  fc::EtsParams p;
  p.period = 24;
  for (auto _ : state) {
    auto m = fc::FitEts(y, p);
    auto f = fc::ForecastEts(*m, 48, std::vector<double>{0.8, 0.95});
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_EtsAutoHourly700)->Unit(benchmark::kMillisecond);

void BM_AutoArimaHourly700(benchmark::State& state) {
  std::vector<double> y = Series(700);
  fc::AutoArimaParams p;
  p.period = 24;
  for (auto _ : state) {
    auto m = fc::AutoArima(y, p);
    auto f = fc::ForecastArima(m->model, 48, std::vector<double>{0.8, 0.95});
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_AutoArimaHourly700)->Unit(benchmark::kMillisecond);

// ARIMA(1,0,1)(2,1,0)[24]: a 49-dimensional state, the costliest exact-likelihood fit the
// stepwise search refits on hourly data.
void BM_ArimaCssMlSeasonal700(benchmark::State& state) {
  std::vector<double> y = Series(700);
  fc::ArimaFitParams p;
  p.order = {1, 0, 1, 2, 1, 0, 24, false};
  for (auto _ : state) {
    auto m = fc::FitArima(y, p);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_ArimaCssMlSeasonal700)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
