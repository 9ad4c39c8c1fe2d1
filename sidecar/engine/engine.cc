#include "sidecar/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "sidecar/engine/cluster_analysis.h"
#include "sidecar/engine/grid.h"
#include "sidecar/engine/persistence.h"
#include "sidecar/engine/series_state.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Everything that changes what a job's models mean. Schedules, static labels and the grace
// period may change on reload without discarding state.
std::string Fingerprint(const JobConfig& j, const ShardSpec& shard) {
  std::ostringstream o;
  o << "selector=" << j.selector << ";step=" << j.step.count()
    << ";transform=" << static_cast<int>(j.transform) << ";lookback=" << j.lookback.count()
    << ";fit_window=" << j.fit_window.count() << ";shard=" << shard.count << "/" << shard.index;
  const auto& a = j.anomaly;
  o << ";anomaly=" << a.enabled;
  if (a.enabled) {
    o << ",p=";
    for (auto p : a.seasonal_periods) o << p.count() << ",";
    o << static_cast<int>(a.direction) << "," << a.min_dev_abs << "," << a.min_dev_rel << ","
      << a.sensitivity << "," << a.min_duration.count() << "," << a.warmup.count()
      << ",d=" << a.detector;
  }
  const auto& f = j.forecast;
  o << ";forecast=" << f.enabled;
  if (f.enabled) {
    o << "," << f.model << ",h=";
    for (auto h : f.horizons) o << h.count() << ",";
    o << "s=" << f.season.count() << ",l=";
    for (double l : f.levels) o << l << ",";
    o << "t=";
    for (const auto& t : f.thresholds) o << t.value << "/" << t.label << "/" << t.above << ",";
    o << f.fit_history.count() << ",u=" << f.update_window.count();
  }
  // Cluster analyses: their state (a fitted CPU model, rankings) is rebuilt when they change.
  const auto& r = j.rootcause;
  o << ";rootcause=" << r.enabled;
  if (r.enabled) {
    for (const auto* list : {&r.candidates, &r.extra_candidates}) {
      o << "[";
      for (const auto& c : *list) {
        o << c.name << "|" << c.selector << "|" << static_cast<int>(c.transform) << "|"
          << static_cast<int>(c.aggregation) << "|";
        for (const auto& b : c.by) o << b << ",";
        o << "|" << c.layer << "|" << c.prior << "|" << c.bad_direction << ";";
      }
      o << "]";
    }
    o << r.baseline.count() << "," << r.window.count() << "," << r.max_shift.count() << "," << r.top
      << "," << r.target_bad_direction << "," << r.max_targets << ",m=";
    for (const auto& l : r.match_labels) o << l << ",";
  }
  const auto& c = j.cpu_model;
  o << ";cpu_model=" << c.enabled;
  if (c.enabled) {
    o << "," << c.broker_label << "," << c.cpu << "," << c.ridge_lambda << "," << c.anomaly_sigma
      << "," << c.min_samples << ",f=";
    for (const auto& x : c.features) o << x << ";";
  }
  const auto& rc = j.recommendations;
  o << ";recommendations=" << rc.enabled;
  if (rc.enabled) {
    o << "," << rc.group_label << "," << rc.topic_label << "," << rc.committed_offset << ","
      << rc.lag << "," << rc.members << "," << rc.partitions << "," << rc.lag_sla.count() << ","
      << rc.headroom << "," << rc.min_lag << "," << rc.min_samples << "," << rc.peak_window.count()
      << "," << rc.forecast << "," << rc.forecast_model << "," << rc.forecast_horizon.count() << ","
      << rc.forecast_step.count() << "," << rc.forecast_season.count() << "," << rc.max_partitions;
  }
  const auto& pl = j.placement;
  o << ";placement=" << pl.broker_failure << pl.add_broker << pl.rebalance;
  if (pl.enabled()) {
    o << "," << pl.replica_info << "," << pl.broker_info << "," << pl.partition_offset << ","
      << pl.topic_bytes_in << "," << pl.topic_bytes_out << "," << pl.rate_window.count() << ","
      << pl.default_min_isr << "," << pl.unclean_leader_election << "," << pl.max_moves << ",t=";
    for (const auto& [t, m] : pl.topic_min_isr) o << t << "=" << m << ",";
    o << ",m=" << pl.min_isr_metric;
  }
  return o.str();
}

bool Finite(double v) { return std::isfinite(v); }

// A cluster analysis's view of the job's source: fetch, align to the job's grid, transform,
// aggregate.
class EngineFetcher final : public ClusterFetcher {
 public:
  EngineFetcher(HistorySource& source, const JobConfig& cfg, std::function<void(bool)> up)
      : source_(source), cfg_(cfg), up_(std::move(up)) {}

  Result<GridFrame> Fetch(const std::vector<remote_read::Matcher>& matchers, Transform transform,
                          Aggregation aggregation, const std::vector<std::string>& by,
                          int64_t start_ms, int64_t end_ms) override {
    const int64_t step = cfg_.step.count();
    start_ms = FloorToStep(start_ms, step);
    end_ms = FloorToStep(end_ms, step);
    if (end_ms < start_ms) return Status::Error("cluster fetch: empty range");
    // The samples a counter's first grid point needs (its previous sample) are fetched too.
    const int64_t fetch_start = start_ms - step - std::max(cfg_.lookback.count(), step);
    auto set = source_.Fetch(matchers, fetch_start, end_ms);
    if (!set.ok()) {
      up_(false);
      return set.status();
    }
    up_(true);
    samples_read += set->num_samples();
    GridFrame frame;
    frame.start_ms = start_ms;
    frame.step_ms = step;
    frame.points = static_cast<size_t>((end_ms - start_ms) / step + 1);
    std::map<LabelPairs, size_t> groups;  // aggregation key -> index in frame.series
    std::vector<double> grid;
    for (size_t i = 0; i < set->size(); ++i) {
      int64_t s0 = 0;
      if (!GridValues(set->timestamps(i), set->values(i), start_ms, end_ms, step,
                      cfg_.lookback.count(), transform, &s0, &grid)) {
        continue;
      }
      LabelPairs labels;
      for (const auto& l : set->labels(i)) {
        labels.emplace_back(std::string(set->symbol(l.name)), std::string(set->symbol(l.value)));
      }
      std::sort(labels.begin(), labels.end());
      GridSeries* dst;
      bool fresh = true;
      if (aggregation == Aggregation::kNone) {
        frame.series.push_back({std::move(labels), {}});
        dst = &frame.series.back();
      } else {
        LabelPairs key;
        for (const auto& [n, v] : labels) {
          if (std::find(by.begin(), by.end(), n) != by.end()) key.emplace_back(n, v);
        }
        auto [it, inserted] = groups.emplace(key, frame.series.size());
        if (inserted) frame.series.push_back({std::move(key), {}});
        fresh = inserted;
        dst = &frame.series[it->second];
      }
      if (fresh) dst->values.assign(frame.points, std::numeric_limits<double>::quiet_NaN());
      for (size_t k = 0; k < grid.size(); ++k) {
        int64_t t = s0 + static_cast<int64_t>(k) * step;
        if (t < start_ms || t > end_ms || !std::isfinite(grid[k])) continue;
        double& v = dst->values[static_cast<size_t>((t - start_ms) / step)];
        if (std::isnan(v) || aggregation == Aggregation::kNone) {
          v = grid[k];
        } else if (aggregation == Aggregation::kSum) {
          v += grid[k];
        } else {
          v = std::max(v, grid[k]);
        }
      }
    }
    return frame;
  }

  uint64_t samples_read = 0;

 private:
  HistorySource& source_;
  const JobConfig& cfg_;
  std::function<void(bool)> up_;
};

}  // namespace

// The labels a series' results are published with: its input labels without __name__
// (kept as `metric` when the job's selector matches several names), reserved output label names
// prefixed with exported_, and the job's static labels. Sorted by name.
static LabelPairs OutputLabels(const LabelPairs& input, const JobConfig& cfg, bool multi_name) {
  std::map<std::string, std::string> labels;
  for (const auto& [n, v] : input) {
    if (n == "__name__") {
      if (multi_name) labels["metric"] = v;
    } else if (n == "for" || n == "model" || n == "horizon" || n == "threshold") {
      labels["exported_" + n] = v;
    } else {
      labels[n] = v;
    }
  }
  for (const auto& [n, v] : cfg.labels) labels[n] = v;
  return LabelPairs(labels.begin(), labels.end());
}

struct Engine::Job {
  std::string name;  // set before the job is shared, never changed
  // The config may be swapped by Apply() while a cycle runs; readers take a copy with Cfg().
  std::shared_ptr<const JobConfig> Cfg() const {
    std::lock_guard<std::mutex> l(cfg_mu);
    return cfg;
  }
  void SetCfg(std::shared_ptr<const JobConfig> c) {
    std::lock_guard<std::mutex> l(cfg_mu);
    cfg = std::move(c);
  }
  mutable std::mutex cfg_mu;
  std::shared_ptr<const JobConfig> cfg;
  std::string fingerprint;
  std::string source_name;
  std::vector<remote_read::Matcher> matchers;
  std::vector<std::unique_ptr<SeriesAnalysis>> analyses;
  std::atomic<bool> running{false};
  std::atomic<bool> removed{false};
  std::mutex cycle_mu;           // one cycle at a time (scheduler and RunOnce)
  int64_t next_infer_ms = 0;     // guarded by Engine::mu_
  int consecutive_failures = 0;  // guarded by Engine::mu_
  // Guarded by cycle_mu:
  int64_t next_fit_ms = 0;
  int64_t last_end_ms = kNever;
  bool new_series_pending = false;
  std::vector<OutlierResult> outliers;  // latest peer scores
  // Cluster analyses (parallel vectors) and each one's latest successful output.
  std::vector<std::unique_ptr<ClusterAnalysis>> cluster;
  struct ClusterState {
    bool has = false;
    int64_t produced_ms = 0;
    ClusterOutput out;
  };
  std::vector<ClusterState> cluster_state;
  SeriesMap series;
  mutable std::mutex stats_mu;
  JobStats stats;
  bool failing = false;  // guarded by stats_mu
};

Engine::Engine(EngineOptions options, SourceFactory sources,
               std::unique_ptr<AnalysisFactory> analyses, Logger logger)
    : options_(std::move(options)),
      source_factory_(std::move(sources)),
      analyses_(std::move(analyses)),
      logger_(std::move(logger)),
      pool_(options_.workers),
      results_(std::make_shared<ResultsSnapshot>()) {}

Engine::~Engine() { Stop(); }

int64_t Engine::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
    std::string fp = Fingerprint(jc, options_.shard);
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
    auto cluster = analyses_->MakeCluster(jc);
    if (!cluster.ok()) return cluster.status().WithContext("job \"" + jc.name + "\"");
    job->cluster = std::move(*cluster);
    job->cluster_state.resize(job->cluster.size());
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
          });
        }
        // Next due time on the job's own grid, never in the past.
        int64_t next = job->next_infer_ms == 0 ? now + every : job->next_infer_ms + every;
        if (next <= now) next = now + every - (now - job->next_infer_ms) % every;
        job->next_infer_ms = next;
      }
      next_wake = std::min(next_wake, job->next_infer_ms);
    }
    int64_t wait_ms = std::clamp<int64_t>(next_wake - Now(), 10, 1000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms));
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
  const int64_t step = cfg.step.count();
  const int64_t end_grid = FloorToStep(now_ms, step);
  const bool fit_due = now_ms >= job.next_fit_ms || job.last_end_ms == kNever;
  const bool full = fit_due || job.new_series_pending;
  const int64_t fit_start = end_grid - cfg.fit_window.count() + step;
  int64_t grid_start = full ? fit_start : std::max(fit_start, job.last_end_ms);
  // A counter's first grid point needs the sample before it: fetched, not consumed.
  int64_t fetch_start = grid_start - step - std::max(cfg.lookback.count(), step);

  auto t0 = std::chrono::steady_clock::now();
  Result<remote_read::SeriesSet> fetched = remote_read::SeriesSet();
  if (!job.matchers.empty()) {
    fetched = source->Fetch(job.matchers, fetch_start, now_ms);
    if (!fetched.ok()) {
      SetSourceUp(job.source_name, false);
      return fetched.status();
    }
    SetSourceUp(job.source_name, true);
  }
  const remote_read::SeriesSet& set = *fetched;

  // Match fetched series to states (serial), then fit/update in parallel.
  struct Work {
    size_t index;
    SeriesState* state;
    bool refit;
  };
  std::vector<Work> work;
  work.reserve(set.size());
  std::set<std::string> names;
  for (size_t i = 0; i < set.size(); ++i) names.insert(std::string(set.label_value(i, "__name__")));
  const bool multi_name = names.size() > 1;
  uint64_t dropped = 0;
  bool saw_new = false;
  for (size_t i = 0; i < set.size(); ++i) {
    std::vector<std::string_view> values;
    for (const auto& l : set.labels(i)) values.push_back(set.symbol(l.value));
    if (!options_.shard.Owns(values)) continue;
    std::string key = set.SeriesName(i);
    auto it = job.series.find(key);
    SeriesState* st;
    if (it == job.series.end()) {
      if (job.series.size() >= static_cast<size_t>(cfg.max_series)) {
        ++dropped;
        continue;
      }
      auto fresh = std::make_unique<SeriesState>();
      fresh->key = key;
      for (const auto& l : set.labels(i)) {
        fresh->input_labels.emplace_back(std::string(set.symbol(l.name)),
                                         std::string(set.symbol(l.value)));
      }
      st = fresh.get();
      job.series.emplace(key, std::move(fresh));
      if (!full) saw_new = true;
    } else {
      st = it->second.get();
    }
    st->touched = true;
    st->last_seen_ms = now_ms;
    bool refit = fit_due || (!st->fitted && full);
    if (!full && !st->fitted) continue;  // waits for the next full fetch
    work.push_back({i, st, refit});
  }
  (void)multi_name;

  std::atomic<uint64_t> fits{0}, fit_failures{0};
  double fit_seconds = 0;
  const size_t infer_points =
      static_cast<size_t>(std::max<int64_t>(1, cfg.infer_every.count() / step));
  std::mutex err_mu;
  std::string first_error;
  // The points a work item consumes this cycle: the job's grid values (grid.h: gaps stay NaN),
  // without the points an earlier cycle consumed (a refit consumes all history again). Returns
  // false when there is nothing to consume.
  auto cycle_grid = [&](const Work& item, int64_t* start, std::vector<double>* grid) -> bool {
    const SeriesState& st = *item.state;
    int64_t first_t = item.refit ? grid_start : std::max(grid_start, st.last_t);
    if (!GridValues(set.timestamps(item.index), set.values(item.index), first_t, end_grid, step,
                    cfg.lookback.count(), cfg.transform, start, grid)) {
      return false;
    }
    if (!item.refit && st.last_t != kNever && *start <= st.last_t) {
      size_t skip = static_cast<size_t>((st.last_t - *start) / step + 1);
      if (skip >= grid->size()) return false;
      grid->erase(grid->begin(), grid->begin() + static_cast<ptrdiff_t>(skip));
      *start += static_cast<int64_t>(skip) * step;
    }
    return !grid->empty();
  };
  // A refit fits on all but the last few of its n points and scores those, so results appear
  // right away. Returns the number of points fitted on, 0 when n is too short for an analysis.
  auto fit_length = [&](size_t n) -> size_t {
    for (const auto& a : job.analyses) {
      if (n < a->MinHistory()) return 0;
    }
    size_t tail = std::min(infer_points, n / 10);
    for (const auto& a : job.analyses) {
      if (n - tail < a->MinHistory()) tail = 0;
    }
    return n - tail;
  };
  // Job-level fits (pooled forecast models) of a scheduled fit cycle, one per analysis that
  // shares its fit: from the histories the series' own fits below will see.
  std::vector<std::shared_ptr<const SharedFit>> shared(job.analyses.size());
  if (fit_due) {
    std::vector<size_t> sharing;
    for (size_t a = 0; a < job.analyses.size(); ++a) {
      if (job.analyses[a]->SharesFit()) sharing.push_back(a);
    }
    std::vector<size_t> refits;
    for (size_t w = 0; w < work.size(); ++w) {
      if (work[w].refit) refits.push_back(w);
    }
    if (!sharing.empty() && refits.size() >= 2) {
      std::vector<std::vector<std::vector<double>>> condensed(
          sharing.size(), std::vector<std::vector<double>>(refits.size()));
      pool_.ParallelFor(refits.size(), [&](size_t r) {
        int64_t start = 0;
        std::vector<double> grid;
        if (!cycle_grid(work[refits[r]], &start, &grid)) return;
        const size_t fit_n = fit_length(grid.size());
        if (fit_n == 0) return;
        DenseSeries hist{start, step, std::span<const double>(grid.data(), fit_n)};
        for (size_t k = 0; k < sharing.size(); ++k) {
          condensed[k][r] = job.analyses[sharing[k]]->Condense(hist);
        }
      });
      for (size_t k = 0; k < sharing.size(); ++k) {
        auto& c = condensed[k];
        c.erase(std::remove_if(c.begin(), c.end(), [](const auto& v) { return v.empty(); }),
                c.end());
        if (c.size() < 2) continue;
        auto f = job.analyses[sharing[k]]->FitShared(
            std::move(c), static_cast<int>(std::max<size_t>(1, pool_.size())));
        if (f.ok()) {
          shared[sharing[k]] = std::move(*f);
        } else if (first_error.empty()) {
          first_error = std::string(job.analyses[sharing[k]]->kind()) +
                        " job-level fit: " + f.status().message();
        }
      }
    }
  }
  const std::vector<IndexError> thrown = pool_.ParallelFor(work.size(), [&](size_t w) {
    const Work& item = work[w];
    SeriesState& st = *item.state;
    int64_t start = 0;
    std::vector<double> grid;
    if (!cycle_grid(item, &start, &grid)) return;
    const int64_t last_t = start + static_cast<int64_t>(grid.size() - 1) * step;
    SeriesOutput out;
    if (item.refit) {
      std::vector<std::unique_ptr<SeriesModel>> models;
      size_t n = grid.size();
      const size_t fit_n = fit_length(n);
      if (fit_n == 0) {
        fit_failures.fetch_add(1);
        return;
      }
      const size_t tail = n - fit_n;
      DenseSeries hist{start, step, std::span<const double>(grid.data(), fit_n)};
      DenseSeries rest{start + static_cast<int64_t>(fit_n) * step, step,
                       std::span<const double>(grid.data() + fit_n, tail)};
      const DenseSeries all{start, step, std::span<const double>(grid.data(), n)};
      const bool has_models = st.models.size() == job.analyses.size();
      for (size_t a = 0; a < job.analyses.size(); ++a) {
        // An online analysis keeps its running model: it consumes the points it has not seen.
        if (!job.analyses[a]->RefitsOnSchedule() && has_models) {
          (void)st.models[a]->Update(all, &out);
          models.push_back(nullptr);  // kept below
          continue;
        }
        auto m = job.analyses[a]->FitWith(hist, shared[a].get(), &out);
        if (!m.ok()) {
          fit_failures.fetch_add(1);
          std::lock_guard<std::mutex> l(err_mu);
          if (first_error.empty()) first_error = st.key + ": " + m.status().message();
          return;
        }
        if (tail > 0) (void)(*m)->Update(rest, &out);
        models.push_back(std::move(*m));
      }
      for (size_t a = 0; a < models.size(); ++a) {
        if (!models[a]) models[a] = std::move(st.models[a]);
      }
      st.models = std::move(models);
      st.fitted = true;
      fits.fetch_add(1);
    } else {
      DenseSeries pts{start, step, std::span<const double>(grid.data(), grid.size())};
      for (auto& m : st.models) {
        Status s = m->Update(pts, &out);
        if (!s.ok()) {
          std::lock_guard<std::mutex> l(err_mu);
          if (first_error.empty()) first_error = st.key + ": " + s.message();
        }
      }
    }
    st.last_t = last_t;
    st.last_value = grid.back();
    // Fold the outputs into the state.
    const size_t keep = static_cast<size_t>(std::max(0, cfg.anomaly.score_history));
    for (const auto& p : out.anomaly) {
      if (!st.score_history.empty() && p.t_ms <= st.score_history.back().first) continue;
      st.has_anomaly = true;
      st.anomaly = p;
      if (keep > 0) st.score_history.emplace_back(p.t_ms, static_cast<float>(p.score));
    }
    if (st.score_history.size() > keep) {
      st.score_history.erase(
          st.score_history.begin(),
          st.score_history.begin() + static_cast<ptrdiff_t>(st.score_history.size() - keep));
    }
    if (out.has_forecast) {
      st.has_forecast = true;
      st.forecast = std::move(out.forecast);
    }
    for (size_t a = 0; a < job.analyses.size() && a < st.models.size(); ++a) {
      if (job.analyses[a]->kind() == "anomaly") st.anomaly_model = st.models[a]->model_name();
      if (job.analyses[a]->kind() == "forecast") st.forecast_model = st.models[a]->model_name();
    }
  });
  // A series whose analysis threw (e.g. bad_alloc in a fit) keeps its previous models.
  for (const IndexError& e : thrown) {
    if (work[e.index].refit) fit_failures.fetch_add(1);
    if (first_error.empty()) first_error = work[e.index].state->key + ": " + e.what;
  }
  if (fits.load() > 0) fit_seconds = Seconds(std::chrono::steady_clock::now() - t0);

  // Grace period: forget series not seen for longer than it.
  const int64_t grace = cfg.grace_period.count();
  for (auto it = job.series.begin(); it != job.series.end();) {
    SeriesState& st = *it->second;
    st.touched = false;
    if (now_ms - st.last_seen_ms > grace && now_ms - st.last_seen_ms > 0) {
      ++dropped;
      it = job.series.erase(it);
    } else {
      ++it;
    }
  }

  // Outliers among peers: each member (a value of peer_label) is a row of its series' latest
  // values, one column per metric name; members missing a metric or with stale values are left out.
  std::vector<OutlierResult> outliers;
  if (cfg.outliers.enabled) {
    std::map<std::string, std::map<std::string, double>> rows;  // member -> metric -> value
    std::set<std::string> metrics;
    for (const auto& [k, st] : job.series) {
      if (st->last_t == kNever || end_grid - st->last_t > cfg.lookback.count()) continue;
      if (!std::isfinite(st->last_value)) continue;
      std::string member, metric;
      bool has_member = false;
      for (const auto& [n, v] : st->input_labels) {
        if (n == cfg.outliers.peer_label) {
          member = v;
          has_member = true;
        }
        if (n == "__name__") metric = v;
      }
      if (!has_member) continue;
      rows[member][metric] = st->last_value;
      metrics.insert(metric);
    }
    std::vector<PeerMember> members;
    for (const auto& [member, vals] : rows) {
      if (vals.size() != metrics.size()) continue;
      PeerMember m;
      m.labels = {{cfg.outliers.peer_label, member}};
      for (const auto& [n, v] : cfg.labels) m.labels.emplace_back(n, v);
      for (const auto& name : metrics) m.values.push_back(vals.at(name));
      members.push_back(std::move(m));
    }
    if (members.size() >= 3) {
      auto scores = analyses_->ScorePeers(cfg.outliers, members);
      if (!scores.ok()) {
        logger_.Warn("outlier scoring failed",
                     {{"job", cfg.name}, {"err", scores.status().message()}});
      } else {
        for (auto& p : *scores) {
          std::sort(p.labels.begin(), p.labels.end());
          outliers.push_back({std::move(p.labels), p.score});
        }
      }
    }
  }
  job.outliers = std::move(outliers);

  uint64_t cluster_samples = 0;
  Status cluster_status =
      RunClusterAnalyses(job, *source, now_ms, end_grid, fit_due, &cluster_samples);
  if (job.matchers.empty() && !cluster_status.ok()) {
    // A job of cluster analyses only: its fetches are its cycle.
    PublishJob(job, now_ms);
    return cluster_status;
  }

  job.last_end_ms = end_grid;
  if (fit_due) job.next_fit_ms = now_ms + cfg.fit_every.count();
  job.new_series_pending = saw_new;
  double seconds = Seconds(std::chrono::steady_clock::now() - t0);
  size_t bytes = 0;
  for (const auto& [k, st] : job.series) {
    bytes += sizeof(SeriesState) + st->key.size() * 2 + st->score_history.size() * 16;
    for (const auto& m : st->models) bytes += m->MemoryBytes();
  }
  {
    std::lock_guard<std::mutex> sl(job.stats_mu);
    job.stats.fits += fits.load();
    job.stats.fit_failures += fit_failures.load();
    job.stats.series_processed += work.size();
    job.stats.samples_read += set.num_samples() + cluster_samples;
    job.stats.series_dropped += dropped;
    job.stats.series_tracked = job.series.size();
    job.stats.state_bytes = bytes;
    if (full) {
      job.stats.last_fit_seconds = fit_seconds > 0 ? fit_seconds : seconds;
    } else {
      job.stats.last_infer_seconds = seconds;
    }
    job.stats.last_success_unix = static_cast<double>(now_ms) / 1000.0;
  }
  PublishJob(job, now_ms);
  if (fits.load() > 0 && !options_.storage_path.empty()) {
    Status s = SaveJob(job);
    if (!s.ok()) logger_.Warn("saving job state failed", {{"job", cfg.name}, {"err", s.message()}});
  }
  if (!first_error.empty()) {
    logger_.Debug("series analysis error", {{"job", cfg.name}, {"err", first_error}});
  }
  logger_.Debug("job cycle finished", {{"job", cfg.name},
                                       {"phase", full ? "fit" : "infer"},
                                       {"series", static_cast<unsigned long>(work.size())},
                                       {"samples", static_cast<unsigned long>(set.num_samples())},
                                       {"duration_seconds", seconds}});
  return Status::Ok();
}

void Engine::PublishJob(Job& job, int64_t now_ms) {
  std::shared_ptr<const JobConfig> cfgp = job.Cfg();
  const JobConfig& cfg = *cfgp;
  auto res = std::make_shared<JobResults>();
  res->job = cfg.name;
  res->evaluated_ms = now_ms;
  std::set<std::string> names;
  for (const auto& [k, st] : job.series) {
    for (const auto& [n, v] : st->input_labels) {
      if (n == "__name__") names.insert(v);
    }
  }
  const bool multi_name = names.size() > 1;
  std::vector<const SeriesState*> ordered;
  for (const auto& [k, st] : job.series) {
    if (st->has_anomaly || st->has_forecast) ordered.push_back(st.get());
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const SeriesState* a, const SeriesState* b) { return a->key < b->key; });
  res->series.reserve(ordered.size());
  res->outliers = job.outliers;
  for (const SeriesState* st : ordered) {
    SeriesResult r;
    r.labels = OutputLabels(st->input_labels, cfg, multi_name);
    r.input_series = st->key;
    r.has_anomaly = st->has_anomaly && Finite(st->anomaly.score) && Finite(st->anomaly.y) &&
                    Finite(st->anomaly.yhat) && Finite(st->anomaly.yhat_lower) &&
                    Finite(st->anomaly.yhat_upper);
    r.anomaly = st->anomaly;
    r.anomaly_model = st->anomaly_model;
    r.score_history = st->score_history;
    r.has_forecast = st->has_forecast;
    r.forecast = st->forecast;
    r.forecast_model = st->forecast_model;
    res->series.push_back(std::move(r));
  }
  for (const auto& cs : job.cluster_state) {
    if (!cs.has) continue;
    res->extra.insert(res->extra.end(), cs.out.samples.begin(), cs.out.samples.end());
    res->series.insert(res->series.end(), cs.out.series.begin(), cs.out.series.end());
    res->documents.insert(res->documents.end(), cs.out.documents.begin(), cs.out.documents.end());
  }
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

Status Engine::RunClusterAnalyses(Job& job, HistorySource& source, int64_t now_ms, int64_t end_grid,
                                  bool fit_due, uint64_t* samples_read) {
  if (job.cluster.empty()) return Status::Ok();
  std::shared_ptr<const JobConfig> cfgp = job.Cfg();
  const JobConfig& cfg = *cfgp;
  EngineFetcher fetcher(source, cfg, [this, &job](bool up) { SetSourceUp(job.source_name, up); });
  ClusterInput in;
  in.job = &cfg;
  in.now_ms = now_ms;
  in.end_grid_ms = end_grid;
  in.fit_due = fit_due;
  in.fetcher = &fetcher;
  if (cfg.rootcause.enabled) {
    std::set<std::string> names;
    for (const auto& [k, st] : job.series) {
      for (const auto& [n, v] : st->input_labels) {
        if (n == "__name__") names.insert(v);
      }
    }
    for (const auto& [k, st] : job.series) {
      const AnomalyPoint& a = st->anomaly;
      if (!st->has_anomaly || !(a.score > 1) || !std::isfinite(a.score)) continue;
      if (end_grid - a.t_ms > cfg.lookback.count()) continue;  // not current
      in.targets.push_back({st->key, st->input_labels,
                            OutputLabels(st->input_labels, cfg, names.size() > 1), a.score});
    }
    std::sort(in.targets.begin(), in.targets.end(),
              [](const ClusterTarget& a, const ClusterTarget& b) {
                return a.score != b.score ? a.score > b.score : a.key < b.key;
              });
    if (in.targets.size() > static_cast<size_t>(cfg.rootcause.max_targets)) {
      in.targets.resize(static_cast<size_t>(cfg.rootcause.max_targets));
    }
  }
  Status first;
  for (size_t i = 0; i < job.cluster.size(); ++i) {
    ClusterAnalysis& a = *job.cluster[i];
    // With sharding, whole-cluster analyses run on shard 0 only (root cause follows its
    // targets, which are sharded).
    if (options_.shard.index != 0 && a.kind() != "rootcause") continue;
    ClusterOutput out;
    Status s = a.Run(in, &out);
    Job::ClusterState& cs = job.cluster_state[i];
    if (s.ok()) {
      cs.has = true;
      cs.produced_ms = now_ms;
      cs.out = std::move(out);
      continue;
    }
    logger_.Warn("cluster analysis failed",
                 {{"job", cfg.name}, {"analysis", std::string(a.kind())}, {"err", s.message()}});
    if (cs.has && now_ms - cs.produced_ms > cfg.grace_period.count()) cs = Job::ClusterState();
    if (first.ok()) first = s;
  }
  *samples_read += fetcher.samples_read;
  return first;
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
