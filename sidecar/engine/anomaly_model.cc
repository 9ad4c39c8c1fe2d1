// Adapter: the causal anomaly scorer (sidecar/analysis/anomaly/) as a SeriesAnalysis.
#include "sidecar/engine/analysis_factory.h"

namespace streamlens::engine {

Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig&) {
  return Status::Error("anomaly: the anomaly scoring library is not part of this build");
}

Result<std::vector<PeerScore>> ScorePeersWithAnalysis(const OutliersConfig&,
                                                      const std::vector<PeerMember>&) {
  return Status::Error("outliers: the outlier library is not part of this build");
}

}  // namespace streamlens::engine
