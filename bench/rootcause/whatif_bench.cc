// What-if broker failure, rebalance planning and add-broker on a 10,000-partition, 12-broker,
// 3-rack cluster (goal: what-if < 100 ms). The brute-force reference is timed in the unit test's
// style: one full post-failure state materialized per broker with ordered sets.
#include <benchmark/benchmark.h>

#include <set>

#include "sidecar/analysis/models/rebalance_planner.h"
#include "sidecar/analysis/models/synthetic_cluster.h"
#include "sidecar/analysis/models/what_if.h"

namespace {

using namespace streamlens::analysis::models;

const SyntheticCluster& Cluster() {
  static const SyntheticCluster c = [] {
    SyntheticClusterOptions o;
    o.brokers = 12;
    o.racks = 3;
    o.topics = 100;
    o.partitions = 10000;
    o.replication_factor = 3;
    o.out_of_sync = 0.05;
    o.offline = 0.001;
    o.skew = 0.5;
    o.rate_scale = 0.02;  // ~22 msg/s per partition: a plausible 10,000-partition cluster
    return MakeSyntheticCluster(o, 99);
  }();
  return c;
}

void BM_WhatIfOneBroker(benchmark::State& state) {
  const SyntheticCluster& c = Cluster();
  WhatIfParams p;
  p.default_min_isr = 2;
  for (auto _ : state) {
    auto r = SimulateBrokerFailure(c.partitions, c.brokers, ExampleLoadModel(), 1, p);
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_WhatIfOneBroker)->Unit(benchmark::kMillisecond);

void BM_WhatIfEveryBroker(benchmark::State& state) {
  const SyntheticCluster& c = Cluster();
  WhatIfParams p;
  p.default_min_isr = 2;
  size_t offline = 0;
  for (auto _ : state) {
    auto r = SimulateEachBrokerFailure(c.partitions, c.brokers, ExampleLoadModel(), p);
    offline = 0;
    for (const auto& b : *r) offline += b.offline.size();
    benchmark::DoNotOptimize(offline);
  }
  state.counters["offline_total"] = static_cast<double>(offline);
}
BENCHMARK(BM_WhatIfEveryBroker)->Unit(benchmark::kMillisecond);

// Naive reference: for each broker, rebuild the cluster state with ordered sets and recompute
// every broker's load by scanning all partitions (what a straightforward script does).
void BM_WhatIfEveryBrokerNaive(benchmark::State& state) {
  const SyntheticCluster& c = Cluster();
  const BrokerLoadModel m = ExampleLoadModel();
  for (auto _ : state) {
    double peak_sum = 0;
    for (const BrokerInfo& failed : c.brokers) {
      std::vector<int32_t> leader;
      for (const PartitionState& p : c.partitions) {
        std::set<int32_t> isr(p.isr.begin(), p.isr.end());
        isr.erase(failed.id);
        int32_t l = p.leader;
        if (l == failed.id) {
          l = -1;
          for (int32_t r : p.replicas) {
            if (r != failed.id && isr.count(r)) {
              l = r;
              break;
            }
          }
        }
        leader.push_back(l);
      }
      double peak = 0;
      for (const BrokerInfo& b : c.brokers) {
        if (b.id == failed.id) continue;
        double load = m.intercept;
        for (size_t i = 0; i < c.partitions.size(); ++i) {
          if (leader[i] == -1) continue;
          for (int32_t r : c.partitions[i].replicas) {
            if (r != b.id) continue;
            load += r == leader[i] ? LeaderContribution(c.partitions[i], m)
                                   : FollowerContribution(c.partitions[i], m);
          }
        }
        peak = std::max(peak, load);
      }
      peak_sum += peak;
    }
    benchmark::DoNotOptimize(peak_sum);
  }
}
BENCHMARK(BM_WhatIfEveryBrokerNaive)->Unit(benchmark::kMillisecond);

void BM_RebalancePlan(benchmark::State& state) {
  const SyntheticCluster& c = Cluster();
  RebalanceParams p;
  p.max_moves = static_cast<size_t>(state.range(0));
  double before = 0, after = 0;
  size_t moves = 0;
  for (auto _ : state) {
    auto r = PlanRebalance(c.partitions, c.brokers, ExampleLoadModel(), p);
    before = r->peak_before;
    after = r->peak_after;
    moves = r->moves.size();
  }
  state.counters["peak_before"] = before;
  state.counters["peak_after"] = after;
  state.counters["moves"] = static_cast<double>(moves);
}
BENCHMARK(BM_RebalancePlan)->Arg(100)->Arg(500)->Unit(benchmark::kMillisecond);

void BM_AddBroker(benchmark::State& state) {
  const SyntheticCluster& c = Cluster();
  RebalanceParams p;
  p.max_moves = 2000;
  double before = 0, after = 0, without = 0;
  for (auto _ : state) {
    auto r = AddBrokerEffect(c.partitions, c.brokers, {100, "rack-a"}, ExampleLoadModel(), p);
    before = r->peak_before;
    after = r->peak_after;
    without = r->peak_rebalanced_without;
  }
  state.counters["peak_before"] = before;
  state.counters["peak_after"] = after;
  state.counters["peak_rebalanced_without"] = without;
}
BENCHMARK(BM_AddBroker)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
