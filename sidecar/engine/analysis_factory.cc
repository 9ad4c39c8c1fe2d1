#include "sidecar/engine/analysis_factory.h"

#include "sidecar/engine/cluster_analysis.h"

namespace streamlens::engine {
namespace {

class DefaultAnalysisFactory final : public AnalysisFactory {
 public:
  Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig& job) const override {
    std::vector<std::unique_ptr<SeriesAnalysis>> out;
    if (job.anomaly.enabled) {
      auto a = MakeAnomalyAnalysis(job);
      if (!a.ok()) return a.status();
      out.push_back(std::move(*a));
    }
    if (job.forecast.enabled) {
      auto f = MakeForecastAnalysis(job);
      if (!f.ok()) return f.status();
      out.push_back(std::move(*f));
    }
    return out;
  }
  Result<std::vector<PeerScore>> ScorePeers(const OutliersConfig& config,
                                            const std::vector<PeerMember>& members) const override {
    return ScorePeersWithAnalysis(config, members);
  }
};

}  // namespace

Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeClusterAnalyses(const JobConfig& job) {
  // cpu_model runs before placement, which uses the CPU model fitted in the same cycle.
  std::vector<std::unique_ptr<ClusterAnalysis>> out;
  auto add = [&out](Result<std::unique_ptr<ClusterAnalysis>> a) {
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
    return Status::Ok();
  };
  std::shared_ptr<SharedCpuModel> cpu_model;
  if (job.cpu_model.enabled) {
    cpu_model = MakeSharedCpuModel();
    STREAMLENS_RETURN_IF_ERROR(add(MakeCpuModelAnalysis(job, cpu_model)));
  }
  if (job.recommendations.enabled) {
    STREAMLENS_RETURN_IF_ERROR(add(MakeRecommendationsAnalysis(job)));
  }
  if (job.placement.enabled()) {
    STREAMLENS_RETURN_IF_ERROR(add(MakePlacementAnalysis(job, cpu_model)));
  }
  if (job.rootcause.enabled) {
    STREAMLENS_RETURN_IF_ERROR(add(MakeRootCauseAnalysis(job)));
  }
  return out;
}

Result<std::vector<std::unique_ptr<ClusterAnalysis>>> AnalysisFactory::MakeCluster(
    const JobConfig& job) const {
  return MakeClusterAnalyses(job);
}

std::unique_ptr<AnalysisFactory> MakeDefaultAnalysisFactory() {
  return std::make_unique<DefaultAnalysisFactory>();
}

}  // namespace streamlens::engine
