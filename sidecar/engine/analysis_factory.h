// Internal to the engine: one constructor per analysis adapter, each in its own .cc file so
// Eigen-heavy analysis headers stay out of the engine's other translation units. Each returns an
// error naming the analysis when its library is not part of this build.
#pragma once

#include <memory>

#include "common/flags.h"
#include "sidecar/engine/analysis_runner.h"

namespace streamlens::engine {

Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig& job);
Result<std::unique_ptr<SeriesAnalysis>> MakeForecastAnalysis(const JobConfig& job);
class ClusterAnalysis;
// rootcause_adapter.cc
Result<std::unique_ptr<ClusterAnalysis>> MakeRootCauseAnalysis(const JobConfig& job);
// models_adapter.cc: cpu_model, recommendations, placement (in that order).
Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeModelAnalyses(const JobConfig& job);
Result<std::vector<PeerScore>> ScorePeersWithAnalysis(const OutliersConfig& config,
                                                      const std::vector<PeerMember>& members);

}  // namespace streamlens::engine
