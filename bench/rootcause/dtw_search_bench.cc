// Ranks 10,000 candidate series of 1,440 points (one day at 1-minute resolution) against one
// target by DTW (z-normalized, Sakoe-Chiba band 10%): pruned search (LB_Kim, LB_Keogh both
// ways, early abandoning) against the exhaustive unpruned ranking on the same input. Checks the
// top-k of both are identical and prints the speed ratio.
//
// Usage: bench_rootcause_dtw [--candidates=N] [--length=N] [--threads=N] [benchmark flags]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <vector>

#include "sidecar/analysis/rootcause/dtw.h"

namespace {

using streamlens::analysis::rootcause::DtwSearch;
using streamlens::analysis::rootcause::DtwSearchParams;
using streamlens::analysis::rootcause::DtwSearchResult;

size_t g_candidates = 10000;
size_t g_length = 1440;
int g_threads = 2;
std::vector<double> g_target, g_all;

// Metric-like candidates: daily cycles with noise, random walks, step changes, spiky counters,
// and 1% time-shifted noisy copies of the target (the series a ranking should find).
void MakeData() {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> g(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  const size_t n = g_length;
  g_target.resize(n);
  for (size_t t = 0; t < n; ++t) {
    g_target[t] = 10 + 3 * std::sin(2 * M_PI * t / 1440.0) + 0.3 * g(rng) + (t > 1000 ? 4.0 : 0.0);
  }
  g_all.resize(g_candidates * n);
  for (size_t r = 0; r < g_candidates; ++r) {
    double* c = g_all.data() + r * n;
    const int kind = static_cast<int>(r % 100 == 7 ? 4 : static_cast<int>(u(rng) * 4));
    const double phase = u(rng) * 1440;
    double v = 0;
    const size_t step_at = static_cast<size_t>(u(rng) * n);
    const int shift = static_cast<int>(u(rng) * 40) - 20;
    for (size_t t = 0; t < n; ++t) {
      switch (kind) {
        case 0:
          c[t] = std::sin(2 * M_PI * (t + phase) / 1440.0) + 0.3 * g(rng);
          break;
        case 1:
          c[t] = (v += g(rng));
          break;
        case 2:
          c[t] = (t > step_at ? 3.0 : 0.0) + g(rng);
          break;
        case 3:
          c[t] = u(rng) < 0.02 ? 10 + g(rng) : 0.5 * g(rng);
          break;
        default: {
          const long s =
              std::clamp<long>(static_cast<long>(t) - shift, 0, static_cast<long>(n) - 1);
          c[t] = g_target[s] + 0.5 * g(rng);
        }
      }
    }
  }
}

DtwSearchParams Params(bool prune, size_t k) {
  DtwSearchParams p;
  p.prune = prune;
  p.top_k = k;
  p.num_threads = g_threads;
  return p;
}

void BM_DtwSearchPruned(benchmark::State& state) {
  const size_t k = static_cast<size_t>(state.range(0));
  DtwSearchResult last;
  for (auto _ : state) {
    auto r = DtwSearch(g_target, g_all, Params(true, k));
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    last = std::move(*r);
    benchmark::DoNotOptimize(last.matches.data());
  }
  state.counters["full_dtw"] = static_cast<double>(last.stats.full_dtw);
  state.counters["abandoned"] = static_cast<double>(last.stats.abandoned);
  state.counters["lb_pruned"] = static_cast<double>(
      last.stats.pruned_by_kim + last.stats.pruned_by_keogh + last.stats.pruned_by_keogh_rev);
}
BENCHMARK(BM_DtwSearchPruned)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--candidates=", 13) == 0) {
      g_candidates = std::strtoul(argv[i] + 13, nullptr, 10);
    } else if (std::strncmp(argv[i], "--length=", 9) == 0) {
      g_length = std::strtoul(argv[i] + 9, nullptr, 10);
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      g_threads = std::atoi(argv[i] + 10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  MakeData();
  std::printf("candidates=%zu length=%zu threads=%d band=10%%\n", g_candidates, g_length,
              g_threads);

  // Exhaustive reference (every DTW computed to the end), then the pruned search, on the same
  // input, once each with wall-clock timing; then compare rankings.
  using Clock = std::chrono::steady_clock;
  // std::clock() is process CPU time (all threads): the machine may be shared, so both wall
  // and CPU seconds are printed.
  auto t0 = Clock::now();
  std::clock_t c0 = std::clock();
  auto full = DtwSearch(g_target, g_all, Params(false, 0));
  auto t1 = Clock::now();
  const double full_cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  if (!full.ok()) {
    std::fprintf(stderr, "exhaustive search failed: %s\n", full.status().message().c_str());
    return 1;
  }
  const double full_s = std::chrono::duration<double>(t1 - t0).count();
  bool identical = true;
  double pruned_s_k10 = 0, pruned_cpu_k10 = 0;
  for (size_t k : {1u, 10u, 100u}) {
    auto t2 = Clock::now();
    std::clock_t c2 = std::clock();
    auto pruned = DtwSearch(g_target, g_all, Params(true, k));
    auto t3 = Clock::now();
    const double cpu = static_cast<double>(std::clock() - c2) / CLOCKS_PER_SEC;
    if (!pruned.ok()) return 1;
    const double s = std::chrono::duration<double>(t3 - t2).count();
    if (k == 10) {
      pruned_s_k10 = s;
      pruned_cpu_k10 = cpu;
    }
    bool same = pruned->matches.size() == k;
    for (size_t i = 0; same && i < k; ++i) {
      same = pruned->matches[i].index == full->matches[i].index &&
             pruned->matches[i].distance == full->matches[i].distance;
    }
    identical &= same;
    const auto& st = pruned->stats;
    std::printf(
        "top_k=%zu pruned %.3f s wall, %.3f s CPU (kim %zu, keogh %zu, keogh_rev %zu, abandoned "
        "%zu, full %zu) identical_to_exhaustive=%s\n",
        k, s, cpu, st.pruned_by_kim, st.pruned_by_keogh, st.pruned_by_keogh_rev, st.abandoned,
        st.full_dtw, same ? "yes" : "NO");
  }
  std::printf(
      "exhaustive (unpruned, all %zu DTWs) %.3f s wall, %.3f s CPU; pruned top-10 %.3f s "
      "wall, %.3f s CPU; speedup %.1fx wall, %.1fx CPU\n",
      g_candidates, full_s, full_cpu, pruned_s_k10, pruned_cpu_k10, full_s / pruned_s_k10,
      full_cpu / pruned_cpu_k10);
  if (!identical) {
    std::fprintf(stderr, "pruned ranking differs from the exhaustive one\n");
    return 1;
  }
  int rargc = static_cast<int>(rest.size());
  benchmark::Initialize(&rargc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
