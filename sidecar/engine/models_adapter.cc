// Adapters: the performance models and placement analyses (sidecar/analysis/models/) as
// cluster analyses.
//
// cpu_model    Refits a pooled ridge model of broker CPU on the load features (each a counter
//              turned into a rate and summed per broker) over fit_window whenever fit_every is
//              due, and evaluates every broker's latest complete row each cycle: predicted CPU,
//              residual, and the residual's anomaly score (CPU not explained by load, published
//              as streamlens_anomaly_score{model="cpu_load_model"}, negative residuals scoring 0).
// recommendations
//              At each refit learns every group/topic's consumer capacity from catch-up periods
//              in fit_window and forecasts its input rate (d(committed + lag)/dt, averaged into
//              forecast.step buckets); each cycle recommends consumers and partitions for the lag
//              SLA from the forecast peak (never below the latest bucket's input rate; the
//              recent peak when the forecast fails or is off), the current lag, members and
//              partitions.
// placement    Each cycle reads the replica placement and ISR (replica_info), brokers
//              (broker_info), per-partition message rates (rate of the end offsets over
//              rate_window) and per-topic bytes in/out (split over a topic's partitions by their
//              share of its messages), then simulates each broker's failure, the effect of adding
//              one broker, and plans a rebalance. The load model comes from the job's cpu_model
//              when it has one (loads are CPU ratios); otherwise Cruise Control's static weights
//              (0.7 leader bytes in, 0.15 leader bytes out, 0.15 replication bytes in) scaled so
//              the busiest broker today has load 1 (leader messages in when there are no byte
//              rates).
//              replica_info carries the role but not the assignment order, so replicas are
//              ordered leader first, then followers by broker id.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/cluster_analysis.h"
#include "common/json_writer.h"

#ifdef STREAMLENS_HAVE_ANALYSIS_MODELS
#include "sidecar/analysis/models/consumer_capacity.h"
#include "sidecar/analysis/models/cpu_model.h"
#include "sidecar/analysis/models/data_coverage.h"
#include "sidecar/analysis/models/placement.h"
#include "sidecar/analysis/models/rebalance_planner.h"
#include "sidecar/analysis/models/recommendations.h"
#include "sidecar/analysis/models/what_if.h"
#ifdef STREAMLENS_HAVE_ANALYSIS_FORECAST
#include "sidecar/analysis/forecast/forecast.h"
#endif

namespace streamlens::engine {
namespace {

namespace md = analysis::models;

std::string LabelValue(const LabelPairs& labels, const std::string& name) {
  for (const auto& [n, v] : labels) {
    if (n == name) return v;
  }
  return "";
}

LabelPairs WithJob(LabelPairs labels, const JobConfig& job) {
  for (const auto& [n, v] : job.labels) labels.emplace_back(n, v);
  labels.emplace_back("for", job.name);
  std::sort(labels.begin(), labels.end());
  return labels;
}

Result<std::vector<remote_read::Matcher>> Sel(const std::string& s, const char* what) {
  auto m = remote_read::ParseSelector(s);
  if (!m.ok()) return m.status().WithContext(what);
  return std::move(*m);
}

// The CPU model shared between a job's cpu_model and placement analyses.
struct SharedCpuModel {
  bool valid = false;
  md::CpuModel model;
};

// ---------------------------------------------------------------------------------------------
class CpuModelAnalysis final : public ClusterAnalysis {
 public:
  CpuModelAnalysis(std::vector<remote_read::Matcher> cpu,
                   std::vector<std::vector<remote_read::Matcher>> features,
                   std::shared_ptr<SharedCpuModel> shared)
      : cpu_(std::move(cpu)), features_(std::move(features)), shared_(std::move(shared)) {}
  std::string_view kind() const override { return "cpu_model"; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const JobConfig& job = *in.job;
    const CpuModelConfig& cfg = job.cpu_model;
    const int64_t step = job.step.count();
    const bool refit = in.fit_due || !shared_->valid;
    const int64_t span =
        refit ? job.fit_window.count() - step : std::max<int64_t>(job.lookback.count(), 5 * step);
    const int64_t start = in.end_grid_ms - span;
    // Per broker: cpu and feature columns on the grid.
    std::map<std::string, std::vector<std::vector<double>>> cols;  // broker -> [cpu, f0..f5]
    size_t points = 0;
    const std::vector<std::string> by = {cfg.broker_label};
    auto cpu =
        in.fetcher->Fetch(cpu_, Transform::kNone, Aggregation::kMax, by, start, in.end_grid_ms);
    if (!cpu.ok()) return cpu.status().WithContext("cpu_model: cpu");
    points = cpu->points;
    const size_t nf = features_.size();
    for (const auto& s : cpu->series) {
      std::string b = LabelValue(s.labels, cfg.broker_label);
      if (b.empty()) continue;
      auto& c = cols[b];
      c.assign(1 + nf, std::vector<double>(points, 0.0));
      c[0] = s.values;
    }
    for (size_t f = 0; f < nf; ++f) {
      if (features_[f].empty()) continue;
      auto fr = in.fetcher->Fetch(features_[f], Transform::kRate, Aggregation::kSum, by, start,
                                  in.end_grid_ms);
      if (!fr.ok()) return fr.status().WithContext("cpu_model: feature");
      std::set<std::string> seen;
      for (const auto& s : fr->series) {
        std::string b = LabelValue(s.labels, cfg.broker_label);
        auto it = cols.find(b);
        if (it == cols.end() || s.values.size() != points) continue;
        it->second[1 + f] = s.values;
        seen.insert(b);
      }
      // A broker without this feature has no complete rows.
      for (auto& [b, c] : cols) {
        if (!seen.count(b)) c[1 + f].assign(points, std::numeric_limits<double>::quiet_NaN());
      }
    }
    auto complete = [&](const std::vector<std::vector<double>>& c, size_t t) {
      for (const auto& col : c) {
        if (!std::isfinite(col[t])) return false;
      }
      return true;
    };
    if (refit) {
      size_t rows = 0;
      for (const auto& [b, c] : cols) {
        for (size_t t = 0; t < points; ++t) rows += complete(c, t) ? 1 : 0;
      }
      Eigen::MatrixXd x(rows, static_cast<Eigen::Index>(nf));
      Eigen::VectorXd y(rows);
      Eigen::Index r = 0;
      for (const auto& [b, c] : cols) {
        for (size_t t = 0; t < points; ++t) {
          if (!complete(c, t)) continue;
          y(r) = c[0][t];
          for (size_t f = 0; f < nf; ++f) x(r, static_cast<Eigen::Index>(f)) = c[1 + f][t];
          ++r;
        }
      }
      md::CpuModelParams p;
      p.ridge_lambda = cfg.ridge_lambda;
      p.anomaly_sigma = cfg.anomaly_sigma;
      p.min_samples = static_cast<size_t>(cfg.min_samples);
      auto m = md::FitCpuModel(x, y, p);
      if (m.ok()) {
        shared_->model = std::move(*m);
        shared_->valid = true;
        fitted_ms_ = in.now_ms;
      } else if (!shared_->valid) {
        return m.status().WithContext("cpu_model");
      }
    }
    const md::CpuModel& model = shared_->model;
    // Latest complete row per broker (no older than lookback).
    std::vector<std::string> brokers;
    std::vector<int64_t> times;
    std::vector<double> observed;
    Eigen::MatrixXd x(static_cast<Eigen::Index>(cols.size()), static_cast<Eigen::Index>(nf));
    for (const auto& [b, c] : cols) {
      for (size_t t = points; t-- > 0;) {
        int64_t ts = start + static_cast<int64_t>(t) * step;
        if (in.end_grid_ms - ts > job.lookback.count()) break;
        if (!complete(c, t)) continue;
        const auto row = static_cast<Eigen::Index>(brokers.size());
        for (size_t f = 0; f < nf; ++f) x(row, static_cast<Eigen::Index>(f)) = c[1 + f][t];
        brokers.push_back(b);
        times.push_back(ts);
        observed.push_back(c[0][t]);
        break;
      }
    }
    x.conservativeResize(static_cast<Eigen::Index>(brokers.size()), Eigen::NoChange);
    Eigen::VectorXd obs = Eigen::Map<const Eigen::VectorXd>(
        observed.data(), static_cast<Eigen::Index>(observed.size()));
    auto ev = md::EvaluateCpuModel(model, x, obs);
    if (!ev.ok()) return ev.status().WithContext("cpu_model");
    // Outputs.
    const LabelPairs base = WithJob({}, job);
    out->samples.push_back({"streamlens_broker_cpu_model_r2", base, model.r2});
    out->samples.push_back({"streamlens_broker_cpu_model_intercept_ratio", base, model.intercept});
    out->samples.push_back(
        {"streamlens_broker_cpu_model_residual_stddev_ratio", base, model.residual_stddev});
    out->samples.push_back(
        {"streamlens_broker_cpu_model_samples", base, static_cast<double>(model.samples)});
    std::string& o = AddDoc(out, job, model);
    for (Eigen::Index f = 0; f < model.coefficients.size(); ++f) {
      LabelPairs l =
          WithJob({{"feature", std::string(md::CpuFeatureName(static_cast<int>(f)))}}, job);
      out->samples.push_back({"streamlens_broker_cpu_model_coefficient", l, model.coefficients(f)});
    }
    o += ",\"brokers\":[";
    const double band = model.anomaly_sigma * model.residual_stddev;
    for (size_t i = 0; i < brokers.size(); ++i) {
      const auto k = static_cast<Eigen::Index>(i);
      const double pred = ev->predicted(k), res = ev->residual(k);
      const double score = std::max(0.0, ev->anomaly_score(k));
      LabelPairs bl = WithJob({{cfg.broker_label, brokers[i]}}, job);
      out->samples.push_back({"streamlens_broker_cpu_predicted_ratio", bl, pred});
      out->samples.push_back({"streamlens_broker_cpu_residual_ratio", bl, res});
      SeriesResult sr;
      sr.labels = {{cfg.broker_label, brokers[i]}};
      for (const auto& [n, v] : job.labels) sr.labels.emplace_back(n, v);
      std::sort(sr.labels.begin(), sr.labels.end());
      sr.input_series =
          "cpu_not_explained_by_load{" + cfg.broker_label + "=\"" + brokers[i] + "\"}";
      sr.anomaly_model = "cpu_load_model";
      sr.has_anomaly = std::isfinite(pred) && std::isfinite(score) && std::isfinite(observed[i]);
      sr.anomaly = {times[i], observed[i], pred, pred - band, pred + band, score};
      auto& hist = history_[brokers[i]];
      if (hist.empty() || hist.back().first < times[i]) {
        hist.emplace_back(times[i], static_cast<float>(score));
      }
      const size_t keep = static_cast<size_t>(std::max(0, job.anomaly.score_history));
      while (hist.size() > keep) hist.pop_front();
      sr.score_history.assign(hist.begin(), hist.end());
      out->series.push_back(std::move(sr));
      if (i) o += ",";
      o += "{";
      json::KeyStr(&o, "broker", brokers[i], true);
      json::KeyNum(&o, "timestamp", static_cast<double>(times[i]) / 1000.0);
      json::KeyNum(&o, "cpu", observed[i]);
      json::KeyNum(&o, "predicted", pred);
      json::KeyNum(&o, "residual", res);
      json::KeyNum(&o, "unexplained_score", score);
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "broker %s uses %.3g CPU; its load explains %.3g, leaving %+.3g (%.2f x the "
                    "%.3g band of %g residual standard deviations)",
                    brokers[i].c_str(), observed[i], pred, res, score, band, model.anomaly_sigma);
      json::KeyStr(&o, "reason", buf);
      o += "}";
    }
    o += "]}";
    // Brokers gone from the data lose their score history.
    for (auto it = history_.begin(); it != history_.end();) {
      if (std::find(brokers.begin(), brokers.end(), it->first) == brokers.end()) {
        it = history_.erase(it);
      } else {
        ++it;
      }
    }
    return Status::Ok();
  }

 private:
  std::string& AddDoc(ClusterOutput* out, const JobConfig& job, const md::CpuModel& model) {
    out->documents.push_back({"cpu_model", "", ""});
    std::string& o = out->documents.back().json;
    o = "{";
    json::KeyStr(&o, "for", job.name, true);
    json::KeyNum(&o, "fitted", static_cast<double>(fitted_ms_) / 1000.0);
    json::KeyNum(&o, "r2", model.r2);
    json::KeyNum(&o, "intercept", model.intercept);
    json::KeyNum(&o, "residual_stddev", model.residual_stddev);
    json::KeyNum(&o, "samples", static_cast<double>(model.samples));
    json::Key(&o, "coefficients");
    o += "{";
    for (Eigen::Index f = 0; f < model.coefficients.size(); ++f) {
      json::KeyNum(&o, md::CpuFeatureName(static_cast<int>(f)), model.coefficients(f), f == 0);
    }
    o += "}";
    return o;
  }

  std::vector<remote_read::Matcher> cpu_;
  std::vector<std::vector<remote_read::Matcher>> features_;
  std::shared_ptr<SharedCpuModel> shared_;
  int64_t fitted_ms_ = 0;
  std::map<std::string, std::deque<std::pair<int64_t, float>>> history_;
};

// ---------------------------------------------------------------------------------------------
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
    const int64_t start = in.end_grid_ms - job.lookback.count();
    const std::vector<std::string> gt = {cfg.group_label, cfg.topic_label};
    auto lag =
        in.fetcher->Fetch(lag_, Transform::kNone, Aggregation::kSum, gt, start, in.end_grid_ms);
    if (!lag.ok()) return lag.status().WithContext("recommendations: lag");
    auto members = in.fetcher->Fetch(members_, Transform::kNone, Aggregation::kMax,
                                     {cfg.group_label}, start, in.end_grid_ms);
    if (!members.ok()) return members.status().WithContext("recommendations: members");
    auto parts = in.fetcher->Fetch(partitions_, Transform::kNone, Aggregation::kMax,
                                   {cfg.topic_label}, start, in.end_grid_ms);
    if (!parts.ok()) return parts.status().WithContext("recommendations: partitions");
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
    auto lag =
        in.fetcher->Fetch(lag_, Transform::kNone, Aggregation::kSum, gt, start, in.end_grid_ms);
    if (!lag.ok()) return lag.status().WithContext("recommendations: lag");
    auto members = in.fetcher->Fetch(members_, Transform::kNone, Aggregation::kMax,
                                     {cfg.group_label}, start, in.end_grid_ms);
    if (!members.ok()) return members.status().WithContext("recommendations: members");
    auto parts = in.fetcher->Fetch(partitions_, Transform::kNone, Aggregation::kMax,
                                   {cfg.topic_label}, start, in.end_grid_ms);
    if (!parts.ok()) return parts.status().WithContext("recommendations: partitions");
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
#ifdef STREAMLENS_HAVE_ANALYSIS_FORECAST
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
#endif
  }

  std::vector<remote_read::Matcher> committed_, lag_, members_, partitions_;
  bool learned_ = false;
  std::map<std::pair<std::string, std::string>, Learned> groups_;
};

// ---------------------------------------------------------------------------------------------
// The parsed selectors of a placement config (empty: not fetched).
struct PlacementSelectors {
  std::vector<remote_read::Matcher> replicas, brokers, offsets, bytes_in, bytes_out, min_isr;
  std::vector<remote_read::Matcher> topic_partitions, partition_replicas;
};

class PlacementAnalysis final : public ClusterAnalysis {
 public:
  PlacementAnalysis(PlacementSelectors sel, std::shared_ptr<SharedCpuModel> shared)
      : replicas_(std::move(sel.replicas)),
        brokers_(std::move(sel.brokers)),
        offsets_(std::move(sel.offsets)),
        bytes_in_(std::move(sel.bytes_in)),
        bytes_out_(std::move(sel.bytes_out)),
        min_isr_(std::move(sel.min_isr)),
        topic_partitions_(std::move(sel.topic_partitions)),
        partition_replicas_(std::move(sel.partition_replicas)),
        shared_(std::move(shared)) {}
  std::string_view kind() const override { return "placement"; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    std::vector<md::PartitionState> parts;
    std::vector<md::BrokerInfo> brokers;
    md::CoverageInput cover;
    STREAMLENS_RETURN_IF_ERROR(ReadCluster(in, &parts, &brokers, &cover));
    if (brokers.empty() || parts.empty()) {
      return Status::Error("placement: no replica placement found (" + cfg.replica_info + ")");
    }
    const LabelPairs base = WithJob({}, job);
    const md::DataCoverage coverage = md::AssessCoverage(parts, cover, cfg.min_coverage);
    out->samples.push_back({"streamlens_placement_data_coverage_ratio", base, coverage.coverage});
    out->samples.push_back({"streamlens_placement_data_freshness_ratio", base, coverage.freshness});
    if (!coverage.sufficient) {
      // No plan from partial data: a missing partition would silently vanish from it.
      PublishInsufficient(in, brokers, coverage, out);
      return Status::Ok();
    }
    std::string model_source;
    auto model = LoadModel(parts, brokers, &model_source);
    if (!model.ok()) return model.status();
    auto header = [&](std::string* o) {
      json::KeyStr(o, "for", job.name, true);
      json::KeyStr(o, "status", "ok");
      json::KeyNum(o, "evaluated", static_cast<double>(in.now_ms) / 1000.0);
      json::KeyStr(o, "load_model", model_source);
      json::KeyNum(o, "partitions", static_cast<double>(parts.size()));
      json::KeyNum(o, "brokers", static_cast<double>(brokers.size()));
    };
    Status first;
    if (cfg.broker_failure) first = BrokerFailure(in, parts, brokers, *model, header, out);
    for (auto stage : {&PlacementAnalysis::Rebalance<decltype(header)>,
                       &PlacementAnalysis::AddBroker<decltype(header)>}) {
      Status s = (this->*stage)(in, parts, brokers, *model, header, out);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

 private:
  // The rebalance plan: leader and replica moves that lower the peak predicted load.
  template <typename Header>
  Status Rebalance(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                   const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                   const Header& header, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    if (!cfg.rebalance) return Status::Ok();
    md::RebalanceParams rp;
    rp.max_moves = static_cast<size_t>(cfg.max_moves);
    auto plan = md::PlanRebalance(parts, brokers, model, rp);
    if (!plan.ok()) return plan.status().WithContext("placement: rebalance");
    const LabelPairs base = WithJob({}, *in.job);
    out->samples.push_back(
        {"streamlens_rebalance_proposed_moves", base, static_cast<double>(plan->moves.size())});
    out->samples.push_back(
        {"streamlens_rebalance_peak_load_before_ratio", base, plan->peak_before});
    out->samples.push_back({"streamlens_rebalance_peak_load_after_ratio", base, plan->peak_after});
    for (const md::BrokerLoad& l : plan->loads_before) {
      out->samples.push_back({"streamlens_broker_predicted_load_ratio",
                              WithJob({{"broker", std::to_string(l.broker)}}, *in.job),
                              l.predicted});
    }
    std::string o = "{\"kind\":\"rebalance\",";
    header(&o);
    PlanJson(&o, *plan);
    o += "}";
    out->documents.push_back({"rebalance_plan", "", std::move(o)});
    return Status::Ok();
  }

  // What adding one broker (on the least used rack) would do.
  template <typename Header>
  Status AddBroker(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                   const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                   const Header& header, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    if (!cfg.add_broker) return Status::Ok();
    md::RebalanceParams rp;
    rp.max_moves = static_cast<size_t>(cfg.max_moves);
    md::BrokerInfo nb;
    int32_t max_id = 0;
    std::map<std::string, int> racks;
    bool all_racks = true;
    for (const auto& b : brokers) {
      max_id = std::max(max_id, b.id);
      if (b.rack.empty()) all_racks = false;
      racks[b.rack]++;
    }
    nb.id = max_id + 1;
    if (all_racks && !racks.empty()) {
      nb.rack = std::min_element(racks.begin(), racks.end(), [](const auto& a, const auto& b) {
                  return a.second < b.second;
                })->first;
    }
    auto add = md::AddBrokerEffect(parts, brokers, nb, model, rp);
    if (!add.ok()) return add.status().WithContext("placement: add broker");
    out->samples.push_back(
        {"streamlens_add_broker_peak_load_ratio", WithJob({}, *in.job), add->peak_after});
    std::string o = "{\"kind\":\"add_broker\",";
    header(&o);
    json::KeyNum(&o, "new_broker", add->new_broker.id);
    json::KeyStr(&o, "new_broker_rack", add->new_broker.rack);
    json::KeyNum(&o, "peak_before", add->peak_before);
    json::KeyNum(&o, "peak_after", add->peak_after);
    json::KeyNum(&o, "peak_rebalanced_without", add->peak_rebalanced_without);
    json::KeyNum(&o, "new_broker_load", add->new_broker_load);
    json::KeyStr(&o, "reason", add->summary);
    json::Key(&o, "plan");
    o += "{";
    PlanJson(&o, add->plan, true);
    o += "}}";
    out->documents.push_back({"add_broker", "", std::move(o)});
    return Status::Ok();
  }

  // What-if each broker fails. min.insync.replicas per topic: the placement config's
  // topic_min_isr, else the topic's configuration as the exporter publishes it (min_isr_metric),
  // else the config's min_isr.
  template <typename Header>
  Status BrokerFailure(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                       const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                       const Header& header, ClusterOutput* out) {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    md::WhatIfParams wp;
    wp.default_min_isr = cfg.default_min_isr;
    const size_t from_metric = ReadTopicMinIsr(in, &wp.topic_min_isr);
    for (const auto& [topic, v] : cfg.topic_min_isr) wp.topic_min_isr[topic] = v;
    wp.unclean_leader_election = cfg.unclean_leader_election;
    auto all = md::SimulateEachBrokerFailure(parts, brokers, model, wp);
    if (!all.ok()) return all.status().WithContext("placement: broker failure");
    auto with_source = [&](std::string* o) {
      header(o);
      json::KeyNum(o, "min_isr_from_topic_configs", static_cast<double>(from_metric));
    };
    for (const md::BrokerFailureResult& r : *all) {
      const std::string b = std::to_string(r.failed_broker);
      LabelPairs bl = WithJob({{"broker", b}}, job);
      out->samples.push_back({"streamlens_broker_failure_offline_partitions", bl,
                              static_cast<double>(r.offline.size())});
      out->samples.push_back({"streamlens_broker_failure_under_min_isr_partitions", bl,
                              static_cast<double>(r.under_min_isr.size())});
      out->samples.push_back({"streamlens_broker_failure_peak_load_ratio", bl, r.peak_load_after});
      out->samples.push_back(
          {"streamlens_broker_failure_data_loss_threat", bl, r.data_loss_threat ? 1.0 : 0.0});
      out->documents.push_back({"broker_failure", b, FailureJson(r, with_source)});
    }
    return Status::Ok();
  }

  // The latest min.insync.replicas per topic from min_isr_metric; returns the topics found.
  // Missing or unreadable: none (the config's values apply).
  size_t ReadTopicMinIsr(const ClusterInput& in, std::map<std::string, int>* out) {
    if (min_isr_.empty()) return 0;
    const int64_t now = in.end_grid_ms;
    auto got = in.fetcher->Fetch(min_isr_, Transform::kNone, Aggregation::kNone, {}, now, now);
    if (!got.ok()) return 0;
    size_t n = 0;
    for (const auto& s : got->series) {
      const std::string topic = LabelValue(s.labels, "topic");
      const double v = s.values.empty() ? NAN : s.values[0];
      if (topic.empty() || !std::isfinite(v) || v < 1 || v > 100) continue;
      (*out)[topic] = static_cast<int>(v);
      ++n;
    }
    return n;
  }

  // One document per enabled plan kind (per broker for broker_failure) saying why there is no
  // plan; the JSON API serves them in place of the plans.
  static void PublishInsufficient(const ClusterInput& in,
                                  const std::vector<md::BrokerInfo>& brokers,
                                  const md::DataCoverage& c, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    auto doc = [&](const char* kind, const std::string& broker) {
      std::string o = "{";
      json::KeyStr(&o, "kind", kind, true);
      json::KeyStr(&o, "for", in.job->name);
      json::KeyStr(&o, "status", "insufficient_data");
      json::KeyNum(&o, "evaluated", static_cast<double>(in.now_ms) / 1000.0);
      if (!broker.empty()) json::KeyNum(&o, "broker", std::stod(broker));
      json::KeyNum(&o, "coverage", c.coverage);
      json::KeyNum(&o, "freshness", c.freshness);
      json::KeyNum(&o, "min_coverage", cfg.min_coverage);
      json::KeyNum(&o, "expected_partitions", static_cast<double>(c.expected_partitions));
      json::KeyNum(&o, "complete_partitions", static_cast<double>(c.complete_partitions));
      json::KeyStr(&o, "reason", "no plan from incomplete data: " + c.reason);
      o += "}";
      return o;
    };
    if (cfg.broker_failure) {
      for (const auto& b : brokers) {
        const std::string id = std::to_string(b.id);
        out->documents.push_back({"broker_failure", id, doc("broker_failure", id)});
      }
    }
    if (cfg.rebalance) out->documents.push_back({"rebalance_plan", "", doc("rebalance", "")});
    if (cfg.add_broker) out->documents.push_back({"add_broker", "", doc("add_broker", "")});
  }

  // Partition and replica counts to measure the placement's coverage against; a selector that
  // matches nothing leaves its map empty.
  Status ReadExpected(const ClusterInput& in, md::CoverageInput* cover) {
    const int64_t now = in.end_grid_ms;
    for (bool topics : {true, false}) {
      const auto& sel = topics ? topic_partitions_ : partition_replicas_;
      if (sel.empty()) continue;
      auto f = in.fetcher->Fetch(sel, Transform::kNone, Aggregation::kNone, {}, now, now);
      if (!f.ok()) return f.status().WithContext("placement: expected partitions");
      for (const auto& s : f->series) {
        const double v = s.values[0];
        if (!std::isfinite(v) || v < 0 || v > 1e7) continue;
        const std::string topic = LabelValue(s.labels, "topic");
        if (topic.empty()) continue;
        if (topics) {
          cover->topic_partitions[topic] = static_cast<int>(v);
          continue;
        }
        const std::string ps = LabelValue(s.labels, "partition");
        char* e = nullptr;
        long p = std::strtol(ps.c_str(), &e, 10);
        if (ps.empty() || *e || p < 0) continue;
        cover->partition_replicas[{topic, static_cast<int32_t>(p)}] = static_cast<int>(v);
      }
    }
    return Status::Ok();
  }

  // Message and byte rates averaged over rate_window: per partition and per topic.
  struct Rates {
    std::map<std::pair<std::string, int32_t>, double> msgs;
    std::map<std::string, double> topic_msgs, topic_in, topic_out;
  };
  Status ReadRates(const ClusterInput& in, Rates* rates) {
    const int64_t now = in.end_grid_ms;
    auto& [msgs, topic_msgs, topic_in, topic_out] = *rates;
    const int64_t rs = now - in.job->placement.rate_window.count();
    auto mean = [](const std::vector<double>& v) {
      double s = 0;
      size_t k = 0;
      for (double x : v) {
        if (std::isfinite(x)) {
          s += x;
          ++k;
        }
      }
      return k ? s / static_cast<double>(k) : 0.0;
    };
    auto off = in.fetcher->Fetch(offsets_, Transform::kRate, Aggregation::kSum,
                                 {"topic", "partition"}, rs, now);
    if (!off.ok()) return off.status().WithContext("placement: partition offsets");
    for (const auto& s : off->series) {
      const std::string ps = LabelValue(s.labels, "partition");
      char* e = nullptr;
      long p = std::strtol(ps.c_str(), &e, 10);
      if (ps.empty() || *e) continue;
      const std::string topic = LabelValue(s.labels, "topic");
      double m = std::max(0.0, mean(s.values));
      msgs[{topic, static_cast<int32_t>(p)}] = m;
      topic_msgs[topic] += m;
    }
    for (auto [sel, dst] : {std::pair{&bytes_in_, &topic_in}, std::pair{&bytes_out_, &topic_out}}) {
      if (sel->empty()) continue;
      auto fr = in.fetcher->Fetch(*sel, Transform::kRate, Aggregation::kSum, {"topic"}, rs, now);
      if (!fr.ok()) return fr.status().WithContext("placement: topic bytes");
      for (const auto& s : fr->series) {
        (*dst)[LabelValue(s.labels, "topic")] = std::max(0.0, mean(s.values));
      }
    }
    return Status::Ok();
  }

  Status ReadCluster(const ClusterInput& in, std::vector<md::PartitionState>* parts,
                     std::vector<md::BrokerInfo>* brokers, md::CoverageInput* cover) {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    const int64_t now = in.end_grid_ms;
    // Over the rate window, so replica series that stopped reporting count as stale.
    auto rep = in.fetcher->Fetch(replicas_, Transform::kNone, Aggregation::kNone, {},
                                 now - cfg.rate_window.count(), now);
    if (!rep.ok()) return rep.status().WithContext("placement: replica_info");
    STREAMLENS_RETURN_IF_ERROR(ReadExpected(in, cover));
    auto bro = in.fetcher->Fetch(brokers_, Transform::kNone, Aggregation::kNone, {}, now, now);
    if (!bro.ok()) return bro.status().WithContext("placement: broker_info");
    std::map<int32_t, std::string> known;
    for (const auto& s : bro->series) {
      if (!std::isfinite(s.values[0])) continue;
      std::string id = LabelValue(s.labels, "id");
      if (id.empty()) id = LabelValue(s.labels, "broker");
      char* end = nullptr;
      long v = std::strtol(id.c_str(), &end, 10);
      if (id.empty() || *end != '\0') continue;
      known[static_cast<int32_t>(v)] = LabelValue(s.labels, "rack");
    }
    struct Rep {
      std::vector<std::pair<int32_t, bool>> followers;  // broker, in sync
      int32_t leader = -1;
      bool leader_in_sync = true;
    };
    std::map<std::pair<std::string, int32_t>, Rep> reps;
    for (const auto& s : rep->series) {
      if (std::none_of(s.values.begin(), s.values.end(),
                       [](double v) { return std::isfinite(v); })) {
        continue;
      }
      ++cover->replica_series_seen;
      if (!std::isfinite(s.values.back())) continue;  // stale: not part of the current placement
      ++cover->replica_series_fresh;
      const std::string topic = LabelValue(s.labels, "topic");
      char* e1 = nullptr;
      char* e2 = nullptr;
      const std::string ps = LabelValue(s.labels, "partition");
      const std::string bs = LabelValue(s.labels, "broker");
      long p = std::strtol(ps.c_str(), &e1, 10);
      long b = std::strtol(bs.c_str(), &e2, 10);
      if (topic.empty() || ps.empty() || bs.empty() || *e1 || *e2) continue;
      Rep& r = reps[{topic, static_cast<int32_t>(p)}];
      const bool in_sync = LabelValue(s.labels, "in_sync") == "true";
      if (LabelValue(s.labels, "role") == "leader") {
        r.leader = static_cast<int32_t>(b);
        r.leader_in_sync = in_sync;
      } else {
        r.followers.emplace_back(static_cast<int32_t>(b), in_sync);
      }
      if (!known.count(static_cast<int32_t>(b))) known[static_cast<int32_t>(b)] = "";
    }
    Rates rates;
    STREAMLENS_RETURN_IF_ERROR(ReadRates(in, &rates));
    auto& [msgs, topic_msgs, topic_in, topic_out] = rates;
    std::map<std::string, int> topic_parts;
    for (const auto& [k, r] : reps) topic_parts[k.first]++;
    for (auto& [k, r] : reps) {
      md::PartitionState p;
      p.topic = k.first;
      p.partition = k.second;
      if (r.leader >= 0) {
        p.replicas.push_back(r.leader);
        if (r.leader_in_sync) p.isr.push_back(r.leader);
      }
      std::sort(r.followers.begin(), r.followers.end());
      for (const auto& [b, sync] : r.followers) {
        p.replicas.push_back(b);
        if (sync) p.isr.push_back(b);
      }
      p.leader = r.leader;
      auto mi = msgs.find(k);
      p.messages_in_per_s = mi == msgs.end() ? 0.0 : mi->second;
      const double tm = topic_msgs[k.first];
      const double share = tm > 0 ? p.messages_in_per_s / tm : 1.0 / topic_parts[k.first];
      p.bytes_in_per_s = topic_in[k.first] * share;
      p.bytes_out_per_s = topic_out[k.first] * share;
      parts->push_back(std::move(p));
    }
    for (const auto& [id, rack] : known) brokers->push_back({id, rack});
    // Racks only count when every broker has one.
    bool all = std::all_of(brokers->begin(), brokers->end(),
                           [](const md::BrokerInfo& b) { return !b.rack.empty(); });
    if (!all) {
      for (auto& b : *brokers) b.rack.clear();
    }
    return Status::Ok();
  }

  Result<md::BrokerLoadModel> LoadModel(const std::vector<md::PartitionState>& parts,
                                        const std::vector<md::BrokerInfo>& brokers,
                                        std::string* source) {
    if (shared_ && shared_->valid) {
      auto m = md::LoadModelFromCpuModel(shared_->model);
      if (m.ok()) {
        *source = "cpu_model";
        return m;
      }
    }
    md::BrokerLoadModel m;
    m.leader_bytes_in = 0.7;
    m.leader_bytes_out = 0.15;
    m.replication_bytes_in = 0.15;
    auto loads = md::ComputeBrokerLoads(parts, brokers, m);
    if (!loads.ok()) return loads.status().WithContext("placement");
    double peak = 0;
    for (const auto& l : *loads) peak = std::max(peak, l.predicted);
    *source = "static_weights_relative_to_busiest_broker";
    if (peak <= 0) {
      // No byte rates (topic_bytes_in/out absent): leader messages in are the load.
      m = md::BrokerLoadModel();
      m.messages_in = 1;
      loads = md::ComputeBrokerLoads(parts, brokers, m);
      if (!loads.ok()) return loads.status().WithContext("placement");
      for (const auto& l : *loads) peak = std::max(peak, l.predicted);
      *source = "leader_messages_in_relative_to_busiest_broker";
    }
    if (peak > 0) {
      m.leader_bytes_in /= peak;
      m.leader_bytes_out /= peak;
      m.replication_bytes_in /= peak;
      m.messages_in /= peak;
    }
    return m;
  }

  template <typename Header>
  static std::string FailureJson(const md::BrokerFailureResult& r, const Header& header) {
    std::string o = "{";
    header(&o);
    json::KeyNum(&o, "broker", r.failed_broker);
    json::KeyNum(&o, "offline_partitions", static_cast<double>(r.offline.size()));
    json::KeyNum(&o, "under_min_isr_partitions", static_cast<double>(r.under_min_isr.size()));
    json::KeyNum(&o, "leadership_moves", static_cast<double>(r.leadership_moves.size()));
    json::KeyNum(&o, "peak_load_before", r.peak_load_before);
    json::KeyNum(&o, "peak_load_after", r.peak_load_after);
    json::KeyNum(&o, "peak_broker_after", r.peak_broker_after);
    json::KeyBool(&o, "data_loss_threat", r.data_loss_threat);
    int threatened = 0;
    for (const auto& t : r.topics) threatened += t.threat >= md::DataLossThreat::kSingleCopy;
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "if broker %d fails: %zu partitions go offline, %zu fall under min ISR, %zu "
                  "leaderships move; peak predicted load %.3g -> %.3g (broker %d); %d topics at "
                  "risk of data loss",
                  r.failed_broker, r.offline.size(), r.under_min_isr.size(),
                  r.leadership_moves.size(), r.peak_load_before, r.peak_load_after,
                  r.peak_broker_after, threatened);
    json::KeyStr(&o, "reason", buf);
    constexpr size_t kMaxList = 1000;  // bound the document; counts above are complete
    auto refs = [&](const char* key, const std::vector<md::PartitionRef>& v) {
      json::Key(&o, key);
      o += "[";
      for (size_t i = 0; i < v.size() && i < kMaxList; ++i) {
        if (i) o += ",";
        o += "{";
        json::KeyStr(&o, "topic", v[i].topic, true);
        json::KeyNum(&o, "partition", v[i].partition);
        o += "}";
      }
      o += "]";
    };
    refs("offline", r.offline);
    refs("under_min_isr", r.under_min_isr);
    json::Key(&o, "new_leaders");
    o += "[";
    for (size_t i = 0; i < r.leadership_moves.size() && i < kMaxList; ++i) {
      const auto& m = r.leadership_moves[i];
      if (i) o += ",";
      o += "{";
      json::KeyStr(&o, "topic", m.topic, true);
      json::KeyNum(&o, "partition", m.partition);
      json::KeyNum(&o, "to", m.to);
      json::KeyBool(&o, "unclean", m.unclean);
      o += "}";
    }
    o += "]";
    json::Key(&o, "survivor_loads");
    o += "[";
    for (size_t i = 0; i < r.survivor_loads.size(); ++i) {
      if (i) o += ",";
      o += "{";
      json::KeyNum(&o, "broker", r.survivor_loads[i].broker, true);
      json::KeyNum(&o, "predicted_load", r.survivor_loads[i].predicted);
      json::KeyNum(&o, "leaders", r.survivor_loads[i].leaders);
      o += "}";
    }
    o += "]";
    json::Key(&o, "topics");
    o += "[";
    bool firstt = true;
    for (const auto& t : r.topics) {
      if (t.threat == md::DataLossThreat::kNone) continue;
      if (!firstt) o += ",";
      firstt = false;
      o += "{";
      json::KeyStr(&o, "topic", t.topic, true);
      json::KeyStr(&o, "threat", md::DataLossThreatName(t.threat));
      json::KeyNum(&o, "offline", t.offline);
      json::KeyNum(&o, "under_min_isr", t.under_min_isr);
      json::KeyNum(&o, "single_copy", t.single_copy);
      json::KeyNum(&o, "unclean_elections", t.unclean_elections);
      o += "}";
    }
    o += "]}";
    return o;
  }

  static void PlanJson(std::string* o, const md::RebalancePlan& p, bool first = false) {
    json::KeyNum(o, "proposed_moves", static_cast<double>(p.moves.size()), first);
    json::KeyNum(o, "partitions_changed", static_cast<double>(p.partitions_changed));
    json::KeyNum(o, "peak_before", p.peak_before);
    json::KeyNum(o, "peak_after", p.peak_after);
    json::KeyStr(o, "reason", p.summary);
    json::Key(o, "moves");
    *o += "[";
    for (size_t i = 0; i < p.moves.size(); ++i) {
      const auto& m = p.moves[i];
      if (i) *o += ",";
      *o += "{";
      json::KeyStr(o, "kind",
                   m.kind == md::RebalanceMove::Kind::kLeadership ? "leadership" : "replica", true);
      json::KeyStr(o, "topic", m.topic);
      json::KeyNum(o, "partition", m.partition);
      json::KeyNum(o, "from", m.from_broker);
      json::KeyNum(o, "to", m.to_broker);
      json::KeyNum(o, "load_moved", m.load_moved);
      *o += "}";
    }
    *o += "]";
    json::Key(o, "loads");
    *o += "[";
    for (size_t i = 0; i < p.loads_before.size(); ++i) {
      if (i) *o += ",";
      *o += "{";
      json::KeyNum(o, "broker", p.loads_before[i].broker, true);
      json::KeyNum(o, "before", p.loads_before[i].predicted);
      double after = std::numeric_limits<double>::quiet_NaN();
      for (const auto& a : p.loads_after) {
        if (a.broker == p.loads_before[i].broker) after = a.predicted;
      }
      json::KeyNum(o, "after", after);
      *o += "}";
    }
    *o += "]";
    // The kafka-reassign-partitions plan, embedded as JSON (it is a JSON object already).
    json::Key(o, "reassignment");
    *o += p.reassignment_json.empty() ? "{\"version\":1,\"partitions\":[]}" : p.reassignment_json;
  }

  std::vector<remote_read::Matcher> replicas_, brokers_, offsets_, bytes_in_, bytes_out_, min_isr_;
  std::vector<remote_read::Matcher> topic_partitions_, partition_replicas_;
  std::shared_ptr<SharedCpuModel> shared_;
};

}  // namespace

Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeModelAnalyses(const JobConfig& job) {
  std::vector<std::unique_ptr<ClusterAnalysis>> out;
  auto shared = std::make_shared<SharedCpuModel>();
  if (job.cpu_model.enabled) {
    const CpuModelConfig& c = job.cpu_model;
    if (c.features.size() != md::kNumCpuFeatures) {
      return Status::Error("cpu_model.features: expected " + std::to_string(md::kNumCpuFeatures) +
                           " entries");
    }
    auto cpu = Sel(c.cpu, "cpu_model.cpu");
    if (!cpu.ok()) return cpu.status();
    std::vector<std::vector<remote_read::Matcher>> feats;
    for (const auto& f : c.features) {
      if (f.empty()) {
        feats.emplace_back();
        continue;
      }
      auto m = Sel(f, "cpu_model.features");
      if (!m.ok()) return m.status();
      feats.push_back(std::move(*m));
    }
    out.push_back(std::make_unique<CpuModelAnalysis>(std::move(*cpu), std::move(feats), shared));
  }
  if (job.recommendations.enabled) {
    const RecommendationsConfig& r = job.recommendations;
    auto a = Sel(r.committed_offset, "recommendations.committed_offset");
    auto b = Sel(r.lag, "recommendations.lag");
    auto c = Sel(r.members, "recommendations.members");
    auto d = Sel(r.partitions, "recommendations.partitions");
    for (const auto* s : {&a, &b, &c, &d}) {
      if (!s->ok()) return s->status();
    }
    out.push_back(std::make_unique<RecommendationsAnalysis>(std::move(*a), std::move(*b),
                                                            std::move(*c), std::move(*d)));
  }
  if (job.placement.enabled()) {
    const PlacementConfig& p = job.placement;
    using Matchers = Result<std::vector<remote_read::Matcher>>;
    auto optional = [](const std::string& s, const char* what) -> Matchers {
      if (s.empty()) return std::vector<remote_read::Matcher>{};
      return Sel(s, what);
    };
    Matchers sel[] = {Sel(p.replica_info, "placement.replica_info"),
                      Sel(p.broker_info, "placement.broker_info"),
                      Sel(p.partition_offset, "placement.partition_offset"),
                      optional(p.topic_bytes_in, "placement.topic_bytes_in"),
                      optional(p.topic_bytes_out, "placement.topic_bytes_out"),
                      optional(p.min_isr_metric, "placement.min_isr_metric"),
                      optional(p.topic_partitions, "placement.topic_partitions"),
                      optional(p.partition_replicas, "placement.partition_replicas")};
    for (const auto& s : sel) {
      if (!s.ok()) return s.status();
    }
    PlacementSelectors ps{std::move(*sel[0]), std::move(*sel[1]), std::move(*sel[2]),
                          std::move(*sel[3]), std::move(*sel[4]), std::move(*sel[5]),
                          std::move(*sel[6]), std::move(*sel[7])};
    out.push_back(std::make_unique<PlacementAnalysis>(std::move(ps),
                                                      job.cpu_model.enabled ? shared : nullptr));
  }
  return out;
}

}  // namespace streamlens::engine

#else

namespace streamlens::engine {
Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeModelAnalyses(const JobConfig& job) {
  if (job.cpu_model.enabled || job.recommendations.enabled || job.placement.enabled()) {
    return Status::Error(
        "cpu_model/recommendations/placement: the models library is not part "
        "of this build");
  }
  return std::vector<std::unique_ptr<ClusterAnalysis>>{};
}
}  // namespace streamlens::engine

#endif
