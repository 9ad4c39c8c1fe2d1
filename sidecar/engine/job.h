// Job: what the engine keeps for one configured job between cycles, shared by the engine
// (scheduling, configuration, persistence) and the stages of a cycle (cycle.h). Internal to the
// engine.
//
// Ownership and locking: the engine owns jobs through shared_ptr. `name`, `fingerprint`,
// `source_name`, `matchers` and `analyses` are set before a job is shared and never change. The
// config may be swapped by a reload while a cycle runs: readers take a copy with Cfg(). Fields
// marked "cycle" are touched only by the job's cycle, which holds `cycle_mu`; `next_infer_ms` and
// `consecutive_failures` by the scheduler under the engine's mutex; `stats` and `failing` under
// `stats_mu`.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/cluster_analysis.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/results.h"
#include "sidecar/engine/series_state.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {

// One cluster analysis for one value of the job's cluster label, and its latest successful
// output (kept for the grace period when a cycle fails).
struct ClusterRun {
  std::unique_ptr<ClusterAnalysis> analysis;
  bool has = false;
  int64_t produced_ms = 0;
  ClusterOutput out;
  AnalysisStatus status;
};

struct Job {
  std::string name;
  std::string fingerprint;
  std::string source_name;
  std::vector<remote_read::Matcher> matchers;
  std::vector<std::unique_ptr<SeriesAnalysis>> analyses;

  std::shared_ptr<const JobConfig> Cfg() const {
    std::lock_guard<std::mutex> l(cfg_mu);
    return cfg;
  }
  void SetCfg(std::shared_ptr<const JobConfig> c) {
    std::lock_guard<std::mutex> l(cfg_mu);
    cfg = std::move(c);
  }

  std::atomic<bool> running{false};
  std::atomic<bool> removed{false};
  std::mutex cycle_mu;           // one cycle at a time (scheduler and RunOnce)
  int64_t next_infer_ms = 0;     // scheduler
  int consecutive_failures = 0;  // scheduler

  // cycle:
  int64_t next_fit_ms = 0;
  int64_t last_end_ms = kNever;
  SeriesMap series;
  // The job-level fits (pooled forecast models, per analysis, may be null) that fits use, made
  // by the first large enough batch of fits when there are none or they are fit_every old.
  std::vector<std::shared_ptr<const SharedFit>> shared_fits;
  int64_t shared_fit_ms = kNever;
  int64_t last_save_ms = kNever;
  std::vector<OutlierResult> outliers;  // latest peer scores
  // Cluster analyses per value of the cluster label ("" when the estate has none), in the
  // order MakeCluster returns them.
  std::map<std::string, std::vector<ClusterRun>> clusters;
  // Status of the per-series analyses and outliers (cluster analyses carry their own).
  std::vector<AnalysisStatus> series_status;

  mutable std::mutex stats_mu;
  JobStats stats;
  bool failing = false;  // stats_mu

 private:
  mutable std::mutex cfg_mu;
  std::shared_ptr<const JobConfig> cfg;
};

}  // namespace streamlens::engine
