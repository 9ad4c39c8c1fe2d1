// Micro-benchmarks: STL on one week of minute data (10,080 points, period 1440), the causal
// scorer's per-point cost and its single- vs multi-seasonal refit on three weeks, and DBSCAN on
// 50,000 x 4 standardised points.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "sidecar/analysis/anomaly/causal_scorer.h"
#include "sidecar/analysis/decompose/stl.h"
#include "sidecar/analysis/outliers/dbscan.h"

namespace {

using namespace streamlens::analysis;

std::vector<double> Week(uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(10080);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = 1000 + 0.01 * i + 200 * std::sin(2 * M_PI * (i % 1440) / 1440.0) + 20 * g(rng);
  }
  return x;
}

void BM_StlWeekPeriodic(benchmark::State& state) {
  const std::vector<double> x = Week(1);
  StlParams p;
  p.period = 1440;
  p.periodic = true;
  p.robust = state.range(0) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(Stl(x, p));
}
BENCHMARK(BM_StlWeekPeriodic)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_StlWeekWindow7(benchmark::State& state) {
  const std::vector<double> x = Week(1);
  StlParams p;
  p.period = 1440;
  p.seasonal_window = 7;
  p.robust = state.range(0) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(Stl(x, p));
}
BENCHMARK(BM_StlWeekWindow7)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_CausalScorerPerPoint(benchmark::State& state) {
  const std::vector<double> x = Week(2);
  CausalScorerParams p;
  p.period = static_cast<int>(state.range(0));
  auto s = CausalScorer::Create(p);
  std::vector<ScoredPoint> out(x.size());
  for (auto _ : state) {
    s->Fit(std::span<const double>(x.data(), 5760));
    s->Update(std::span<const double>(x.data() + 5760, x.size() - 5760),
              std::span<ScoredPoint>(out.data(), x.size() - 5760));
  }
  state.SetItemsProcessed(state.iterations() * (x.size() - 5760));
}
BENCHMARK(BM_CausalScorerPerPoint)->Arg(0)->Arg(1440)->Unit(benchmark::kMillisecond);

// Multi-seasonal refit for minute data with daily and weekly cycles: Fit() on three weeks
// (30,240 points, the default history for extra period 10080) runs one robust periodic MSTL
// (1440 + 10080); the single-period refit on the same history for comparison (Arg 0).
void BM_CausalScorerFitThreeWeeks(benchmark::State& state) {
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3 * 10080);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool weekend = (i / 1440) % 7 >= 5;
    x[i] =
        1000 + 200 * std::sin(2 * M_PI * (i % 1440) / 1440.0) - (weekend ? 300 : 0) + 20 * g(rng);
  }
  CausalScorerParams p;
  p.period = 1440;
  p.fit_window = static_cast<int>(x.size());
  if (state.range(0) != 0) p.extra_periods = {10080};
  auto s = CausalScorer::Create(p);
  for (auto _ : state) s->Fit(x);
}
BENCHMARK(BM_CausalScorerFitThreeWeeks)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_Dbscan50k4d(benchmark::State& state) {
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 1);
  std::uniform_real_distribution<double> u(-4, 4);
  std::vector<double> rows;
  for (int i = 0; i < 50000; ++i) {
    const int c = i % 5;
    for (int k = 0; k < 4; ++k)
      rows.push_back(i % 10 == 0 ? u(rng) : (c - 2) * 0.8 + 0.25 * g(rng));
  }
  for (auto _ : state) benchmark::DoNotOptimize(Dbscan(rows, 4, {0.1, 10}));
}
BENCHMARK(BM_Dbscan50k4d)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
