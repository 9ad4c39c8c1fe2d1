// Adapter: peer outlier scoring (sidecar/analysis/outliers/peer_outliers.h) for the engine's
// outliers analysis. Members are rows, metrics columns; every method returns score > 1 = outlier.
// threshold 0 means the method's own default (robust z 3.5, isolation forest score 0.6).
#include "sidecar/analysis/outliers/peer_outliers.h"
#include "sidecar/engine/analysis_factory.h"

namespace streamlens::engine {

Result<std::vector<PeerScore>> ScorePeersWithAnalysis(const OutliersConfig& config,
                                                      const std::vector<PeerMember>& members) {
  if (members.empty()) return std::vector<PeerScore>{};
  const int dims = static_cast<int>(members[0].values.size());
  std::vector<double> rows;
  rows.reserve(members.size() * static_cast<size_t>(dims));
  for (const auto& m : members) {
    if (static_cast<int>(m.values.size()) != dims) {
      return Status::Error("outliers: members have different metric counts");
    }
    rows.insert(rows.end(), m.values.begin(), m.values.end());
  }
  Result<analysis::PeerScores> r = Status::Error("outliers: unknown method " + config.method);
  if (config.method == "robust_z") {
    r = analysis::PeerRobustZ(rows, dims, config.threshold > 0 ? config.threshold : 3.5);
  } else if (config.method == "isolation_forest") {
    r = analysis::PeerIsolationForest(rows, dims, analysis::IsolationForestParams{},
                                      config.threshold > 0 ? config.threshold : 0.6);
  } else if (config.method == "dbscan") {
    analysis::DbscanParams p;
    if (config.eps > 0) p.eps = config.eps;
    p.min_samples = config.min_points;
    r = analysis::PeerDbscan(rows, dims, p);
  }
  if (!r.ok()) return r.status();
  std::vector<PeerScore> out(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    out[i].labels = members[i].labels;
    out[i].score = i < r->score.size() ? r->score[i] : 0;
  }
  return out;
}

}  // namespace streamlens::engine
