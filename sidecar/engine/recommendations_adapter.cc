// Adapter: consumer capacity and partition recommendations
// (sidecar/analysis/models/consumer_capacity.h, recommendations.h) as a cluster analysis.
//
// At each refit learns every group/topic's consumer capacity from catch-up periods in fit_window
// and forecasts its input rate (d(committed + lag)/dt, averaged into forecast.step buckets); each
// cycle recommends consumers and partitions for the lag SLA from the forecast peak (never below
// the latest bucket's input rate; the recent peak when the forecast fails or is off), the current
// lag, members and partitions.
#include <algorithm>
#include <cmath>
#include <map>

#include "common/json_writer.h"
#include "sidecar/analysis/forecast/forecast.h"
#include "sidecar/analysis/models/consumer_capacity.h"
#include "sidecar/analysis/models/recommendations.h"
#include "sidecar/engine/adapter_helpers.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/cluster_analysis.h"

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
    if (in.fit_due || !learned_) {
      STREAMLENS_RETURN_IF_ERROR(Learn(in));
    }
    // Current lag, members and partitions.
    GroupFrames now;
    STREAMLENS_RETURN_IF_ERROR(FetchGroups(in, in.end_grid_ms - job.lookback.count(), &now));
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
  Status FetchGroups(const ClusterInput& in, int64_t start_ms, GroupFrames* out) const {
    const RecommendationsConfig& cfg = in.job->recommendations;
    const std::vector<std::string> gt = {cfg.group_label, cfg.topic_label};
    auto lag =
        in.fetcher->Fetch(lag_, Transform::kNone, Aggregation::kSum, gt, start_ms, in.end_grid_ms);
    if (!lag.ok()) return lag.status().WithContext("recommendations: lag");
    auto members = in.fetcher->Fetch(members_, Transform::kNone, Aggregation::kMax,
                                     {cfg.group_label}, start_ms, in.end_grid_ms);
    if (!members.ok()) return members.status().WithContext("recommendations: members");
    auto parts = in.fetcher->Fetch(partitions_, Transform::kNone, Aggregation::kMax,
                                   {cfg.topic_label}, start_ms, in.end_grid_ms);
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

  Status Learn(const ClusterInput& in) {
    const JobConfig& job = *in.job;
    const RecommendationsConfig& cfg = job.recommendations;
    const int64_t step = job.step.count();
    const int64_t start = in.end_grid_ms - job.fit_window.count() + step;
    const std::vector<std::string> gt = {cfg.group_label, cfg.topic_label};
    auto committed = in.fetcher->Fetch(committed_, Transform::kNone, Aggregation::kSum, gt, start,
                                       in.end_grid_ms);
    if (!committed.ok()) return committed.status().WithContext("recommendations: offsets");
    GroupFrames frames;
    STREAMLENS_RETURN_IF_ERROR(FetchGroups(in, start, &frames));
    const GridFrame* lag = &frames.lag;
    const GridFrame* members = &frames.members;
    const GridFrame* parts = &frames.partitions;
    std::map<std::pair<std::string, std::string>, const GridSeries*> lag_by;
    for (const auto& s : lag->series) {
      lag_by[{LabelValue(s.labels, cfg.group_label), LabelValue(s.labels, cfg.topic_label)}] = &s;
    }
    std::map<std::string, const GridSeries*> members_by, parts_by;
    for (const auto& s : members->series) members_by[LabelValue(s.labels, cfg.group_label)] = &s;
    for (const auto& s : parts->series) parts_by[LabelValue(s.labels, cfg.topic_label)] = &s;
    std::map<std::pair<std::string, std::string>, Learned> groups;
    const double step_s = static_cast<double>(step) / 1000.0;
    for (const auto& cs : committed->series) {
      std::pair<std::string, std::string> key = {LabelValue(cs.labels, cfg.group_label),
                                                 LabelValue(cs.labels, cfg.topic_label)};
      auto li = lag_by.find(key);
      if (li == lag_by.end()) continue;
      const GridSeries* ms = members_by.count(key.first) ? members_by[key.first] : nullptr;
      const GridSeries* ps = parts_by.count(key.second) ? parts_by[key.second] : nullptr;
      Learned l;
      double part = 1;
      if (ps) {
        for (double v : ps->values) {
          if (std::isfinite(v)) part = std::max(part, v);
        }
      }
      l.partitions = part;
      std::vector<double> ts, c, lg, mb, input;
      input.assign(committed->points, std::numeric_limits<double>::quiet_NaN());
      for (size_t t = 0; t < committed->points; ++t) {
        double cv = cs.values[t], lv = li->second->values[t];
        double mv = ms ? ms->values[t] : 0;
        if (!std::isfinite(cv) || !std::isfinite(lv)) continue;
        if (!std::isfinite(mv)) mv = 0;
        if (t > 0 && std::isfinite(cs.values[t - 1]) && std::isfinite(li->second->values[t - 1])) {
          double d = (cv + lv - cs.values[t - 1] - li->second->values[t - 1]) / step_s;
          if (d >= 0) input[t] = d;
        }
        ts.push_back(static_cast<double>(committed->start_ms + static_cast<int64_t>(t) * step) /
                     1000.0);
        c.push_back(cv);
        lg.push_back(lv);
        mb.push_back(mv);
      }
      md::ConsumerCapacityParams cp;
      cp.min_lag = cfg.min_lag;
      cp.min_samples = static_cast<size_t>(cfg.min_samples);
      auto cap =
          md::LearnConsumerCapacity(ts, c, lg, mb, static_cast<int>(std::min(part, 1e6)), cp);
      if (!cap.ok()) {
        l.capacity.reason = cap.status().message();
      } else {
        l.capacity = std::move(*cap);
      }
      InputPeak(cfg, step, input, &l);
      groups[key] = std::move(l);
    }
    groups_ = std::move(groups);
    learned_ = true;
    return Status::Ok();
  }

  // Averages the input rate into forecast.step buckets (aligned to the end), takes the recent
  // peak over peak_window and, when enabled, the peak of the forecast over its horizon.
  static void InputPeak(const RecommendationsConfig& cfg, int64_t step,
                        const std::vector<double>& input, Learned* l) {
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
  std::map<std::pair<std::string, std::string>, Learned> groups_;
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
