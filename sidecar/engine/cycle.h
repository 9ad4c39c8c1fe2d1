// One cycle of one job, as named stages (cycle.cc):
//   1. plan     the grid of this cycle: what came since the previous cycle (on a job's first
//               cycle the last few points, which also list its series), and the fit window;
//   2. fetch    the job's selector over that recent range from its source;
//   3. match    fetched series to the job's series states (this shard's, at most max_series);
//   4. update   per fitted series, in parallel: grid values (grid.h), the new points to each
//               model, outputs folded into the series' state (series_update.h);
//   5. fit      series due for a fit, in batches (fit_batches.h): each batch's fit window is
//               fetched, the job-level fits (pooled forecast models) made when stale, the series
//               fitted in parallel and the batch released, so a fit holds one batch of history.
//               First every series without a model gets its first fit (when they take more
//               than one batch, quick models where an analysis has one: results within the
//               cycle, published batch by batch); then full
//               refits, due fit_every after the previous one, at once after a quick first fit,
//               or when a model drifted (spaced by drift_refits.h: 1 h, doubling while refits do
//               not cure the drift), oldest due first,
//               while the cycle has spent less than env.refit_budget of infer_every on them;
//   6. forget   series not seen for the grace period;
//   7. peers    outliers among peers at the latest point (peer_stage.h);
//   8. cluster  the cluster analyses (cluster_stage.h), refitted every fit_every.
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
  int fit_batch = 500;         // EngineOptions::fit_batch
  double refit_budget = 0.25;  // EngineOptions::refit_budget
  HistorySource* source = nullptr;
  std::function<void(bool)> source_up;  // reports each fetch's outcome
  // Publishes the job's results so far (between batches of first fits); may be empty.
  std::function<void()> publish;
};

// What a cycle did, for the job's statistics and logs.
struct CycleReport {
  bool fetched = false;  // the source answered (results are worth publishing)
  bool full = false;     // fetched the fit window
  bool fit_due = false;  // a scheduled refit
  uint64_t fits = 0, fit_failures = 0, processed = 0, samples = 0, dropped = 0;
  uint64_t first_fits = 0, full_fits = 0, drift_fits = 0;  // of `fits`
  uint64_t refits_waiting = 0;  // due full refits left for later cycles (refit_budget)
  double seconds = 0, fit_seconds = 0;
  std::string first_error;  // the first series' analysis error, for the debug log
};

// Runs the stages above. An error means the cycle failed as a whole (the source did not answer,
// or a job of cluster analyses only had every analysis fail); the job's previous results stay.
Status RunJobCycle(Job& job, const JobConfig& cfg, int64_t now_ms, const CycleEnv& env,
                   CycleReport* report);

}  // namespace streamlens::engine
