#include "sidecar/engine/cycle.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "sidecar/engine/cluster_stage.h"
#include "sidecar/engine/fit_batches.h"
#include "sidecar/engine/grid.h"
#include "sidecar/engine/peer_stage.h"
#include "sidecar/engine/series_update.h"

namespace streamlens::engine {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Stage 1: the grid of this cycle.
struct Plan {
  CycleWindow win;      // the recent range: what came since the previous cycle
  CycleWindow fit_win;  // the fit window
  int64_t fetch_start_ms = 0, fit_fetch_start_ms = 0;
  bool cluster_fit_due = false;
};

Plan PlanCycle(const Job& job, const JobConfig& cfg, int64_t now_ms) {
  Plan p;
  const int64_t step = cfg.step.count();
  const int64_t reach = std::max(cfg.lookback.count(), step);
  p.win.step_ms = step;
  p.win.end_grid_ms = FloorToStep(now_ms, step);
  p.win.lookback_ms = cfg.lookback.count();
  p.win.transform = cfg.transform;
  p.win.infer_points = static_cast<size_t>(std::max<int64_t>(1, cfg.infer_every.count() / step));
  p.win.score_history = static_cast<size_t>(std::max(0, cfg.anomaly.score_history));
  p.fit_win = p.win;
  p.fit_win.grid_start_ms = p.win.end_grid_ms - cfg.fit_window.count() + step;
  // A job's first cycle reads the last few points: enough to list its current series, whose
  // histories the fit stage then reads batch by batch.
  p.win.grid_start_ms = job.last_end_ms == kNever
                            ? p.win.end_grid_ms - reach
                            : std::max(p.fit_win.grid_start_ms, job.last_end_ms);
  // A counter's first grid point needs the sample before it: fetched, not consumed.
  p.fetch_start_ms = p.win.grid_start_ms - step - reach;
  p.fit_fetch_start_ms = p.fit_win.grid_start_ms - step - reach;
  p.cluster_fit_due = now_ms >= job.next_fit_ms || job.last_end_ms == kNever;
  return p;
}

// Stage 2 (and each fit batch's fetch).
Result<remote_read::SeriesSet> FetchSeries(const std::vector<remote_read::Matcher>& matchers,
                                           int64_t start_ms, int64_t now_ms, const CycleEnv& env) {
  if (matchers.empty()) return remote_read::SeriesSet();
  auto set = env.source->Fetch(matchers, start_ms, now_ms);
  env.source_up(set.ok());
  return set;
}

// Stage 3: fetched series -> states (new series are created; beyond max_series they are
// dropped and counted). Fitted series get this cycle's points; the others wait for the fit stage.
std::vector<SeriesWork> MatchSeries(Job& job, const JobConfig& cfg,
                                    const remote_read::SeriesSet& set, int64_t now_ms,
                                    const ShardSpec& shard, CycleReport* report) {
  std::vector<SeriesWork> work;
  work.reserve(set.size());
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
    }
    SeriesState* st = it->second.get();
    st->last_seen_ms = now_ms;
    if (st->fitted) work.push_back({i, st, FitKind::kUpdate});
  }
  return work;
}

// The refit schedule of a series after its fit: a full fit is due fit_every later, after a quick
// first fit at once; a failed refit keeps the previous models until the next schedule.
void Reschedule(SeriesState& st, FitKind kind, const SeriesUpdate& u, int64_t now_ms,
                int64_t fit_every) {
  if (u.fitted) {
    st.drift.OnFit(st.last_fit_ms, now_ms, fit_every,
                   kind == FitKind::kFull && now_ms < st.next_fit_ms);
    st.last_fit_ms = now_ms;
    st.full_fit = !u.quick;
    st.next_fit_ms = u.quick ? now_ms : now_ms + fit_every;
  } else if (kind == FitKind::kFull) {
    st.next_fit_ms = now_ms + fit_every;
  }
}

// Stage 4, and the fits of stage 5: every series of `work` in parallel. A series whose analysis
// threw (e.g. bad_alloc in a fit) keeps its previous models.
void UpdateAllSeries(const Job& job, const remote_read::SeriesSet& set,
                     const std::vector<SeriesWork>& work, const CycleWindow& win,
                     const SharedFits& shared, int64_t now_ms, int64_t fit_every, WorkerPool& pool,
                     CycleReport* report) {
  std::atomic<uint64_t> fits{0}, failures{0};
  std::mutex err_mu;
  const std::vector<IndexError> thrown = pool.ParallelFor(work.size(), [&](size_t w) {
    int64_t start = 0;
    std::vector<double> grid;
    if (!CycleGrid(set, work[w], win, &start, &grid)) return;
    const SeriesUpdate u =
        UpdateSeries(*work[w].state, work[w], start, grid, win, job.analyses, shared);
    if (work[w].refit()) Reschedule(*work[w].state, work[w].kind, u, now_ms, fit_every);
    fits += u.fitted ? 1 : 0;
    failures += u.fit_failed ? 1 : 0;
    if (!u.error.empty()) {
      std::lock_guard<std::mutex> l(err_mu);
      if (report->first_error.empty()) report->first_error = u.error;
    }
  });
  for (const IndexError& e : thrown) {
    if (work[e.index].refit()) ++failures;
    if (report->first_error.empty()) report->first_error = work[e.index].state->key + ": " + e.what;
  }
  report->fits += fits.load();
  report->fit_failures += failures.load();
  report->processed += work.size();
}

// The job-level fits (pooled forecast models) of a batch of fits, from the histories the series'
// own fits will see, when the job has none or they are fit_every old and the batch is large
// enough to pool over: half a batch, or half the job's series when it has fewer. A job of at most
// fit_batch series thus pools over all of them in its first cycle, as the offline command does.
// Quick first fits use no job-level fit: a batch of them leaves it to the first full batch.
void RefreshSharedFits(Job& job, const JobConfig& cfg, const remote_read::SeriesSet& set,
                       const std::vector<SeriesWork>& work, FitKind kind, const CycleWindow& win,
                       int64_t now_ms, const CycleEnv& env, std::string* error) {
  WorkerPool& pool = *env.pool;
  if (job.shared_fit_ms != kNever && now_ms < job.shared_fit_ms + cfg.fit_every.count()) return;
  std::vector<size_t> sharing;
  for (size_t a = 0; a < job.analyses.size(); ++a) {
    const bool quick = kind == FitKind::kFirst && job.analyses[a]->HasQuickFit();
    if (job.analyses[a]->SharesFit() && !quick) sharing.push_back(a);
  }
  const size_t pool_size =
      std::min(static_cast<size_t>(std::max(1, env.fit_batch)), job.series.size());
  if (sharing.empty() || work.size() < std::max<size_t>(2, pool_size / 2)) return;
  std::vector<std::vector<std::vector<double>>> condensed(
      sharing.size(), std::vector<std::vector<double>>(work.size()));
  pool.ParallelFor(work.size(), [&](size_t r) {
    int64_t start = 0;
    std::vector<double> grid;
    if (!CycleGrid(set, work[r], win, &start, &grid)) return;
    const size_t fit_n = FitLength(grid.size(), job.analyses, win.infer_points);
    if (fit_n == 0) return;
    const DenseSeries hist{start, win.step_ms, std::span<const double>(grid.data(), fit_n)};
    for (size_t k = 0; k < sharing.size(); ++k) {
      condensed[k][r] = job.analyses[sharing[k]]->Condense(hist);
    }
  });
  SharedFits shared(job.analyses.size());
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
  job.shared_fits = std::move(shared);
  job.shared_fit_ms = now_ms;
}

// Series of this cycle due for a first fit, and for a full refit (most overdue first).
struct DueSeries {
  std::vector<SeriesState*> first, full;
};

DueSeries FindDue(const Job& job, int64_t now_ms) {
  DueSeries due;
  for (const auto& [key, st] : job.series) {
    if (st->last_seen_ms != now_ms) continue;  // not in this cycle's fetch
    if (!st->fitted) {
      due.first.push_back(st.get());
    } else if (now_ms >= st->next_fit_ms || st->drift.Due(now_ms, st->last_fit_ms)) {
      due.full.push_back(st.get());
    }
  }
  return due;
}

// Batches in order of their most overdue series.
void OrderByDue(std::vector<FitBatch>* batches) {
  auto earliest = [](const FitBatch& b) {
    int64_t e = std::numeric_limits<int64_t>::max();
    for (const SeriesState* s : b.wanted)
      e = std::min(e, s->drift.drifted() ? kNever : s->next_fit_ms);
    return e;
  };
  std::stable_sort(batches->begin(), batches->end(),
                   [&](const FitBatch& a, const FitBatch& b) { return earliest(a) < earliest(b); });
}

// Fits the wanted series of one batch from its fetch.
Status FitBatchSeries(Job& job, const JobConfig& cfg, const FitBatch& batch, FitKind kind,
                      const Plan& plan, int64_t now_ms, const CycleEnv& env, CycleReport* report) {
  auto set = FetchSeries(batch.matchers, plan.fit_fetch_start_ms, now_ms, env);
  if (!set.ok()) return set.status();
  report->samples += set->num_samples();
  std::unordered_map<std::string_view, SeriesState*> wanted;
  for (SeriesState* s : batch.wanted) wanted.emplace(s->key, s);
  std::vector<SeriesWork> work;
  for (size_t i = 0; i < set->size() && !wanted.empty(); ++i) {
    auto it = wanted.find(set->SeriesName(i));
    if (it == wanted.end()) continue;
    SeriesState* st = it->second;
    if (kind == FitKind::kFull) {
      ++report->full_fits;
      if (now_ms < st->next_fit_ms) ++report->drift_fits;
    } else {
      ++report->first_fits;
    }
    work.push_back({i, st, kind});
    wanted.erase(it);
  }
  RefreshSharedFits(job, cfg, *set, work, kind, plan.fit_win, now_ms, env, &report->first_error);
  UpdateAllSeries(job, *set, work, plan.fit_win, job.shared_fits, now_ms, cfg.fit_every.count(),
                  *env.pool, report);
  return Status::Ok();
}

// Stage 5: first fits for every series without a model, then full refits within the budget.
Status FitDueSeries(Job& job, const JobConfig& cfg, const Plan& plan, int64_t now_ms,
                    const CycleEnv& env, CycleReport* report) {
  const DueSeries due = FindDue(job, now_ms);
  const size_t batch = static_cast<size_t>(std::max(1, env.fit_batch));
  const std::vector<FitBatch> first = PlanFitBatches(job.matchers, due.first, job.series, batch);
  // Quick first models only when the new series take several batches (a large job's start).
  const FitKind first_kind = first.size() > 1 ? FitKind::kFirst : FitKind::kFirstFull;
  for (size_t b = 0; b < first.size(); ++b) {
    Status s = FitBatchSeries(job, cfg, first[b], first_kind, plan, now_ms, env, report);
    if (!s.ok()) return s;
    if (b + 1 < first.size() && env.publish) env.publish();
  }
  std::vector<FitBatch> full = PlanFitBatches(job.matchers, due.full, job.series, batch);
  OrderByDue(&full);
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration<double>(env.refit_budget *
                                    static_cast<double>(cfg.infer_every.count()) / 1000.0);
  for (size_t b = 0; b < full.size(); ++b) {
    if (b > 0 && std::chrono::steady_clock::now() >= deadline) {
      for (size_t r = b; r < full.size(); ++r) report->refits_waiting += full[r].wanted.size();
      break;
    }
    Status s = FitBatchSeries(job, cfg, full[b], FitKind::kFull, plan, now_ms, env, report);
    if (!s.ok()) return s;
  }
  return Status::Ok();
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
  report->fit_due = plan.cluster_fit_due;
  {
    auto set = FetchSeries(job.matchers, plan.fetch_start_ms, now_ms, env);
    if (!set.ok()) return set.status();
    report->fetched = true;
    report->samples += set->num_samples();
    const std::vector<SeriesWork> work = MatchSeries(job, cfg, *set, now_ms, *env.shard, report);
    UpdateAllSeries(job, *set, work, plan.win, {}, now_ms, cfg.fit_every.count(), *env.pool,
                    report);
  }
  const auto fit_t0 = std::chrono::steady_clock::now();
  const Status fitted = FitDueSeries(job, cfg, plan, now_ms, env, report);
  report->full = report->first_fits + report->full_fits > 0;
  if (report->full) report->fit_seconds = SecondsSince(fit_t0);
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
  const ClusterStageTime time{now_ms, plan.win.end_grid_ms, plan.cluster_fit_due};
  Status cluster = RunClusterStage(job, cfg, time, env, &report->samples);
  if (!cluster.ok()) return cluster;
  job.last_end_ms = plan.win.end_grid_ms;
  if (plan.cluster_fit_due) job.next_fit_ms = now_ms + cfg.fit_every.count();
  report->seconds = SecondsSince(t0);
  if (!fitted.ok()) return fitted.WithContext("fit batch");
  return Status::Ok();
}

}  // namespace streamlens::engine
