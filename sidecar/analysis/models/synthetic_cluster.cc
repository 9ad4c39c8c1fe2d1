#include "sidecar/analysis/models/synthetic_cluster.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace streamlens::analysis::models {

BrokerLoadModel ExampleLoadModel() {
  BrokerLoadModel m;
  m.intercept = 0.05;
  m.leader_bytes_in = 6e-9;
  m.leader_bytes_out = 1.5e-9;
  m.replication_bytes_in = 3e-9;
  m.messages_in = 2e-7;
  return m;
}

SyntheticCluster MakeSyntheticCluster(const SyntheticClusterOptions& o, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  SyntheticCluster c;
  for (int b = 0; b < o.brokers; ++b) {
    BrokerInfo info;
    info.id = b + 1;
    if (o.racks > 0) info.rack = "rack-" + std::string(1, static_cast<char>('a' + b % o.racks));
    c.brokers.push_back(info);
  }
  // Skewed broker preference: weight decays with broker index.
  std::vector<double> weight(o.brokers);
  for (int b = 0; b < o.brokers; ++b) weight[b] = std::exp(-o.skew * 3.0 * b / o.brokers);
  const int rf = std::min(o.replication_factor, o.brokers);
  for (int i = 0; i < o.partitions; ++i) {
    PartitionState p;
    p.topic = "topic-" + std::to_string(i % o.topics);
    p.partition = i / o.topics;
    // Draw distinct brokers by weight, preferring racks not used yet (rack-aware placement).
    std::vector<int> chosen;
    std::vector<std::string> racks_used;
    for (int r = 0; r < rf; ++r) {
      double total = 0.0;
      std::vector<double> w(o.brokers, 0.0);
      const bool need_new_rack = o.racks > 0 && static_cast<int>(racks_used.size()) < o.racks;
      for (int b = 0; b < o.brokers; ++b) {
        if (std::find(chosen.begin(), chosen.end(), b) != chosen.end()) continue;
        if (need_new_rack && std::find(racks_used.begin(), racks_used.end(), c.brokers[b].rack) !=
                                 racks_used.end()) {
          continue;
        }
        w[b] = weight[b];
        total += w[b];
      }
      double x = u(rng) * total;
      int pick = -1;
      for (int b = 0; b < o.brokers; ++b) {
        if (w[b] <= 0) continue;
        pick = b;
        if (x < w[b]) break;
        x -= w[b];
      }
      chosen.push_back(pick);
      racks_used.push_back(c.brokers[pick].rack);
    }
    for (int b : chosen) p.replicas.push_back(c.brokers[b].id);
    p.leader = p.replicas[0];
    // Some leaders are not the preferred one (after earlier elections).
    if (u(rng) < 0.2 && rf > 1) p.leader = p.replicas[1];
    for (int32_t r : p.replicas) {
      if (r == p.leader || u(rng) >= o.out_of_sync) p.isr.push_back(r);
    }
    if (u(rng) < o.offline) {
      p.leader = -1;
      p.isr.clear();
      if (u(rng) < 0.5) p.isr.push_back(p.replicas.back());
    }
    const double hot = u(rng) < o.hot_fraction ? 10.0 : 1.0;
    p.messages_in_per_s = o.rate_scale * hot * (200.0 + 1800.0 * u(rng));
    p.bytes_in_per_s = p.messages_in_per_s * (500.0 + 1000.0 * u(rng));
    p.bytes_out_per_s = p.bytes_in_per_s * std::floor(1.0 + 3.0 * u(rng));
    c.partitions.push_back(std::move(p));
  }
  return c;
}

}  // namespace streamlens::analysis::models
