// batch_stl_score [SERIES] [THREADS]: the daemon's batch job on synthetic minute data — for each of
// SERIES series of one week (10,080 points, period 1440): robust STL of the week, then the causal
// scorer fitted on the first six days and scoring the last day (one more robust STL refit).
// Prints series per second.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>
#include <vector>

#include "sidecar/analysis/anomaly/causal_scorer.h"
#include "sidecar/analysis/decompose/stl.h"

using namespace streamlens::analysis;

int main(int argc, char** argv) {
  const int series = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  std::vector<double> checksum(threads, 0.0);
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<double> x(10080);
      std::vector<ScoredPoint> out(1440);
      for (int s = t; s < series; s += threads) {
        std::mt19937 rng(s);
        std::normal_distribution<double> g(0, 1);
        for (size_t i = 0; i < x.size(); ++i) {
          x[i] = 1000 + 0.01 * i + 200 * std::sin(2 * M_PI * (i % 1440) / 1440.0) + 20 * g(rng);
        }
        StlParams p;
        p.period = 1440;
        p.periodic = true;
        p.robust = true;
        auto d = Stl(x, p);
        CausalScorerParams sp;
        sp.period = 1440;
        sp.fit_window = 8640;
        auto sc = CausalScorer::Create(sp);
        sc->Fit(std::span<const double>(x.data(), 8640));
        sc->Update(std::span<const double>(x.data() + 8640, 1440), out);
        checksum[t] += d->trend.back() + out.back().score;
      }
    });
  }
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  double sum = 0;
  for (double c : checksum) sum += c;
  // cpu_seconds is the process CPU time of all threads: on a busy machine wall time overstates
  // the cost, and series / (cpu_seconds / threads) is what idle cores would sustain.
  std::printf(
      "batch: series=%d threads=%d seconds=%.3f series_per_second=%.1f cpu_seconds=%.3f "
      "cpu_bound_series_per_second=%.1f checksum=%.3f\n",
      series, threads, secs, series / secs, cpu, series / (cpu / threads), sum);
  return 0;
}
