// Internal to the engine: one constructor per analysis adapter, each in its own
// <analysis>_adapter.cc file so Eigen-heavy analysis headers stay out of the engine's other
// translation units. Each returns an error naming the config key when the job's settings for the
// analysis are invalid (a selector that does not parse, a wrong number of features).
#pragma once

#include <memory>
#include <vector>

#include "common/flags.h"
#include "sidecar/analysis/anomaly/detector_spec.h"
#include "sidecar/engine/analysis_runner.h"

namespace streamlens::engine {

// anomaly_adapter.cc, forecast_model.cc (to be renamed forecast_adapter.cc)
// The detector spec an anomaly job runs: the detector's defaults with the job's keys applied.
Result<analysis::DetectorSpec> DetectorSpecFor(const JobConfig& job);
Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig& job);
Result<std::unique_ptr<SeriesAnalysis>> MakeForecastAnalysis(const JobConfig& job);

class ClusterAnalysis;
struct SharedCpuModel;  // shared_cpu_model.h
// cpu_model_adapter.cc: the model a job's cpu_model fits and its placement reads.
std::shared_ptr<SharedCpuModel> MakeSharedCpuModel();
Result<std::unique_ptr<ClusterAnalysis>> MakeCpuModelAnalysis(
    const JobConfig& job, std::shared_ptr<SharedCpuModel> shared);
// recommendations_adapter.cc
Result<std::unique_ptr<ClusterAnalysis>> MakeRecommendationsAnalysis(const JobConfig& job);
// placement_adapter.cc; `cpu_model` null: the static load model.
Result<std::unique_ptr<ClusterAnalysis>> MakePlacementAnalysis(
    const JobConfig& job, std::shared_ptr<SharedCpuModel> cpu_model);
// rootcause_adapter.cc
Result<std::unique_ptr<ClusterAnalysis>> MakeRootCauseAnalysis(const JobConfig& job);

// outliers_adapter.cc
Result<std::vector<PeerScore>> ScorePeersWithAnalysis(const OutliersConfig& config,
                                                      const std::vector<PeerMember>& members);

}  // namespace streamlens::engine
