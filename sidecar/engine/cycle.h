// One cycle of one job, as named stages (cycle.cc):
//   1. plan     the range to fetch: the fit window when a refit is due (or a new series waits
//               for its first fit), otherwise only what came since the previous cycle;
//   2. fetch    the job's selector from its source;
//   3. match    fetched series to the job's series states (this shard's, at most max_series);
//   4. shared   the job-level fits of a scheduled refit (pooled forecast models);
//   5. update   per series, in parallel: grid values (grid.h), fit or update each analysis, fold
//               the outputs into the series' state (series_update.h);
//   6. forget   series not seen for the grace period;
//   7. peers    outliers among peers at the latest point (peer_stage.h);
//   8. cluster  the cluster analyses (cluster_stage.h).
// The engine then publishes the job's results and saves its state. A cycle runs with the job's
// cycle lock held; per-series work is spread over the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/log.h"
#include "common/status.h"
#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/job.h"
#include "sidecar/engine/shard.h"
#include "sidecar/engine/source.h"
#include "sidecar/engine/worker_pool.h"

namespace streamlens::engine {

// What the engine lends a cycle.
struct CycleEnv {
  WorkerPool* pool = nullptr;
  const AnalysisFactory* factory = nullptr;
  const ShardSpec* shard = nullptr;
  const Logger* logger = nullptr;
  HistorySource* source = nullptr;
  std::function<void(bool)> source_up;  // reports each fetch's outcome
};

// What a cycle did, for the job's statistics and logs.
struct CycleReport {
  bool fetched = false;  // the source answered (results are worth publishing)
  bool full = false;     // fetched the fit window
  bool fit_due = false;  // a scheduled refit
  uint64_t fits = 0, fit_failures = 0, processed = 0, samples = 0, dropped = 0;
  double seconds = 0, fit_seconds = 0;
  std::string first_error;  // the first series' analysis error, for the debug log
};

// Runs the stages above. An error means the cycle failed as a whole (the source did not answer,
// or a job of cluster analyses only had every analysis fail); the job's previous results stay.
Status RunJobCycle(Job& job, const JobConfig& cfg, int64_t now_ms, const CycleEnv& env,
                   CycleReport* report);

}  // namespace streamlens::engine
