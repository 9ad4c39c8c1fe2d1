// Adapter: consumer capacity and partition recommendations
// (sidecar/analysis/models/consumer_capacity.h, recommendations.h) as a cluster analysis.
//
// At each refit learns the consumer capacity of every group/topic that has a lag now from
// catch-up periods in fit_window and forecasts its input rate (d(committed + lag)/dt, averaged
// into forecast.step buckets); each cycle recommends consumers and partitions for the lag SLA from
// the forecast peak (never below the latest bucket's input rate; the recent peak when the
// forecast fails or is off), the current lag, members and partitions. A refit reads the fit window
// in batches of whole groups (at most ClusterInput::fit_batch group/topic pairs each, narrowed by
// a matcher on the group label, and on the topic label for partitions), one batch per cycle, so a
// cycle holds one batch of history and spends one batch's forecasts whatever the number of
// groups; a group that appears after a refit is learned at the next one. A job's first refit
// over several batches first learns every group with quick (seasonal naive) input forecasts, in
// its first cycle, and learns its first batch in full at the next cycle.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include "common/json_writer.h"
#include "sidecar/analysis/forecast/forecast.h"
#include "sidecar/analysis/models/consumer_capacity.h"
#include "sidecar/analysis/models/recommendations.h"
#include "sidecar/engine/adapter_helpers.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/cluster_analysis.h"
#include "sidecar/engine/fit_batches.h"

namespace streamlens::engine {
namespace {

namespace md = analysis::models;

class RecommendationsAnalysis final : public ClusterAnalysis {
 public:
  RecommendationsAnalysis(std::vector<remote_read::Matcher> committed,
                          std::vector<remote_read::Matcher> lag,
                          std::vector<remote_read::Matcher> members,
                          std::vector<remote_read::Matcher> partitions)
      : committed_(std::move(committed)),
        lag_(std::move(lag)),
        members_(std::move(members)),
        partitions_(std::move(partitions)) {}
  std::string_view kind() const override { return "recommendations"; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const JobConfig& job = *in.job;
    const RecommendationsConfig& cfg = job.recommendations;
    // Current lag, members and partitions.
    GroupFrames now;
    STREAMLENS_RETURN_IF_ERROR(FetchGroups(in, in.end_grid_ms - job.lookback.count(), {}, &now));
    bool learned_quickly = false;
    if (in.fit_due || !learned_) {
      STREAMLENS_RETURN_IF_ERROR(Learn(in, now.lag, &learned_quickly));
    }
    // A cycle that learned every group quickly publishes them at once: the refit's batches start
    // at the next cycle (one batch in full costs ~0.27 s per pair, ~2 min for 500 pairs).
    if (!learned_quickly) STREAMLENS_RETURN_IF_ERROR(LearnNext(in));
    const GridFrame* lag = &now.lag;
    const GridFrame* members = &now.members;
    const GridFrame* parts = &now.partitions;
    auto last = [](const std::vector<double>& v) {
      for (size_t i = v.size(); i-- > 0;) {
        if (std::isfinite(v[i])) return v[i];
      }
      return std::numeric_limits<double>::quiet_NaN();
    };
    std::map<std::string, double> member_now, parts_now;
    for (const auto& s : members->series) {
      member_now[LabelValue(s.labels, cfg.group_label)] = last(s.values);
    }
    for (const auto& s : parts->series) {
      parts_now[LabelValue(s.labels, cfg.topic_label)] = last(s.values);
    }
    for (const auto& s : lag->series) {
      const std::string g = LabelValue(s.labels, cfg.group_label);
      const std::string t = LabelValue(s.labels, cfg.topic_label);
      auto it = groups_.find({g, t});
      if (it == groups_.end()) continue;  // appears at the next refit
      const Learned& l = it->second;
      const double lag_now = last(s.values);
      const double m = member_now.count(g) ? member_now[g] : 0;
      const double p = parts_now.count(t) ? parts_now[t] : l.partitions;
      LabelPairs labels = WithJob({{"consumergroup", g}, {"topic", t}}, job);
      std::string o = "{";
      json::KeyStr(&o, "kind", "partitions", true);
      json::KeyStr(&o, "for", job.name);
      json::KeyStr(&o, "consumergroup", g);
      json::KeyStr(&o, "topic", t);
      json::KeyBool(&o, "capacity_learned", l.capacity.learned);
      json::KeyNum(&o, "capacity_rate", l.capacity.rate);
      json::KeyNum(&o, "capacity_per_consumer", l.capacity.per_consumer);
      json::KeyNum(&o, "capacity_per_partition", l.capacity.per_partition);
      json::KeyNum(&o, "capacity_samples", static_cast<double>(l.capacity.samples));
      json::KeyStr(&o, "capacity_reason", l.capacity.reason);
      json::KeyNum(&o, "input_rate_peak", l.input_peak);
      json::KeyBool(&o, "input_from_forecast", l.from_forecast);
      json::KeyStr(&o, "forecast_model", l.forecast_model);
      json::KeyNum(&o, "recent_peak", l.recent_peak);
      json::KeyNum(&o, "current_lag", lag_now);
      json::KeyNum(&o, "current_consumers", m);
      json::KeyNum(&o, "current_partitions", p);
      json::KeyNum(&o, "lag_sla_seconds", static_cast<double>(cfg.lag_sla.count()) / 1000.0);
      md::PartitionRecommendationInput ri;
      ri.topic = t;
      ri.group = g;
      ri.capacity = l.capacity;
      ri.input_rate_peak = std::isfinite(l.input_peak) ? std::max(0.0, l.input_peak) : 0.0;
      ri.input_from_forecast = l.from_forecast;
      ri.current_lag = std::isfinite(lag_now) ? std::max(0.0, lag_now) : 0.0;
      ri.lag_sla_seconds = static_cast<double>(cfg.lag_sla.count()) / 1000.0;
      // Clamped before the conversion: a metric can hold any double.
      ri.current_partitions = static_cast<int>(std::isfinite(p) ? std::clamp(p, 1.0, 1e6) : 1.0);
      ri.current_consumers = static_cast<int>(std::isfinite(m) ? std::clamp(m, 0.0, 1e6) : 0.0);
      md::PartitionRecommendationParams rp;
      rp.headroom = cfg.headroom;
      rp.max_partitions = cfg.max_partitions;
      auto rec = md::RecommendPartitions(ri, rp);
      if (rec.ok()) {
        json::KeyNum(&o, "required_rate", rec->required_rate);
        json::KeyNum(&o, "capacity_now", rec->capacity_now);
        json::KeyNum(&o, "recommended_consumers", rec->recommended_consumers);
        json::KeyNum(&o, "recommended_partitions", rec->recommended_partitions);
        json::KeyBool(&o, "change_needed", rec->change_needed);
        json::KeyBool(&o, "capped", rec->capped);
        json::KeyStr(&o, "reason", rec->reason);
        out->samples.push_back({"streamlens_recommended_partitions", labels,
                                static_cast<double>(rec->recommended_partitions)});
        out->samples.push_back({"streamlens_recommended_consumers", labels,
                                static_cast<double>(rec->recommended_consumers)});
        out->samples.push_back({"streamlens_consumer_capacity_per_consumer_messages_per_second",
                                labels, l.capacity.per_consumer});
        out->samples.push_back(
            {"streamlens_recommendation_required_messages_per_second", labels, rec->required_rate});
      } else {
        json::Key(&o, "recommended_partitions");
        o += "null";
        json::KeyStr(&o, "reason", rec.status().message());
      }
      o += "}";
      out->documents.push_back({"recommendation", g + "/" + t, std::move(o)});
    }
    return Status::Ok();
  }

 private:
  // Lag per group and topic, members per group, partitions per topic, from start_ms on.
  struct GroupFrames {
    GridFrame lag, members, partitions;
  };
  // A batch of the refit: matchers narrowing the fetches to some groups (`groups`: committed
  // offsets, lag, members) and to their topics (`topics`: partitions); empty: no narrowing.
  struct Scope {
    std::vector<remote_read::Matcher> groups, topics;
  };
  static std::vector<remote_read::Matcher> Narrowed(const std::vector<remote_read::Matcher>& ms,
                                                    const std::vector<remote_read::Matcher>& by) {
    std::vector<remote_read::Matcher> out = ms;
    out.insert(out.end(), by.begin(), by.end());
    return out;
  }
  Status FetchGroups(const ClusterInput& in, int64_t start_ms, const Scope& scope,
                     GroupFrames* out) const {
    const RecommendationsConfig& cfg = in.job->recommendations;
    const std::vector<std::string> gt = {cfg.group_label, cfg.topic_label};
    auto lag = in.fetcher->Fetch(Narrowed(lag_, scope.groups), Transform::kNone, Aggregation::kSum,
                                 gt, start_ms, in.end_grid_ms);
    if (!lag.ok()) return lag.status().WithContext("recommendations: lag");
    auto members =
        in.fetcher->Fetch(Narrowed(members_, scope.groups), Transform::kNone, Aggregation::kMax,
                          {cfg.group_label}, start_ms, in.end_grid_ms);
    if (!members.ok()) return members.status().WithContext("recommendations: members");
    auto parts = in.fetcher->Fetch(Narrowed(partitions_, scope.topics), Transform::kNone,
                                   Aggregation::kMax, {cfg.topic_label}, start_ms, in.end_grid_ms);
    if (!parts.ok()) return parts.status().WithContext("recommendations: partitions");
    out->lag = std::move(*lag);
    out->members = std::move(*members);
    out->partitions = std::move(*parts);
    return Status::Ok();
  }

  struct Learned {
    md::ConsumerCapacity capacity;
    double input_peak = 0, recent_peak = 0;
    bool from_forecast = false;
    std::string forecast_model;
    double partitions = 1;
  };

  using GroupKey = std::pair<std::string, std::string>;  // group, topic
  using GroupMap = std::map<GroupKey, Learned>;

  // The refit's batches: the groups of `lag_now` (whole, in label order) with their topics, at
  // most in.fit_batch group/topic pairs per batch (a larger group is a batch of its own).
  static std::vector<Scope> PlanBatches(const ClusterInput& in, const GridFrame& lag_now) {
    const RecommendationsConfig& cfg = in.job->recommendations;
    std::map<std::string, std::set<std::string>> topics_of;
    for (const auto& s : lag_now.series) {
      topics_of[LabelValue(s.labels, cfg.group_label)].insert(
          LabelValue(s.labels, cfg.topic_label));
    }
    std::vector<Scope> out;
    std::vector<std::string_view> groups;
    std::set<std::string_view> topics;
    size_t pairs = 0;
    auto flush = [&] {
      if (groups.empty()) return;
      Scope sc;
      sc.groups.push_back(MatchAnyOf(cfg.group_label, groups));
      sc.topics.push_back(MatchAnyOf(cfg.topic_label, {topics.begin(), topics.end()}));
      out.push_back(std::move(sc));
      groups.clear();
      topics.clear();
      pairs = 0;
    };
    for (const auto& [g, ts] : topics_of) {
      if (pairs > 0 && pairs + ts.size() > in.fit_batch) flush();
      groups.push_back(g);
      topics.insert(ts.begin(), ts.end());
      pairs += ts.size();
    }
    flush();
    return out;
  }

  // Starts a refit of the groups that have a lag now (the others are forgotten): its batches are
  // learned by LearnNext, one per cycle, so a cycle holds one batch of history and spends one
  // batch's forecasts. The first refit of a job whose groups take several batches first learns
  // all of them with quick input forecasts (the seasonal naive model, ~1% of auto's cost), so
  // every group has a recommendation after the first cycle (`quick` set); the batches in full
  // then start at the next cycle.
  Status Learn(const ClusterInput& in, const GridFrame& lag_now, bool* quick) {
    const RecommendationsConfig& cfg = in.job->recommendations;
    std::set<GroupKey> present;
    for (const auto& s : lag_now.series) {
      present.insert(
          {LabelValue(s.labels, cfg.group_label), LabelValue(s.labels, cfg.topic_label)});
    }
    std::erase_if(groups_, [&](const auto& g) { return present.count(g.first) == 0; });
    pending_ = PlanBatches(in, lag_now);
    if (!learned_ && pending_.size() > 1) {
      for (const Scope& scope : pending_) {
        STREAMLENS_RETURN_IF_ERROR(LearnBatch(in, scope, /*quick=*/true, &groups_));
      }
      *quick = true;
    }
    learned_ = true;
    return Status::Ok();
  }

  // The next batch of the refit in progress, if any.
  Status LearnNext(const ClusterInput& in) {
    if (pending_.empty()) return Status::Ok();
    STREAMLENS_RETURN_IF_ERROR(LearnBatch(in, pending_.front(), /*quick=*/false, &groups_));
    pending_.erase(pending_.begin());
    return Status::Ok();
  }

  // The fit window of one group/topic pair: committed offsets, lag, members and partitions (the
  // last two may be missing).
  struct PairInput {
    GroupKey key;
    const GridSeries *committed = nullptr, *lag = nullptr, *members = nullptr, *parts = nullptr;
  };

  // Learns the groups of one batch into `groups` (quick: seasonal naive input forecasts). The
  // pairs are learned in parallel on in.pool (each pair's fit reads only its own series).
  Status LearnBatch(const ClusterInput& in, const Scope& scope, bool quick,
                    GroupMap* groups) const {
    const JobConfig& job = *in.job;
    const RecommendationsConfig& cfg = job.recommendations;
    const int64_t step = job.step.count();
    const int64_t start = in.end_grid_ms - job.fit_window.count() + step;
    const std::vector<std::string> gt = {cfg.group_label, cfg.topic_label};
    auto committed = in.fetcher->Fetch(Narrowed(committed_, scope.groups), Transform::kNone,
                                       Aggregation::kSum, gt, start, in.end_grid_ms);
    if (!committed.ok()) return committed.status().WithContext("recommendations: offsets");
    GroupFrames frames;
    STREAMLENS_RETURN_IF_ERROR(FetchGroups(in, start, scope, &frames));
    const std::vector<PairInput> pairs = MatchPairs(cfg, *committed, frames);
    std::vector<Learned> learned(pairs.size());
    auto learn = [&](size_t i) {
      learned[i] = LearnPair(cfg, step, committed->start_ms, committed->points, pairs[i], quick);
    };
    if (in.pool != nullptr) {
      const std::vector<IndexError> errors = in.pool->ParallelFor(pairs.size(), learn);
      if (!errors.empty()) {
        return Status::Error("recommendations: group " + pairs[errors[0].index].key.first +
                             " topic " + pairs[errors[0].index].key.second + ": " + errors[0].what);
      }
    } else {
      for (size_t i = 0; i < pairs.size(); ++i) learn(i);
    }
    for (size_t i = 0; i < pairs.size(); ++i) (*groups)[pairs[i].key] = std::move(learned[i]);
    return Status::Ok();
  }

  // The committed-offset series that have a lag series, with their group's members and their
  // topic's partitions.
  static std::vector<PairInput> MatchPairs(const RecommendationsConfig& cfg,
                                           const GridFrame& committed, const GroupFrames& frames) {
    std::map<GroupKey, const GridSeries*> lag_by;
    for (const auto& s : frames.lag.series) {
      lag_by[{LabelValue(s.labels, cfg.group_label), LabelValue(s.labels, cfg.topic_label)}] = &s;
    }
    std::map<std::string, const GridSeries*> members_by, parts_by;
    for (const auto& s : frames.members.series) {
      members_by[LabelValue(s.labels, cfg.group_label)] = &s;
    }
    for (const auto& s : frames.partitions.series) {
      parts_by[LabelValue(s.labels, cfg.topic_label)] = &s;
    }
    std::vector<PairInput> out;
    for (const auto& cs : committed.series) {
      PairInput p;
      p.key = {LabelValue(cs.labels, cfg.group_label), LabelValue(cs.labels, cfg.topic_label)};
      auto li = lag_by.find(p.key);
      if (li == lag_by.end()) continue;
      p.committed = &cs;
      p.lag = li->second;
      if (auto m = members_by.find(p.key.first); m != members_by.end()) p.members = m->second;
      if (auto t = parts_by.find(p.key.second); t != parts_by.end()) p.parts = t->second;
      out.push_back(std::move(p));
    }
    return out;
  }

  // One pair's capacity (from its offsets, lag and members) and input peak.
  static Learned LearnPair(const RecommendationsConfig& cfg, int64_t step, int64_t start_ms,
                           size_t points, const PairInput& p, bool quick) {
    Learned l;
    double part = 1;
    if (p.parts) {
      for (double v : p.parts->values) {
        if (std::isfinite(v)) part = std::max(part, v);
      }
    }
    l.partitions = part;
    const double step_s = static_cast<double>(step) / 1000.0;
    const std::vector<double>&cv = p.committed->values, &lv = p.lag->values;
    std::vector<double> ts, c, lg, mb, input;
    input.assign(points, std::numeric_limits<double>::quiet_NaN());
    for (size_t t = 0; t < points; ++t) {
      double mv = p.members ? p.members->values[t] : 0;
      if (!std::isfinite(cv[t]) || !std::isfinite(lv[t])) continue;
      if (!std::isfinite(mv)) mv = 0;
      if (t > 0 && std::isfinite(cv[t - 1]) && std::isfinite(lv[t - 1])) {
        double d = (cv[t] + lv[t] - cv[t - 1] - lv[t - 1]) / step_s;
        if (d >= 0) input[t] = d;
      }
      ts.push_back(static_cast<double>(start_ms + static_cast<int64_t>(t) * step) / 1000.0);
      c.push_back(cv[t]);
      lg.push_back(lv[t]);
      mb.push_back(mv);
    }
    md::ConsumerCapacityParams cp;
    cp.min_lag = cfg.min_lag;
    cp.min_samples = static_cast<size_t>(cfg.min_samples);
    auto cap = md::LearnConsumerCapacity(ts, c, lg, mb, static_cast<int>(std::min(part, 1e6)), cp);
    if (!cap.ok()) {
      l.capacity.reason = cap.status().message();
    } else {
      l.capacity = std::move(*cap);
    }
    InputPeak(cfg, step, input, quick, &l);
    return l;
  }

  // Averages the input rate into forecast.step buckets (aligned to the end), takes the recent
  // peak over peak_window and, when enabled, the peak of the forecast over its horizon (quick:
  // of the seasonal naive model instead of forecast_model).
  static void InputPeak(const RecommendationsConfig& cfg, int64_t step,
                        const std::vector<double>& input, bool quick, Learned* l) {
    const size_t bucket =
        static_cast<size_t>(std::max<int64_t>(1, cfg.forecast_step.count() / step));
    std::vector<double> y;
    for (size_t end = input.size(); end >= bucket; end -= bucket) {
      double s = 0;
      size_t k = 0;
      for (size_t i = end - bucket; i < end; ++i) {
        if (std::isfinite(input[i])) {
          s += input[i];
          ++k;
        }
      }
      y.push_back(k * 2 >= bucket && k > 0 ? s / static_cast<double>(k)
                                           : std::numeric_limits<double>::quiet_NaN());
    }
    std::reverse(y.begin(), y.end());
    // Drop leading missing buckets; fill inner ones with the previous value.
    size_t first = 0;
    while (first < y.size() && !std::isfinite(y[first])) ++first;
    y.erase(y.begin(), y.begin() + static_cast<ptrdiff_t>(first));
    for (size_t i = 1; i < y.size(); ++i) {
      if (!std::isfinite(y[i])) y[i] = y[i - 1];
    }
    const size_t recent = static_cast<size_t>(
        std::max<int64_t>(1, cfg.peak_window.count() / cfg.forecast_step.count()));
    l->recent_peak = 0;
    for (size_t i = y.size() > recent ? y.size() - recent : 0; i < y.size(); ++i) {
      l->recent_peak = std::max(l->recent_peak, y[i]);
    }
    l->input_peak = l->recent_peak;
    namespace fc = analysis::forecast;
    if (!cfg.forecast || y.size() < 8) return;
    auto kind = fc::ParseModelKind(cfg.forecast_model);
    if (!kind.ok()) return;
    fc::ForecastParams p;
    p.model = *kind;
    p.horizon = static_cast<int>(
        std::max<int64_t>(1, cfg.forecast_horizon.count() / cfg.forecast_step.count()));
    const int season = static_cast<int>(cfg.forecast_season.count() / cfg.forecast_step.count());
    p.season = season > 1 && y.size() >= static_cast<size_t>(2 * season) ? season : 1;
    if (quick) p.model = p.season > 1 ? fc::ModelKind::kSnaive : fc::ModelKind::kNaive;
    auto f = fc::ForecastSeries(y, p);
    if (!f.ok() || f->mean.empty()) return;
    double peak = 0;
    for (double v : f->mean) {
      if (std::isfinite(v)) peak = std::max(peak, v);
    }
    // The rate the group absorbs now is a floor: a forecast that expects the input to fall
    // (e.g. a mean-reverting model right after a jump) must not shrink the recommendation
    // below what is needed today.
    l->forecast_model = f->model;
    if (peak >= y.back()) {
      l->input_peak = peak;
      l->from_forecast = true;
    } else {
      l->input_peak = y.back();
    }
  }

  std::vector<remote_read::Matcher> committed_, lag_, members_, partitions_;
  bool learned_ = false;
  GroupMap groups_;
  std::vector<Scope> pending_;  // batches of the refit in progress, next first
};

}  // namespace

Result<std::unique_ptr<ClusterAnalysis>> MakeRecommendationsAnalysis(const JobConfig& job) {
  const RecommendationsConfig& r = job.recommendations;
  auto a = ParseConfigSelector(r.committed_offset, "recommendations.committed_offset");
  auto b = ParseConfigSelector(r.lag, "recommendations.lag");
  auto c = ParseConfigSelector(r.members, "recommendations.members");
  auto d = ParseConfigSelector(r.partitions, "recommendations.partitions");
  for (const auto* s : {&a, &b, &c, &d}) {
    if (!s->ok()) return s->status();
  }
  return std::unique_ptr<ClusterAnalysis>(std::make_unique<RecommendationsAnalysis>(
      std::move(*a), std::move(*b), std::move(*c), std::move(*d)));
}

}  // namespace streamlens::engine
