// Adapter: the broker CPU model (sidecar/analysis/models/cpu_model.h) as a cluster analysis.
//
// Refits a pooled ridge model of broker CPU on the load features (each a counter turned into a
// rate and summed per broker) over fit_window whenever fit_every is due, and evaluates every
// broker's latest complete row each cycle: predicted CPU, residual, and the residual's anomaly
// score (CPU not explained by load, published as
// streamlens_anomaly_score{model="cpu_load_model"}, negative residuals scoring 0). The fitted
// model is shared with the job's placement analysis (shared_cpu_model.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "common/json_writer.h"
#include "sidecar/analysis/models/cpu_model.h"
#include "sidecar/engine/adapter_helpers.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/cluster_analysis.h"
#include "sidecar/engine/shared_cpu_model.h"

namespace streamlens::engine {
namespace {

namespace md = analysis::models;

class CpuModelAnalysis final : public ClusterAnalysis {
 public:
  CpuModelAnalysis(std::vector<remote_read::Matcher> cpu,
                   std::vector<std::vector<remote_read::Matcher>> features,
                   std::shared_ptr<SharedCpuModel> shared)
      : cpu_(std::move(cpu)), features_(std::move(features)), shared_(std::move(shared)) {}
  std::string_view kind() const override { return "cpu_model"; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const bool refit = in.fit_due || !shared_->valid;
    Columns cols;
    STREAMLENS_RETURN_IF_ERROR(FetchColumns(in, refit, &cols));
    if (refit) STREAMLENS_RETURN_IF_ERROR(Refit(in, cols));
    const md::CpuModel& model = shared_->model;
    const LatestRows rows = Latest(in, cols);
    Eigen::VectorXd obs = Eigen::Map<const Eigen::VectorXd>(
        rows.observed.data(), static_cast<Eigen::Index>(rows.observed.size()));
    auto ev = md::EvaluateCpuModel(model, rows.x, obs);
    if (!ev.ok()) return ev.status().WithContext("cpu_model");
    Publish(*in.job, model, rows, *ev, out);
    // Brokers gone from the data lose their score history.
    for (auto it = history_.begin(); it != history_.end();) {
      if (std::find(rows.brokers.begin(), rows.brokers.end(), it->first) == rows.brokers.end()) {
        it = history_.erase(it);
      } else {
        ++it;
      }
    }
    return Status::Ok();
  }

 private:
  // Per broker: the cpu column, then one column per feature, on the grid from `start`.
  struct Columns {
    int64_t start = 0;
    size_t points = 0;
    std::map<std::string, std::vector<std::vector<double>>> by_broker;
  };
  // The latest complete row of each broker that has one within lookback.
  struct LatestRows {
    std::vector<std::string> brokers;
    std::vector<int64_t> times;
    std::vector<double> observed;
    Eigen::MatrixXd x;  // one row per broker, one column per feature
  };

  static bool Complete(const std::vector<std::vector<double>>& c, size_t t) {
    for (const auto& col : c) {
      if (!std::isfinite(col[t])) return false;
    }
    return true;
  }

  // Fetches cpu and the features over fit_window (refit) or the last lookback (at least five
  // steps). A broker without a feature has NaN in its column: no complete rows.
  Status FetchColumns(const ClusterInput& in, bool refit, Columns* cols) const {
    const JobConfig& job = *in.job;
    const CpuModelConfig& cfg = job.cpu_model;
    const int64_t step = job.step.count();
    const int64_t span =
        refit ? job.fit_window.count() - step : std::max<int64_t>(job.lookback.count(), 5 * step);
    cols->start = in.end_grid_ms - span;
    const std::vector<std::string> by = {cfg.broker_label};
    auto cpu = in.fetcher->Fetch(cpu_, Transform::kNone, Aggregation::kMax, by, cols->start,
                                 in.end_grid_ms);
    if (!cpu.ok()) return cpu.status().WithContext("cpu_model: cpu");
    const size_t points = cpu->points;
    cols->points = points;
    const size_t nf = features_.size();
    for (const auto& s : cpu->series) {
      std::string b = LabelValue(s.labels, cfg.broker_label);
      if (b.empty()) continue;
      auto& c = cols->by_broker[b];
      c.assign(1 + nf, std::vector<double>(points, 0.0));
      c[0] = s.values;
    }
    for (size_t f = 0; f < nf; ++f) {
      if (features_[f].empty()) continue;
      auto fr = in.fetcher->Fetch(features_[f], Transform::kRate, Aggregation::kSum, by,
                                  cols->start, in.end_grid_ms);
      if (!fr.ok()) return fr.status().WithContext("cpu_model: feature");
      std::set<std::string> seen;
      for (const auto& s : fr->series) {
        std::string b = LabelValue(s.labels, cfg.broker_label);
        auto it = cols->by_broker.find(b);
        if (it == cols->by_broker.end() || s.values.size() != points) continue;
        it->second[1 + f] = s.values;
        seen.insert(b);
      }
      for (auto& [b, c] : cols->by_broker) {
        if (!seen.count(b)) c[1 + f].assign(points, std::numeric_limits<double>::quiet_NaN());
      }
    }
    return Status::Ok();
  }

  // Fits the pooled model on every complete row. A failed fit keeps the previous model; the
  // error is returned only when there is none.
  Status Refit(const ClusterInput& in, const Columns& cols) {
    const CpuModelConfig& cfg = in.job->cpu_model;
    const size_t nf = features_.size();
    size_t rows = 0;
    for (const auto& [b, c] : cols.by_broker) {
      for (size_t t = 0; t < cols.points; ++t) rows += Complete(c, t) ? 1 : 0;
    }
    Eigen::MatrixXd x(rows, static_cast<Eigen::Index>(nf));
    Eigen::VectorXd y(rows);
    Eigen::Index r = 0;
    for (const auto& [b, c] : cols.by_broker) {
      for (size_t t = 0; t < cols.points; ++t) {
        if (!Complete(c, t)) continue;
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
    return Status::Ok();
  }

  LatestRows Latest(const ClusterInput& in, const Columns& cols) const {
    const JobConfig& job = *in.job;
    const int64_t step = job.step.count();
    const size_t nf = features_.size();
    LatestRows rows;
    rows.x.resize(static_cast<Eigen::Index>(cols.by_broker.size()), static_cast<Eigen::Index>(nf));
    for (const auto& [b, c] : cols.by_broker) {
      for (size_t t = cols.points; t-- > 0;) {
        int64_t ts = cols.start + static_cast<int64_t>(t) * step;
        if (in.end_grid_ms - ts > job.lookback.count()) break;
        if (!Complete(c, t)) continue;
        const auto row = static_cast<Eigen::Index>(rows.brokers.size());
        for (size_t f = 0; f < nf; ++f) rows.x(row, static_cast<Eigen::Index>(f)) = c[1 + f][t];
        rows.brokers.push_back(b);
        rows.times.push_back(ts);
        rows.observed.push_back(c[0][t]);
        break;
      }
    }
    rows.x.conservativeResize(static_cast<Eigen::Index>(rows.brokers.size()), Eigen::NoChange);
    return rows;
  }

  // The model's samples, each broker's prediction, residual and anomaly-style result, and the
  // cpu_model document.
  void Publish(const JobConfig& job, const md::CpuModel& model, const LatestRows& rows,
               const md::CpuEvaluation& ev, ClusterOutput* out) {
    const CpuModelConfig& cfg = job.cpu_model;
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
    for (size_t i = 0; i < rows.brokers.size(); ++i) {
      const auto k = static_cast<Eigen::Index>(i);
      const std::string& broker = rows.brokers[i];
      const double observed = rows.observed[i];
      const int64_t t = rows.times[i];
      const double pred = ev.predicted(k), res = ev.residual(k);
      const double score = std::max(0.0, ev.anomaly_score(k));
      LabelPairs bl = WithJob({{cfg.broker_label, broker}}, job);
      out->samples.push_back({"streamlens_broker_cpu_predicted_ratio", bl, pred});
      out->samples.push_back({"streamlens_broker_cpu_residual_ratio", bl, res});
      SeriesResult sr;
      sr.labels = {{cfg.broker_label, broker}};
      for (const auto& [n, v] : job.labels) sr.labels.emplace_back(n, v);
      std::sort(sr.labels.begin(), sr.labels.end());
      sr.input_series = "cpu_not_explained_by_load{" + cfg.broker_label + "=\"" + broker + "\"}";
      sr.anomaly_model = "cpu_load_model";
      sr.has_anomaly = std::isfinite(pred) && std::isfinite(score) && std::isfinite(observed);
      sr.anomaly = {t, observed, pred, pred - band, pred + band, score};
      auto& hist = history_[broker];
      if (hist.empty() || hist.back().first < t) hist.emplace_back(t, static_cast<float>(score));
      const size_t keep = static_cast<size_t>(std::max(0, job.anomaly.score_history));
      while (hist.size() > keep) hist.pop_front();
      sr.score_history.assign(hist.begin(), hist.end());
      out->series.push_back(std::move(sr));
      if (i) o += ",";
      o += "{";
      json::KeyStr(&o, "broker", broker, true);
      json::KeyNum(&o, "timestamp", static_cast<double>(t) / 1000.0);
      json::KeyNum(&o, "cpu", observed);
      json::KeyNum(&o, "predicted", pred);
      json::KeyNum(&o, "residual", res);
      json::KeyNum(&o, "unexplained_score", score);
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "broker %s uses %.3g CPU; its load explains %.3g, leaving %+.3g (%.2f x the "
                    "%.3g band of %g residual standard deviations)",
                    broker.c_str(), observed, pred, res, score, band, model.anomaly_sigma);
      json::KeyStr(&o, "reason", buf);
      o += "}";
    }
    o += "]}";
  }

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

}  // namespace

std::shared_ptr<SharedCpuModel> MakeSharedCpuModel() { return std::make_shared<SharedCpuModel>(); }

Result<std::unique_ptr<ClusterAnalysis>> MakeCpuModelAnalysis(
    const JobConfig& job, std::shared_ptr<SharedCpuModel> shared) {
  const CpuModelConfig& c = job.cpu_model;
  if (c.features.size() != md::kNumCpuFeatures) {
    return Status::Error("cpu_model.features: expected " + std::to_string(md::kNumCpuFeatures) +
                         " entries");
  }
  auto cpu = ParseConfigSelector(c.cpu, "cpu_model.cpu");
  if (!cpu.ok()) return cpu.status();
  std::vector<std::vector<remote_read::Matcher>> feats;
  for (const auto& f : c.features) {
    if (f.empty()) {
      feats.emplace_back();
      continue;
    }
    auto m = ParseConfigSelector(f, "cpu_model.features");
    if (!m.ok()) return m.status();
    feats.push_back(std::move(*m));
  }
  return std::unique_ptr<ClusterAnalysis>(
      std::make_unique<CpuModelAnalysis>(std::move(*cpu), std::move(feats), std::move(shared)));
}

}  // namespace streamlens::engine
