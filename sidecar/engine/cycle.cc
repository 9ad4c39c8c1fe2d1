#include "sidecar/engine/cycle.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "sidecar/engine/cluster_stage.h"
#include "sidecar/engine/grid.h"
#include "sidecar/engine/peer_stage.h"
#include "sidecar/engine/series_update.h"

namespace streamlens::engine {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Stage 1: what to fetch.
struct Plan {
  CycleWindow win;
  int64_t fetch_start_ms = 0;
  bool fit_due = false;
  bool full = false;  // the fit window is fetched (a refit, or a new series waits for its fit)
};

Plan PlanCycle(const Job& job, const JobConfig& cfg, int64_t now_ms) {
  Plan p;
  const int64_t step = cfg.step.count();
  p.win.step_ms = step;
  p.win.end_grid_ms = FloorToStep(now_ms, step);
  p.win.lookback_ms = cfg.lookback.count();
  p.win.transform = cfg.transform;
  p.win.infer_points = static_cast<size_t>(std::max<int64_t>(1, cfg.infer_every.count() / step));
  p.win.score_history = static_cast<size_t>(std::max(0, cfg.anomaly.score_history));
  p.fit_due = now_ms >= job.next_fit_ms || job.last_end_ms == kNever;
  p.full = p.fit_due || job.new_series_pending;
  const int64_t fit_start = p.win.end_grid_ms - cfg.fit_window.count() + step;
  p.win.grid_start_ms = p.full ? fit_start : std::max(fit_start, job.last_end_ms);
  // A counter's first grid point needs the sample before it: fetched, not consumed.
  p.fetch_start_ms = p.win.grid_start_ms - step - std::max(cfg.lookback.count(), step);
  return p;
}

// Stage 2.
Result<remote_read::SeriesSet> FetchSeries(const Job& job, const Plan& plan, int64_t now_ms,
                                           const CycleEnv& env) {
  if (job.matchers.empty()) return remote_read::SeriesSet();
  auto set = env.source->Fetch(job.matchers, plan.fetch_start_ms, now_ms);
  env.source_up(set.ok());
  return set;
}

// Stage 3: fetched series -> states (new series are created; beyond max_series they are
// dropped and counted). A series not fitted yet waits for the next full fetch.
std::vector<SeriesWork> MatchSeries(Job& job, const JobConfig& cfg,
                                    const remote_read::SeriesSet& set, const Plan& plan,
                                    int64_t now_ms, const ShardSpec& shard, CycleReport* report) {
  std::vector<SeriesWork> work;
  work.reserve(set.size());
  bool saw_new = false;
  std::vector<std::string_view> values;
  for (size_t i = 0; i < set.size(); ++i) {
    values.clear();
    for (const auto& l : set.labels(i)) values.push_back(set.symbol(l.value));
    if (!shard.Owns(values)) continue;
    std::string key = set.SeriesName(i);
    auto it = job.series.find(key);
    if (it == job.series.end()) {
      if (job.series.size() >= static_cast<size_t>(cfg.max_series)) {
        ++report->dropped;
        continue;
      }
      auto fresh = std::make_unique<SeriesState>();
      fresh->key = key;
      for (const auto& l : set.labels(i)) {
        fresh->input_labels.emplace_back(std::string(set.symbol(l.name)),
                                         std::string(set.symbol(l.value)));
      }
      it = job.series.emplace(std::move(key), std::move(fresh)).first;
      saw_new |= !plan.full;
    }
    SeriesState* st = it->second.get();
    st->last_seen_ms = now_ms;
    if (!plan.full && !st->fitted) continue;
    work.push_back({i, st, plan.fit_due || (!st->fitted && plan.full)});
  }
  job.new_series_pending = saw_new;
  return work;
}

// Stage 4: the job-level fits of a scheduled refit (pooled forecast models), from the histories
// the series' own fits will see.
SharedFits FitShared(const Job& job, const remote_read::SeriesSet& set,
                     const std::vector<SeriesWork>& work, const Plan& plan, WorkerPool& pool,
                     std::string* error) {
  SharedFits shared(job.analyses.size());
  std::vector<size_t> sharing, refits;
  for (size_t a = 0; a < job.analyses.size(); ++a) {
    if (job.analyses[a]->SharesFit()) sharing.push_back(a);
  }
  for (size_t w = 0; w < work.size(); ++w) {
    if (work[w].refit) refits.push_back(w);
  }
  if (!plan.fit_due || sharing.empty() || refits.size() < 2) return shared;
  std::vector<std::vector<std::vector<double>>> condensed(
      sharing.size(), std::vector<std::vector<double>>(refits.size()));
  pool.ParallelFor(refits.size(), [&](size_t r) {
    int64_t start = 0;
    std::vector<double> grid;
    if (!CycleGrid(set, work[refits[r]], plan.win, &start, &grid)) return;
    const size_t fit_n = FitLength(grid.size(), job.analyses, plan.win.infer_points);
    if (fit_n == 0) return;
    const DenseSeries hist{start, plan.win.step_ms, std::span<const double>(grid.data(), fit_n)};
    for (size_t k = 0; k < sharing.size(); ++k) {
      condensed[k][r] = job.analyses[sharing[k]]->Condense(hist);
    }
  });
  for (size_t k = 0; k < sharing.size(); ++k) {
    auto& c = condensed[k];
    c.erase(std::remove_if(c.begin(), c.end(), [](const auto& v) { return v.empty(); }), c.end());
    if (c.size() < 2) continue;
    auto f = job.analyses[sharing[k]]->FitShared(
        std::move(c), static_cast<int>(std::max<size_t>(1, pool.size())));
    if (f.ok()) {
      shared[sharing[k]] = std::move(*f);
    } else if (error->empty()) {
      *error =
          std::string(job.analyses[sharing[k]]->kind()) + " job-level fit: " + f.status().message();
    }
  }
  return shared;
}

// Stage 5: every series in parallel. A series whose analysis threw (e.g. bad_alloc in a fit)
// keeps its previous models.
void UpdateAllSeries(Job& job, const remote_read::SeriesSet& set,
                     const std::vector<SeriesWork>& work, const Plan& plan,
                     const SharedFits& shared, WorkerPool& pool, CycleReport* report) {
  std::atomic<uint64_t> fits{0}, failures{0};
  std::mutex err_mu;
  const std::vector<IndexError> thrown = pool.ParallelFor(work.size(), [&](size_t w) {
    int64_t start = 0;
    std::vector<double> grid;
    if (!CycleGrid(set, work[w], plan.win, &start, &grid)) return;
    const SeriesUpdate u =
        UpdateSeries(*work[w].state, work[w], start, grid, plan.win, job.analyses, shared);
    fits += u.fitted ? 1 : 0;
    failures += u.fit_failed ? 1 : 0;
    if (!u.error.empty()) {
      std::lock_guard<std::mutex> l(err_mu);
      if (report->first_error.empty()) report->first_error = u.error;
    }
  });
  for (const IndexError& e : thrown) {
    if (work[e.index].refit) ++failures;
    if (report->first_error.empty()) report->first_error = work[e.index].state->key + ": " + e.what;
  }
  report->fits += fits.load();
  report->fit_failures += failures.load();
  report->processed += work.size();
}

// Stage 6: series not seen for the grace period are forgotten.
void ForgetStale(Job& job, const JobConfig& cfg, int64_t now_ms, CycleReport* report) {
  const int64_t grace = cfg.grace_period.count();
  for (auto it = job.series.begin(); it != job.series.end();) {
    const int64_t age = now_ms - it->second->last_seen_ms;
    if (age > grace && age > 0) {
      ++report->dropped;
      it = job.series.erase(it);
    } else {
      ++it;
    }
  }
}

// `next` with each status's since_ms carried over from `old` when its state did not change.
void KeepSince(std::vector<AnalysisStatus>* next, const std::vector<AnalysisStatus>& old) {
  for (AnalysisStatus& s : *next) {
    for (const AnalysisStatus& o : old) {
      if (o.analysis == s.analysis && o.cluster == s.cluster && o.up == s.up)
        s.since_ms = o.since_ms;
    }
  }
}

// The per-series analyses' status: down when no series matches the selector or when every
// series that was fitted failed.
std::vector<AnalysisStatus> SeriesStatus(const Job& job, const CycleReport& r, int64_t now_ms) {
  std::vector<AnalysisStatus> out;
  for (const auto& a : job.analyses) {
    AnalysisStatus s;
    s.analysis = std::string(a->kind());
    s.since_ms = now_ms;
    if (job.series.empty()) {
      s.up = false;
      s.reason = "no series match the selector";
    } else if (r.fit_failures > 0 && r.fits == 0) {
      s.up = false;
      s.reason = r.first_error.empty() ? "no series had enough history" : r.first_error;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Status RunJobCycle(Job& job, const JobConfig& cfg, int64_t now_ms, const CycleEnv& env,
                   CycleReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  const Plan plan = PlanCycle(job, cfg, now_ms);
  report->full = plan.full;
  report->fit_due = plan.fit_due;
  auto set = FetchSeries(job, plan, now_ms, env);
  if (!set.ok()) return set.status();
  report->fetched = true;
  report->samples += set->num_samples();
  const std::vector<SeriesWork> work =
      MatchSeries(job, cfg, *set, plan, now_ms, *env.shard, report);
  const SharedFits shared = FitShared(job, *set, work, plan, *env.pool, &report->first_error);
  UpdateAllSeries(job, *set, work, plan, shared, *env.pool, report);
  if (report->fits > 0) report->fit_seconds = SecondsSince(t0);
  ForgetStale(job, cfg, now_ms, report);
  std::vector<AnalysisStatus> status = SeriesStatus(job, *report, now_ms);
  job.outliers.clear();
  if (cfg.outliers.enabled) {
    AnalysisStatus peers;
    job.outliers = ScorePeers(job.series, cfg, plan.win.end_grid_ms, *env.factory, &peers);
    peers.since_ms = now_ms;
    status.push_back(std::move(peers));
  }
  KeepSince(&status, job.series_status);
  job.series_status = std::move(status);
  const ClusterStageTime time{now_ms, plan.win.end_grid_ms, plan.fit_due};
  Status cluster = RunClusterStage(job, cfg, time, env, &report->samples);
  if (!cluster.ok()) return cluster;
  job.last_end_ms = plan.win.end_grid_ms;
  if (plan.fit_due) job.next_fit_ms = now_ms + cfg.fit_every.count();
  report->seconds = SecondsSince(t0);
  return Status::Ok();
}

}  // namespace streamlens::engine
