#include "sidecar/engine/peer_stage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

namespace streamlens::engine {
namespace {

// The value of label `name` in `labels`, or "".
std::string LabelOf(const LabelPairs& labels, const std::string& name) {
  for (const auto& [n, v] : labels) {
    if (n == name) return v;
  }
  return "";
}

struct PeerTable {
  std::map<std::string, std::map<std::string, double>> rows;  // member -> metric -> value
  std::set<std::string> metrics;
};

// Cluster value -> that cluster's members and their latest values.
std::map<std::string, PeerTable> CollectPeers(const SeriesMap& series, const JobConfig& cfg,
                                              int64_t end_grid_ms) {
  std::map<std::string, PeerTable> by_cluster;
  for (const auto& [k, st] : series) {
    if (st->last_t == kNever || end_grid_ms - st->last_t > cfg.lookback.count()) continue;
    if (!std::isfinite(st->last_value)) continue;
    bool has_member = false;
    for (const auto& [n, v] : st->input_labels) has_member |= n == cfg.outliers.peer_label;
    if (!has_member) continue;
    PeerTable& t = by_cluster[LabelOf(st->input_labels, cfg.cluster_label)];
    const std::string metric = LabelOf(st->input_labels, "__name__");
    t.rows[LabelOf(st->input_labels, cfg.outliers.peer_label)][metric] = st->last_value;
    t.metrics.insert(metric);
  }
  return by_cluster;
}

std::vector<PeerMember> CompleteMembers(const PeerTable& t, const std::string& cluster,
                                        const JobConfig& cfg) {
  std::vector<PeerMember> members;
  for (const auto& [member, vals] : t.rows) {
    if (vals.size() != t.metrics.size()) continue;
    PeerMember m;
    m.labels = {{cfg.outliers.peer_label, member}};
    if (!cluster.empty()) m.labels.emplace_back(cfg.cluster_label, cluster);
    for (const auto& [n, v] : cfg.labels) m.labels.emplace_back(n, v);
    for (const auto& name : t.metrics) m.values.push_back(vals.at(name));
    members.push_back(std::move(m));
  }
  return members;
}

}  // namespace

std::vector<OutlierResult> ScorePeers(const SeriesMap& series, const JobConfig& cfg,
                                      int64_t end_grid_ms, const AnalysisFactory& factory,
                                      AnalysisStatus* status) {
  std::vector<OutlierResult> out;
  status->analysis = "outliers";
  status->up = false;
  status->reason = "no group of at least 3 " + cfg.outliers.peer_label +
                   " members with every metric and a recent point";
  for (const auto& [cluster, table] : CollectPeers(series, cfg, end_grid_ms)) {
    std::vector<PeerMember> members = CompleteMembers(table, cluster, cfg);
    if (members.size() < 3) continue;
    auto scores = factory.ScorePeers(cfg.outliers, members);
    if (!scores.ok()) {
      status->reason = scores.status().message();
      continue;
    }
    status->up = true;
    status->reason.clear();
    for (auto& p : *scores) {
      std::sort(p.labels.begin(), p.labels.end());
      out.push_back({std::move(p.labels), p.score});
    }
  }
  return out;
}

}  // namespace streamlens::engine
