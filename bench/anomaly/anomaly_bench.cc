// Micro-benchmarks: STL on one week of minute data (10,080 points, period 1440), the anomaly
// detector's priming and per-point cost, and DBSCAN on 50,000 x 4 standardised points.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "sidecar/analysis/anomaly/detector.h"
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

// The detector the daemon runs, on three weeks of minute data with daily and weekly cycles:
// priming a new series with seven days (what the daemon's first fit costs), and the amortised
// cost of one new point afterwards (what each inference cycle costs per series and point).
std::vector<double> ThreeWeeks() {
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3 * 10080);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool weekend = (i / 1440) % 7 >= 5;
    x[i] =
        1000 + 200 * std::sin(2 * M_PI * (i % 1440) / 1440.0) - (weekend ? 300 : 0) + 20 * g(rng);
  }
  return x;
}

void BM_DetectorPrimeSevenDays(benchmark::State& state) {
  const std::vector<double> x = ThreeWeeks();
  for (auto _ : state) {
    auto d = Detector::Create(DetectorSpec{});
    for (size_t i = 0; i < 10080; ++i) (*d)->Next(static_cast<int64_t>(i) * 60'000, x[i]);
    benchmark::DoNotOptimize((*d)->Serialize().size());
  }
}
BENCHMARK(BM_DetectorPrimeSevenDays)->Unit(benchmark::kMillisecond);

void BM_DetectorPerPoint(benchmark::State& state) {
  const std::vector<double> x = ThreeWeeks();
  auto d = Detector::Create(DetectorSpec{});
  for (size_t i = 0; i < 2 * 10080; ++i) (*d)->Next(static_cast<int64_t>(i) * 60'000, x[i]);
  size_t i = 2 * 10080;
  for (auto _ : state) {
    benchmark::DoNotOptimize((*d)->Next(static_cast<int64_t>(i) * 60'000, x[i % x.size()]));
    ++i;
  }
  state.counters["state_bytes"] = static_cast<double>((*d)->Serialize().size());
}
BENCHMARK(BM_DetectorPerPoint);

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
