#include "sidecar/engine/cluster_stage.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "sidecar/engine/grid.h"
#include "sidecar/engine/job_results.h"

namespace streamlens::engine {
namespace {

// A cluster analysis's view of the job's source: fetch (within one cluster: every fetch also
// matches the job's cluster label), align to the job's grid, transform, aggregate.
class EngineFetcher final : public ClusterFetcher {
 public:
  EngineFetcher(HistorySource& source, const JobConfig& cfg, std::string cluster,
                std::function<void(bool)> up)
      : source_(source), cfg_(cfg), cluster_(std::move(cluster)), up_(std::move(up)) {}

  Result<GridFrame> Fetch(const std::vector<remote_read::Matcher>& matchers, Transform transform,
                          Aggregation aggregation, const std::vector<std::string>& by,
                          int64_t start_ms, int64_t end_ms) override {
    const int64_t step = cfg_.step.count();
    start_ms = FloorToStep(start_ms, step);
    end_ms = FloorToStep(end_ms, step);
    if (end_ms < start_ms) return Status::Error("cluster fetch: empty range");
    // The samples a counter's first grid point needs (its previous sample) are fetched too.
    const int64_t fetch_start = start_ms - step - std::max(cfg_.lookback.count(), step);
    std::vector<remote_read::Matcher> scoped = matchers;
    if (!cluster_.empty()) {
      scoped.push_back({remote_read::MatchType::kEqual, cfg_.cluster_label, cluster_});
    }
    auto set = source_.Fetch(scoped, fetch_start, end_ms);
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
  std::string cluster_;
  std::function<void(bool)> up_;
};

std::string LabelOf(const LabelPairs& labels, const std::string& name) {
  for (const auto& [n, v] : labels) {
    if (n == name) return v;
  }
  return "";
}

// The clusters this cycle runs for.
std::set<std::string> DiscoverClusters(const Job& job, const JobConfig& cfg,
                                       const ClusterStageTime& time, const CycleEnv& env) {
  std::set<std::string> clusters;
  if (!job.matchers.empty()) {
    for (const auto& [k, st] : job.series)
      clusters.insert(LabelOf(st->input_labels, cfg.cluster_label));
  } else if (!cfg.cluster_discovery.empty()) {
    auto matchers = remote_read::ParseSelector(cfg.cluster_discovery);
    if (matchers.ok()) {
      const int64_t lookback = std::max(cfg.lookback.count(), cfg.step.count());
      auto set = env.source->Fetch(*matchers, time.end_grid_ms - lookback, time.now_ms);
      if (set.ok()) {
        for (size_t i = 0; i < set->size(); ++i) {
          clusters.insert(std::string(set->label_value(i, cfg.cluster_label)));
        }
      }
    }
  }
  if (clusters.empty()) clusters.insert("");
  return clusters;
}

// Creates the runs of clusters seen for the first time; drops those of clusters gone for good
// (no output left within the grace period).
Status SyncRuns(Job& job, const JobConfig& cfg, const std::set<std::string>& clusters,
                int64_t now_ms, const CycleEnv& env) {
  for (const std::string& c : clusters) {
    if (job.clusters.count(c)) continue;
    auto made = env.factory->MakeCluster(cfg);
    if (!made.ok()) return made.status();
    std::vector<ClusterRun> runs;
    for (auto& a : *made) {
      ClusterRun r;
      r.status.analysis = std::string(a->kind());
      r.status.cluster = c;
      r.status.since_ms = now_ms;
      r.analysis = std::move(a);
      runs.push_back(std::move(r));
    }
    job.clusters.emplace(c, std::move(runs));
  }
  for (auto it = job.clusters.begin(); it != job.clusters.end();) {
    const bool kept = clusters.count(it->first) ||
                      std::any_of(it->second.begin(), it->second.end(), [&](const ClusterRun& r) {
                        return r.has && now_ms - r.produced_ms <= cfg.grace_period.count();
                      });
    it = kept ? std::next(it) : job.clusters.erase(it);
  }
  return Status::Ok();
}

// The oldest point of the latest run scoring above 1 in `history` (oldest first), bridging dips
// up to `max_dip_ms` long; 0 when the latest point is not above 1.
int64_t AnomalySince(const std::vector<std::pair<int64_t, float>>& history, int64_t max_dip_ms) {
  int64_t since = 0;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->second > 1) {
      since = it->first;
    } else if (since == 0 || since - it->first > max_dip_ms) {
      break;
    }
  }
  return since;
}

// The anomalous series of one cluster, highest score first, at most rootcause.max_targets.
std::vector<ClusterTarget> Targets(const Job& job, const JobConfig& cfg, const std::string& cluster,
                                   int64_t end_grid_ms) {
  std::vector<ClusterTarget> targets;
  const bool multi_name = MatchesSeveralNames(job.series);
  for (const auto& [k, st] : job.series) {
    const AnomalyPoint& a = st->anomaly;
    if (!st->has_anomaly || !(a.score > 1) || !std::isfinite(a.score)) continue;
    if (end_grid_ms - a.t_ms > cfg.lookback.count()) continue;  // not current
    if (LabelOf(st->input_labels, cfg.cluster_label) != cluster) continue;
    targets.push_back({st->key, st->input_labels, OutputLabels(st->input_labels, cfg, multi_name),
                       a.score, AnomalySince(st->score_history, cfg.rootcause.max_shift.count())});
  }
  std::sort(targets.begin(), targets.end(), [](const ClusterTarget& a, const ClusterTarget& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  });
  if (targets.size() > static_cast<size_t>(cfg.rootcause.max_targets)) {
    targets.resize(static_cast<size_t>(cfg.rootcause.max_targets));
  }
  return targets;
}

void AddLabel(LabelPairs* labels, const std::string& name, const std::string& value) {
  for (const auto& [n, v] : *labels) {
    if (n == name) return;
  }
  labels->emplace_back(name, value);
  std::sort(labels->begin(), labels->end());
}

// Outputs of a named cluster carry its label (documents in their JSON and their key).
void LabelOutput(ClusterOutput* out, const std::string& label, const std::string& cluster) {
  if (cluster.empty()) return;
  for (ExtraSample& s : out->samples) AddLabel(&s.labels, label, cluster);
  for (SeriesResult& s : out->series) AddLabel(&s.labels, label, cluster);
  for (JsonDocument& d : out->documents) {
    if (!d.json.empty() && d.json[0] == '{') {
      std::string field;
      json::KeyStr(&field, label, cluster, /*first=*/true);
      d.json.insert(1, field + (d.json.size() > 2 ? "," : ""));
    }
  }
}

// Runs one analysis for one cluster and records whether it could.
bool RunOne(ClusterRun& run, const ClusterInput& in, const JobConfig& cfg, const Logger& logger) {
  ClusterOutput out;
  Status s = run.analysis->Run(in, &out);
  const bool was_up = run.status.up;
  run.status.up = s.ok();
  run.status.reason = s.ok() ? "" : s.message();
  if (was_up != run.status.up) {
    run.status.since_ms = in.now_ms;
    std::vector<LogField> f = {{"job", cfg.name}, {"analysis", run.status.analysis}};
    if (!run.status.cluster.empty()) f.emplace_back("cluster", run.status.cluster);
    if (s.ok()) {
      logger.Info("cluster analysis up again", f);
    } else {
      f.emplace_back("err", s.message());
      logger.Warn("cluster analysis down", f);
    }
  }
  if (s.ok()) {
    LabelOutput(&out, cfg.cluster_label, run.status.cluster);
    run.has = true;
    run.produced_ms = in.now_ms;
    run.out = std::move(out);
  } else if (run.has && in.now_ms - run.produced_ms > cfg.grace_period.count()) {
    run.has = false;
    run.out = ClusterOutput();
  }
  return s.ok();
}

}  // namespace

Status RunClusterStage(Job& job, const JobConfig& cfg, const ClusterStageTime& time,
                       const CycleEnv& env, uint64_t* samples_read) {
  if (!cfg.HasClusterAnalyses()) return Status::Ok();
  Status synced = SyncRuns(job, cfg, DiscoverClusters(job, cfg, time, env), time.now_ms, env);
  if (!synced.ok()) return synced;
  size_t ran = 0, ok = 0;
  std::string first_error;
  for (auto& [cluster, runs] : job.clusters) {
    EngineFetcher fetcher(*env.source, cfg, cluster, env.source_up);
    ClusterInput in;
    in.job = &cfg;
    in.now_ms = time.now_ms;
    in.end_grid_ms = time.end_grid_ms;
    in.fit_due = time.fit_due;
    in.fit_batch = static_cast<size_t>(std::max(1, env.fit_batch));
    in.fetcher = &fetcher;
    in.pool = env.pool;
    if (cfg.rootcause.enabled) in.targets = Targets(job, cfg, cluster, time.end_grid_ms);
    for (ClusterRun& run : runs) {
      if (env.shard->index != 0 && !run.analysis->RunsOnEveryShard()) continue;
      ++ran;
      if (RunOne(run, in, cfg, *env.logger)) {
        ++ok;
      } else if (first_error.empty()) {
        first_error = run.status.analysis + ": " + run.status.reason;
      }
    }
    *samples_read += fetcher.samples_read;
  }
  if (job.matchers.empty() && ran > 0 && ok == 0) return Status::Error(first_error);
  return Status::Ok();
}

}  // namespace streamlens::engine
