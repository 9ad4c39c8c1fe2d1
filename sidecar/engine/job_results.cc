#include "sidecar/engine/job_results.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

namespace streamlens::engine {

LabelPairs OutputLabels(const LabelPairs& input, const JobConfig& cfg, bool multi_name) {
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

bool MatchesSeveralNames(const SeriesMap& series) {
  std::set<std::string> names;
  for (const auto& [k, st] : series) {
    for (const auto& [n, v] : st->input_labels) {
      if (n == "__name__") names.insert(v);
    }
    if (names.size() > 1) return true;
  }
  return false;
}

namespace {

bool FiniteAnomaly(const AnomalyPoint& a) {
  return std::isfinite(a.score) && std::isfinite(a.y) && std::isfinite(a.yhat) &&
         std::isfinite(a.yhat_lower) && std::isfinite(a.yhat_upper);
}

SeriesResult SeriesResultOf(const SeriesState& st, const JobConfig& cfg, bool multi_name) {
  SeriesResult r;
  r.labels = OutputLabels(st.input_labels, cfg, multi_name);
  r.input_series = st.key;
  r.has_anomaly = st.has_anomaly && FiniteAnomaly(st.anomaly);
  r.anomaly = st.anomaly;
  r.anomaly_model = st.anomaly_model;
  r.score_history = st.score_history;
  r.has_forecast = st.has_forecast;
  r.forecast = st.forecast;
  r.forecast_model = st.forecast_model;
  return r;
}

}  // namespace

std::shared_ptr<JobResults> BuildJobResults(const Job& job, const JobConfig& cfg, int64_t now_ms) {
  auto res = std::make_shared<JobResults>();
  res->job = cfg.name;
  res->evaluated_ms = now_ms;
  const bool multi_name = MatchesSeveralNames(job.series);
  std::vector<const SeriesState*> ordered;
  for (const auto& [k, st] : job.series) {
    if (st->has_anomaly || st->has_forecast) ordered.push_back(st.get());
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const SeriesState* a, const SeriesState* b) { return a->key < b->key; });
  res->series.reserve(ordered.size());
  for (const SeriesState* st : ordered) res->series.push_back(SeriesResultOf(*st, cfg, multi_name));
  res->outliers = job.outliers;
  res->analyses = job.series_status;
  for (const auto& [cluster, runs] : job.clusters) {
    for (const ClusterRun& r : runs) {
      res->analyses.push_back(r.status);
      if (!r.has) continue;
      res->extra.insert(res->extra.end(), r.out.samples.begin(), r.out.samples.end());
      res->series.insert(res->series.end(), r.out.series.begin(), r.out.series.end());
      res->documents.insert(res->documents.end(), r.out.documents.begin(), r.out.documents.end());
    }
  }
  return res;
}

}  // namespace streamlens::engine
