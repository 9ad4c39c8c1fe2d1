// Engine: runs the configured jobs on their schedules and keeps their results.
//
// Each job cycle fetches from its source (the fit window when a refit is due, otherwise only the
// range since the previous cycle), aligns series to the job's step grid, keeps the series of this
// shard (shard.h), fits or updates one model per series and analysis, drops series that have not
// been seen for the grace period, and publishes a fresh JobResults. A scheduler thread starts due
// jobs on a bounded WorkerPool; a job whose previous cycle is still running when the next is due
// skips that cycle (counted), so a slow job never queues up work or starves the others.
// Per-series work inside a cycle is spread over the pool.
//
// Memory: per series, only the models' state (fitted parameters and bounded recent windows), the
// last grid point and the bounded score history survive between cycles; fetched history is freed
// at the end of the cycle.
//
// Persistence (--storage.path, persistence.h): after every fit and on Stop(), each job's series
// states are written to <storage>/<job>.state; on start and on reload they are loaded back when
// the job's analysis config is unchanged, so a restart resumes without refitting.
//
// Thread-safety: all public methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/clock.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/results.h"
#include "sidecar/engine/shard.h"
#include "sidecar/engine/source.h"
#include "sidecar/engine/worker_pool.h"

namespace streamlens::engine {

struct EngineOptions {
  size_t workers = 0;        // 0: hardware threads
  std::string storage_path;  // empty: no persistence
  ShardSpec shard;
  // Fits fetch the fit window for at most this many series at a time (fit_batches.h), so a
  // fit's memory is the jobs' state plus one batch per running cycle (--fit.batch).
  int fit_batch = 500;
  // Share of its infer_every a job's cycle may spend on scheduled full refits once every series
  // has its first fit; due refits beyond it wait for the next cycle (at least one batch runs per
  // cycle) (--fit.refit-budget).
  double refit_budget = 0.25;
  // The engine's time (clock.h); null: the system clock. Tests and benchmarks use a ManualClock.
  std::shared_ptr<const Clock> clock;
  // Called (on a worker thread) after each scheduled cycle of a job, with the job's name, so
  // tests can wait for a cycle instead of for time.
  std::function<void(const std::string& job)> on_cycle_done;
};

struct Job;          // job.h
struct CycleReport;  // cycle.h

class Engine {
 public:
  Engine(EngineOptions options, SourceFactory sources, std::unique_ptr<AnalysisFactory> analyses,
         Logger logger);
  ~Engine();  // Stop()s

  // Validates and installs `config`: jobs whose config is unchanged keep their state, changed or
  // new jobs start fresh (or from storage), removed jobs are dropped. On error nothing changes.
  Status Apply(std::shared_ptr<const EngineConfig> config);
  // Starts the scheduler thread. Jobs become due immediately.
  void Start();
  // Stops the scheduler, waits for running cycles and saves state. Idempotent.
  void Stop();

  // Runs one cycle of `job` now on the calling thread (for tests, benchmarks and offline use).
  // The result says whether the cycle succeeded.
  Status RunOnce(const std::string& job);

  std::shared_ptr<const ResultsSnapshot> Results() const;
  EngineStatus GetStatus() const;
  // True once every source has answered at least once.
  bool Ready() const;
  // Writes all jobs' state to storage now (no-op without --storage.path).
  Status SaveAll();

 private:
  void SchedulerLoop();
  void RunCycle(const std::shared_ptr<Job>& job, int64_t now_ms, bool* ok);
  Status CycleImpl(Job& job, int64_t now_ms);
  // CycleImpl with any exception turned into the cycle's error (the job retries with backoff).
  Status GuardedCycle(Job& job, int64_t now_ms);
  Status SaveJob(Job& job);
  void LoadJob(Job& job);
  void PublishJob(Job& job, int64_t now_ms);
  void RecordCycle(Job& job, const JobConfig& cfg, const CycleReport& report, int64_t now_ms);
  int64_t Now() const;
  void SetSourceUp(const std::string& name, bool up);

  EngineOptions options_;
  SourceFactory source_factory_;
  std::unique_ptr<AnalysisFactory> analyses_;
  Logger logger_;
  WorkerPool pool_;
  std::shared_ptr<const Clock> clock_;

  std::mutex apply_mu_;  // serialises Apply()
  std::mutex save_mu_;   // a job's removal and its saves exclude each other
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const EngineConfig> config_;
  std::vector<std::shared_ptr<Job>> jobs_;  // config order
  std::map<std::string, std::shared_ptr<HistorySource>> sources_;
  std::map<std::string, bool> source_up_;
  std::set<std::string> source_ever_up_;
  std::shared_ptr<const ResultsSnapshot> results_;
  std::thread scheduler_;
  bool stopping_ = false;
  bool started_ = false;
  std::atomic<int> running_cycles_{0};
};

}  // namespace streamlens::engine
