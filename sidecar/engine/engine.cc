#include "sidecar/engine/engine.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "sidecar/engine/cycle.h"
#include "sidecar/engine/fingerprint.h"
#include "sidecar/engine/job.h"
#include "sidecar/engine/job_results.h"
#include "sidecar/engine/persistence.h"

namespace streamlens::engine {
namespace {

// Refits come every cycle or so; the state (every series') is written at most this often after
// them, and after every cycle that gave series their first fit.
constexpr int64_t kSaveSpacing = 15 * 60'000;

}  // namespace

Engine::Engine(EngineOptions options, SourceFactory sources,
               std::unique_ptr<AnalysisFactory> analyses, Logger logger)
    : options_(std::move(options)),
      source_factory_(std::move(sources)),
      analyses_(std::move(analyses)),
      logger_(std::move(logger)),
      pool_(options_.workers),
      clock_(options_.clock ? options_.clock : SystemClock()),
      results_(std::make_shared<ResultsSnapshot>()) {}

Engine::~Engine() { Stop(); }

int64_t Engine::Now() const { return clock_->NowMs(); }

Status Engine::Apply(std::shared_ptr<const EngineConfig> config) {
  STREAMLENS_RETURN_IF_ERROR(ValidateConfig(*config));
  // Build everything first; install only when all of it succeeded.
  std::map<std::string, std::shared_ptr<HistorySource>> sources;
  for (const auto& s : config->sources) {
    auto src = source_factory_(s);
    if (!src.ok()) return src.status().WithContext("source \"" + s.name + "\"");
    sources[s.name] = *src;
  }
  // One Apply at a time: jobs_ changes only here, so it can be read below without mu_, which
  // scrapes need (Results()) and which is therefore never held while state files are read.
  std::lock_guard<std::mutex> apply(apply_mu_);
  std::vector<std::shared_ptr<Job>> current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = jobs_;
  }
  std::vector<std::shared_ptr<Job>> jobs;
  std::vector<std::shared_ptr<Job>> fresh;
  std::vector<std::pair<std::shared_ptr<Job>, const JobConfig*>> reused;
  for (const auto& jc : config->jobs) {
    std::string fp = JobFingerprint(jc, options_.shard);
    const SourceConfig* src = config->FindSource(jc.source);
    std::shared_ptr<Job> reuse;
    for (const auto& old : current) {
      if (old->name == jc.name && old->fingerprint == fp && old->source_name == src->name) {
        reuse = old;
      }
    }
    if (reuse) {
      reused.emplace_back(reuse, &jc);
      jobs.push_back(reuse);
      continue;
    }
    auto job = std::make_shared<Job>();
    job->name = jc.name;
    job->SetCfg(std::make_shared<JobConfig>(jc));
    job->fingerprint = fp;
    job->source_name = src->name;
    if (!jc.selector.empty()) {
      auto matchers = remote_read::ParseSelector(jc.selector);
      if (!matchers.ok()) {
        return matchers.status().WithContext("job \"" + jc.name + "\": selector");
      }
      job->matchers = std::move(*matchers);
    }
    auto made = analyses_->Make(jc);
    if (!made.ok()) return made.status().WithContext("job \"" + jc.name + "\"");
    job->analyses = std::move(*made);
    // The cluster analyses are made per cluster as clusters are seen; check them once here.
    auto cluster = analyses_->MakeCluster(jc);
    if (!cluster.ok()) return cluster.status().WithContext("job \"" + jc.name + "\"");
    job->stats.job = jc.name;
    job->stats.source = src->name;
    jobs.push_back(job);
    fresh.push_back(job);
  }
  {
    // After this no removed job saves, so the loads below read each name's last complete file.
    std::lock_guard<std::mutex> save(save_mu_);
    for (const auto& old : current) {
      if (std::find(jobs.begin(), jobs.end(), old) == jobs.end()) old->removed = true;
    }
  }
  for (const auto& job : fresh) LoadJob(*job);
  for (const auto& [job, jc] : reused) job->SetCfg(std::make_shared<JobConfig>(*jc));
  std::lock_guard<std::mutex> lock(mu_);
  jobs_ = std::move(jobs);
  sources_ = std::move(sources);
  config_ = std::move(config);
  // Drop results of removed jobs, keep the others' until their next cycle.
  auto snap = std::make_shared<ResultsSnapshot>();
  for (const auto& job : jobs_) {
    for (const auto& r : results_->jobs) {
      if (r->job == job->name) snap->jobs.push_back(r);
    }
  }
  results_ = std::move(snap);
  cv_.notify_all();
  return Status::Ok();
}

void Engine::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  scheduler_ = std::thread([this] { SchedulerLoop(); });
}

void Engine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return running_cycles_.load() == 0; });
    started_ = false;
  }
  Status s = SaveAll();
  if (!s.ok()) logger_.Error("saving state failed", {{"err", s.message()}});
}

void Engine::SchedulerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    int64_t now = Now();
    int64_t next_wake = now + 1000;
    for (const auto& job : jobs_) {
      const int64_t every = job->Cfg()->infer_every.count();
      if (now >= job->next_infer_ms) {
        if (job->running.load()) {
          std::lock_guard<std::mutex> sl(job->stats_mu);
          ++job->stats.skipped_cycles;
          logger_.Warn("job cycle skipped: previous cycle still running", {{"job", job->name}});
        } else {
          job->running = true;
          ++running_cycles_;
          std::shared_ptr<Job> j = job;
          pool_.Submit([this, j, now] {
            bool ok = false;
            RunCycle(j, now, &ok);
            std::lock_guard<std::mutex> l(mu_);
            // A failed cycle is retried with backoff (5 s doubling, at most infer_every) so a
            // source that comes back is noticed long before the next scheduled cycle.
            if (ok) {
              j->consecutive_failures = 0;
            } else {
              int n = std::min(j->consecutive_failures++, 10);
              int64_t retry = std::min<int64_t>(int64_t{5000} << n, j->Cfg()->infer_every.count());
              j->next_infer_ms = std::min(j->next_infer_ms, Now() + retry);
            }
            j->running = false;
            --running_cycles_;
            cv_.notify_all();
            if (options_.on_cycle_done) options_.on_cycle_done(j->name);
          });
        }
        // Next due time on the job's own grid, never in the past.
        int64_t next = job->next_infer_ms == 0 ? now + every : job->next_infer_ms + every;
        if (next <= now) next = now + every - (now - job->next_infer_ms) % every;
        job->next_infer_ms = next;
      }
      next_wake = std::min(next_wake, job->next_infer_ms);
    }
    clock_->WaitUntil(cv_, lock, next_wake);
  }
}

Status Engine::RunOnce(const std::string& name) {
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& j : jobs_) {
      if (j->name == name) job = j;
    }
  }
  if (!job) return Status::Error("no job named \"" + name + "\"");
  std::lock_guard<std::mutex> cl(job->cycle_mu);
  Status s = GuardedCycle(*job, Now());
  std::lock_guard<std::mutex> sl(job->stats_mu);
  ++job->stats.runs;
  if (!s.ok()) ++job->stats.failures;
  return s;
}

void Engine::RunCycle(const std::shared_ptr<Job>& job, int64_t now_ms, bool* ok) {
  std::lock_guard<std::mutex> cl(job->cycle_mu);
  if (job->removed) return;
  Status s = GuardedCycle(*job, now_ms);
  *ok = s.ok();
  std::lock_guard<std::mutex> sl(job->stats_mu);
  ++job->stats.runs;
  if (!s.ok()) {
    ++job->stats.failures;
    // Logged once per change of state, not once per cycle.
    if (!job->failing) {
      logger_.Warn("job cycle failed", {{"job", job->name}, {"err", s.message()}});
    } else {
      logger_.Debug("job cycle failed", {{"job", job->name}, {"err", s.message()}});
    }
  } else if (job->failing) {
    logger_.Info("job cycle succeeded again", {{"job", job->name}});
  }
  job->failing = !s.ok();
}

Status Engine::GuardedCycle(Job& job, int64_t now_ms) {
  try {
    return CycleImpl(job, now_ms);
  } catch (const std::exception& e) {
    return Status::Error(std::string("cycle aborted by an exception: ") + e.what());
  } catch (...) {
    return Status::Error("cycle aborted by an exception of unknown type");
  }
}

void Engine::SetSourceUp(const std::string& name, bool up) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = source_up_.find(name);
  if (it == source_up_.end() || it->second != up) {
    if (up) {
      logger_.Info("source up", {{"source", name}});
    } else {
      logger_.Warn("source down", {{"source", name}});
    }
  }
  source_up_[name] = up;
  if (up) source_ever_up_.insert(name);
}

Status Engine::CycleImpl(Job& job, int64_t now_ms) {
  std::shared_ptr<const JobConfig> cfgp = job.Cfg();
  const JobConfig& cfg = *cfgp;
  std::shared_ptr<HistorySource> source;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sources_.find(job.source_name);
    if (it != sources_.end()) source = it->second;
  }
  if (!source) return Status::Error("source \"" + job.source_name + "\" is not configured");
  CycleEnv env;
  env.pool = &pool_;
  env.factory = analyses_.get();
  env.shard = &options_.shard;
  env.fit_batch = options_.fit_batch;
  env.refit_budget = options_.refit_budget;
  env.logger = &logger_;
  env.source = source.get();
  env.source_up = [this, &job](bool up) { SetSourceUp(job.source_name, up); };
  env.publish = [this, &job, now_ms] { PublishJob(job, now_ms); };
  CycleReport report;
  Status s = RunJobCycle(job, cfg, now_ms, env, &report);
  if (s.ok()) RecordCycle(job, cfg, report, now_ms);
  if (report.fetched) PublishJob(job, now_ms);
  // Saved after first fits, and after refits at most every kSaveSpacing: refits trickle in every
  // cycle, and a save writes every series' state.
  const bool save_due = report.first_fits > 0 || job.last_save_ms == kNever ||
                        now_ms - job.last_save_ms >= kSaveSpacing;
  if (s.ok() && report.fits > 0 && save_due && !options_.storage_path.empty()) {
    job.last_save_ms = now_ms;
    Status saved = SaveJob(job);
    if (!saved.ok()) {
      logger_.Warn("saving job state failed", {{"job", cfg.name}, {"err", saved.message()}});
    }
  }
  return s;
}

// The cycle's counts and timings into the job's statistics, and its debug logs.
void Engine::RecordCycle(Job& job, const JobConfig& cfg, const CycleReport& r, int64_t now_ms) {
  size_t bytes = 0;
  for (const auto& [k, st] : job.series) {
    bytes += sizeof(SeriesState) + st->key.capacity() * 2 + st->score_history.capacity() * 16;
    for (const auto& [name, value] : st->input_labels) bytes += name.capacity() + value.capacity();
    for (const auto& m : st->models) bytes += m->MemoryBytes();
  }
  {
    std::lock_guard<std::mutex> sl(job.stats_mu);
    JobStats& s = job.stats;
    s.fits += r.fits;
    s.drift_fits += r.drift_fits;
    s.fit_failures += r.fit_failures;
    s.series_processed += r.processed;
    s.samples_read += r.samples;
    s.series_dropped += r.dropped;
    s.series_tracked = job.series.size();
    s.state_bytes = bytes;
    if (r.full) s.last_fit_seconds = r.fit_seconds;
    s.last_infer_seconds = r.seconds - r.fit_seconds;
    s.last_success_unix = static_cast<double>(now_ms) / 1000.0;
  }
  if (!r.first_error.empty()) {
    logger_.Debug("series analysis error", {{"job", cfg.name}, {"err", r.first_error}});
  }
  logger_.Debug("job cycle finished",
                {{"job", cfg.name},
                 {"phase", r.full ? "fit" : "infer"},
                 {"series", static_cast<unsigned long>(r.processed)},
                 {"first_fits", static_cast<unsigned long>(r.first_fits)},
                 {"full_fits", static_cast<unsigned long>(r.full_fits)},
                 {"drift_fits", static_cast<unsigned long>(r.drift_fits)},
                 {"refits_waiting", static_cast<unsigned long>(r.refits_waiting)},
                 {"samples", static_cast<unsigned long>(r.samples)},
                 {"duration_seconds", r.seconds}});
}

void Engine::PublishJob(Job& job, int64_t now_ms) {
  std::shared_ptr<const JobResults> res = BuildJobResults(job, *job.Cfg(), now_ms);
  std::lock_guard<std::mutex> lock(mu_);
  if (job.removed) return;
  auto snap = std::make_shared<ResultsSnapshot>();
  for (const auto& j : jobs_) {
    if (j.get() == &job) {
      snap->jobs.push_back(res);
      continue;
    }
    for (const auto& r : results_->jobs) {
      if (r->job == j->name) snap->jobs.push_back(r);
    }
  }
  results_ = std::move(snap);
}

std::shared_ptr<const ResultsSnapshot> Engine::Results() const {
  std::lock_guard<std::mutex> lock(mu_);
  return results_;
}

EngineStatus Engine::GetStatus() const {
  EngineStatus s;
  std::lock_guard<std::mutex> lock(mu_);
  s.source_up = source_up_;
  for (const auto& job : jobs_) {
    std::lock_guard<std::mutex> sl(job->stats_mu);
    s.jobs.push_back(job->stats);
  }
  return s;
}

bool Engine::Ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_) return false;
  for (const auto& s : config_->sources) {
    if (!source_ever_up_.count(s.name)) return false;
  }
  return true;
}

Status Engine::SaveAll() {
  if (options_.storage_path.empty()) return Status::Ok();
  std::vector<std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs = jobs_;
  }
  Status first;
  for (const auto& job : jobs) {
    std::lock_guard<std::mutex> cl(job->cycle_mu);
    Status s = SaveJob(*job);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status Engine::SaveJob(Job& job) {
  if (options_.storage_path.empty()) return Status::Ok();
  // A job that a reload removed must not overwrite the file of the job that replaced it.
  std::lock_guard<std::mutex> save(save_mu_);
  if (job.removed) return Status::Ok();
  return WriteFileAtomic(
      StateFilePath(options_.storage_path, job.name),
      EncodeJobState(job.fingerprint, job.next_fit_ms, job.last_end_ms, job.series, job.analyses));
}

void Engine::LoadJob(Job& job) {
  if (options_.storage_path.empty()) return;
  const std::string path = StateFilePath(options_.storage_path, job.name);
  auto fail = [&](const std::string& why) {
    logger_.Warn("ignoring saved state, the job will refit",
                 {{"job", job.name}, {"file", path}, {"reason", why}});
  };
  auto data = ReadStateFile(path);
  if (!data.ok()) return fail(data.status().message());
  if (!data->has_value()) return;
  StateProblem problem = StateProblem::kNone;
  auto restored = DecodeJobState(**data, job.fingerprint, job.analyses, &problem);
  if (!restored.ok() && problem == StateProblem::kCorrupt) {
    // Kept aside for inspection; the job refits and its next save writes a good file.
    std::rename(path.c_str(), (path + ".corrupt").c_str());
    logger_.Error("state file is corrupt, the job will refit",
                  {{"job", job.name}, {"file", path}, {"reason", restored.status().message()}});
    std::lock_guard<std::mutex> sl(job.stats_mu);
    ++job.stats.state_corrupt;
    return;
  }
  if (!restored.ok()) return fail(restored.status().message());
  const size_t n = restored->series.size();
  job.series = std::move(restored->series);
  job.next_fit_ms = restored->next_fit_ms;
  job.last_end_ms = restored->last_end_ms;
  std::lock_guard<std::mutex> sl(job.stats_mu);
  job.stats.series_restored += n;
  job.stats.series_tracked = job.series.size();
  logger_.Info("restored job state",
               {{"job", job.name}, {"series", static_cast<unsigned long>(n)}});
}

}  // namespace streamlens::engine
