#include "sidecar/publish/json_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/json_writer.h"

namespace streamlens::publish {
namespace {

HttpResponse Error(int status, const std::string& type, const std::string& msg) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"status\":\"error\",\"errorType\":";
  AppendJsonString(&r.body, type);
  r.body += ",\"error\":";
  AppendJsonString(&r.body, msg);
  r.body += "}";
  return r;
}

// The success envelope {"status":"success","data":[...]} around the elements that
// `element(job, item, &out)` writes for each item of `items(job)`, for every job the `for`
// parameter selects (all without it). An element writer that writes nothing skips its item.
template <typename Items, typename Element>
HttpResponse JobElements(const engine::ResultsSnapshot& snap, const HttpRequest& req, Items items,
                         Element element) {
  const std::string job = req.Param("for");
  HttpResponse r;
  std::string& o = r.body;
  o = "{\"status\":\"success\",\"data\":[";
  bool first = true;
  std::string one;
  for (const auto& j : snap.jobs) {
    if (!job.empty() && j->job != job) continue;
    for (const auto& item : items(*j)) {
      one.clear();
      element(*j, item, &one);
      if (one.empty()) continue;
      if (!first) o.push_back(',');
      first = false;
      o += one;
    }
  }
  o += "]}";
  return r;
}

}  // namespace

HttpResponse HandleAnomalies(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  std::string job = req.Param("for");
  bool filter = false;
  double min_score = 0;
  if (std::string m = req.Param("min_score"); !m.empty()) {
    char* end = nullptr;
    min_score = std::strtod(m.c_str(), &end);
    if (end != m.c_str() + m.size() || !std::isfinite(min_score)) {
      return Error(400, "bad_data", "min_score: expected a number, got \"" + m + "\"");
    }
    filter = true;
  }
  struct Item {
    const engine::JobResults* job;
    const engine::SeriesResult* s;
  };
  std::vector<Item> items;
  for (const auto& j : snap.jobs) {
    if (!job.empty() && j->job != job) continue;
    for (const auto& s : j->series) {
      if (s.has_anomaly && (!filter || s.anomaly.score >= min_score))
        items.push_back({j.get(), &s});
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    // Non-finite scores (never published as metrics) sort last.
    double x = std::isfinite(a.s->anomaly.score) ? a.s->anomaly.score : -1e300;
    double y = std::isfinite(b.s->anomaly.score) ? b.s->anomaly.score : -1e300;
    return x > y;
  });
  HttpResponse r;
  std::string& o = r.body;
  o = "{\"status\":\"success\",\"data\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& s = *items[i].s;
    if (i) o.push_back(',');
    o += "{";
    json::Key(&o, "for", true);
    AppendJsonString(&o, items[i].job->job);
    json::Key(&o, "series");
    AppendJsonString(&o, s.input_series);
    json::Key(&o, "labels");
    json::Labels(&o, s.labels);
    json::Key(&o, "model");
    AppendJsonString(&o, s.anomaly_model);
    json::Key(&o, "timestamp");
    json::Num(&o, static_cast<double>(s.anomaly.t_ms) / 1000.0);
    const std::pair<const char*, double> fields[] = {{"y", s.anomaly.y},
                                                     {"yhat", s.anomaly.yhat},
                                                     {"yhat_lower", s.anomaly.yhat_lower},
                                                     {"yhat_upper", s.anomaly.yhat_upper},
                                                     {"score", s.anomaly.score}};
    for (const auto& [k, v] : fields) {
      json::Key(&o, k);
      json::Num(&o, v);
    }
    json::Key(&o, "warming_up");
    o += s.anomaly.warming_up ? "true" : "false";
    json::Key(&o, "anomalous");
    o += s.anomaly.score > 1 ? "true" : "false";
    json::Key(&o, "score_history");
    o += "[";
    for (size_t h = 0; h < s.score_history.size(); ++h) {
      if (h) o.push_back(',');
      o.push_back('[');
      json::Num(&o, static_cast<double>(s.score_history[h].first) / 1000.0);
      o.push_back(',');
      json::Num(&o, s.score_history[h].second);
      o.push_back(']');
    }
    o += "]";
    // The root-cause ranking of this series, when its job ranks causes of anomalous series.
    for (const auto& d : items[i].job->documents) {
      if (d.kind == "rootcause" && d.key == s.input_series) {
        json::Key(&o, "root_cause");
        o += d.json;
        break;
      }
    }
    o += "}";
  }
  o += "]}";
  return r;
}

HttpResponse HandleForecasts(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  auto series = [](const engine::JobResults& j) -> const auto& { return j.series; };
  return JobElements(
      snap, req, series,
      [](const engine::JobResults& j, const engine::SeriesResult& s, std::string* out) {
        if (!s.has_forecast) return;
        std::string& o = *out;
        const auto& f = s.forecast;
        o += "{";
        json::Key(&o, "for", true);
        AppendJsonString(&o, j.job);
        json::Key(&o, "series");
        AppendJsonString(&o, s.input_series);
        json::Key(&o, "labels");
        json::Labels(&o, s.labels);
        json::Key(&o, "model");
        AppendJsonString(&o, s.forecast_model);
        json::Key(&o, "origin");
        json::Num(&o, static_cast<double>(f.origin_ms) / 1000.0);
        json::Key(&o, "horizons");
        o += "[";
        for (size_t h = 0; h < f.horizons.size(); ++h) {
          const auto& hz = f.horizons[h];
          if (h) o.push_back(',');
          o += "{";
          json::Key(&o, "horizon", true);
          AppendJsonString(&o, hz.horizon);
          json::Key(&o, "yhat");
          json::Num(&o, hz.yhat);
          json::Key(&o, "yhat_lower");
          json::Num(&o, hz.yhat_lower);
          json::Key(&o, "yhat_upper");
          json::Num(&o, hz.yhat_upper);
          o += "}";
        }
        o += "]";
        json::Key(&o, "thresholds");
        o += "[";
        for (size_t t = 0; t < f.thresholds.size(); ++t) {
          const auto& th = f.thresholds[t];
          if (t) o.push_back(',');
          o += "{";
          json::Key(&o, "threshold", true);
          AppendJsonString(&o, th.threshold);
          json::Key(&o, "value");
          json::Num(&o, th.value);
          json::Key(&o, "breached");
          o += th.breached ? "true" : "false";
          json::Key(&o, "crosses");
          o += th.crosses ? "true" : "false";
          json::Key(&o, "time_to_threshold_seconds");
          if (th.crosses) {
            double remaining =
                th.seconds - static_cast<double>(j.evaluated_ms - f.origin_ms) / 1000.0;
            json::Num(&o, std::max(0.0, remaining));
          } else {
            o += "null";
          }
          json::Key(&o, "breach_probability");
          o += "{";
          for (size_t p = 0; p < th.probability.size() && p < f.horizons.size(); ++p) {
            if (p) o.push_back(',');
            AppendJsonString(&o, f.horizons[p].horizon);
            o.push_back(':');
            json::Num(&o, th.probability[p]);
          }
          o += "}}";
        }
        o += "]}";
      });
}

HttpResponse HandleOutliers(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  auto outliers = [](const engine::JobResults& j) -> const auto& { return j.outliers; };
  return JobElements(snap, req, outliers,
                     [](const engine::JobResults& j, const auto& m, std::string* out) {
                       std::string& o = *out;
                       o += "{";
                       json::Key(&o, "for", true);
                       AppendJsonString(&o, j.job);
                       json::Key(&o, "labels");
                       json::Labels(&o, m.labels);
                       json::Key(&o, "score");
                       json::Num(&o, m.score);
                       json::Key(&o, "outlier");
                       o += m.score > 1 ? "true" : "false";
                       o += "}";
                     });
}

HttpResponse HandleAnalyses(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  auto analyses = [](const engine::JobResults& j) -> const auto& { return j.analyses; };
  return JobElements(snap, req, analyses,
                     [](const engine::JobResults& j, const auto& a, std::string* out) {
                       std::string& o = *out;
                       o.push_back('{');
                       json::KeyStr(&o, "for", j.job, true);
                       json::KeyStr(&o, "analysis", a.analysis);
                       if (!a.cluster.empty()) json::KeyStr(&o, "cluster", a.cluster);
                       json::KeyBool(&o, "up", a.up);
                       json::KeyStr(&o, "reason", a.reason);
                       json::KeyNum(&o, "since", static_cast<double>(a.since_ms) / 1000.0);
                       o.push_back('}');
                     });
}

namespace {

// Appends the documents of `kind` (and `key`, when not empty) as a JSON array.
size_t AppendDocuments(std::string* o, const engine::ResultsSnapshot& snap, const std::string& job,
                       const std::string& kind, const std::string& key) {
  size_t n = 0;
  o->push_back('[');
  for (const auto& j : snap.jobs) {
    if (!job.empty() && j->job != job) continue;
    for (const auto& d : j->documents) {
      if (d.kind != kind || (!key.empty() && d.key != key)) continue;
      if (n++) o->push_back(',');
      o->append(d.json);
    }
  }
  o->push_back(']');
  return n;
}

}  // namespace

HttpResponse HandleDocuments(const engine::ResultsSnapshot& snap, const HttpRequest& req,
                             const std::string& kind) {
  HttpResponse r;
  r.body = "{\"status\":\"success\",\"data\":";
  AppendDocuments(&r.body, snap, req.Param("for"), kind, "");
  r.body += "}";
  return r;
}

HttpResponse HandleRootCause(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  HttpResponse r;
  r.body = "{\"status\":\"success\",\"data\":";
  AppendDocuments(&r.body, snap, req.Param("for"), "rootcause", req.Param("target"));
  r.body += "}";
  return r;
}

HttpResponse HandleRecommendations(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  const std::string job = req.Param("for");
  HttpResponse r;
  std::string& o = r.body;
  o = "{\"status\":\"success\",\"data\":[";
  size_t n = 0;
  for (const char* kind : {"recommendation", "rebalance_plan", "add_broker"}) {
    for (const auto& j : snap.jobs) {
      if (!job.empty() && j->job != job) continue;
      for (const auto& d : j->documents) {
        if (d.kind != kind) continue;
        if (n++) o.push_back(',');
        o += d.json;
      }
    }
  }
  o += "]}";
  return r;
}

HttpResponse HandleBrokerFailure(const engine::ResultsSnapshot& snap, const HttpRequest& req) {
  const std::string broker = req.Param("broker");
  if (!broker.empty()) {
    char* end = nullptr;
    long v = std::strtol(broker.c_str(), &end, 10);
    if (end != broker.c_str() + broker.size() || v < 0) {
      return Error(400, "bad_data",
                   "broker: expected a broker id (integer >= 0), got \"" + broker + "\"");
    }
  }
  HttpResponse r;
  r.body = "{\"status\":\"success\",\"data\":";
  size_t n = AppendDocuments(&r.body, snap, req.Param("for"), "broker_failure", broker);
  r.body += "}";
  if (!broker.empty() && n == 0) {
    return Error(404, "not_found",
                 "no what-if result for broker " + broker +
                     " (unknown broker, or no job with placement.broker_failure has run yet)");
  }
  return r;
}

void RegisterJsonApi(HttpServer& server, SnapshotFn snapshot) {
  server.HandleGet(
      "/api/v1/rootcause",
      [snapshot](const HttpRequest& r) { return HandleRootCause(*snapshot(), r); },
      "Root causes of current anomalies (JSON)");
  server.HandleGet(
      "/api/v1/recommendations",
      [snapshot](const HttpRequest& r) { return HandleRecommendations(*snapshot(), r); },
      "Recommendations: partitions, rebalance, add broker (JSON)");
  server.HandleGet(
      "/api/v1/whatif/broker-failure",
      [snapshot](const HttpRequest& r) { return HandleBrokerFailure(*snapshot(), r); },
      "What if a broker fails (JSON)");
  server.HandleGet(
      "/api/v1/whatif/add-broker",
      [snapshot](const HttpRequest& r) { return HandleDocuments(*snapshot(), r, "add_broker"); },
      "What if a broker is added (JSON)");
  server.HandleGet(
      "/api/v1/rebalance/plan",
      [snapshot](const HttpRequest& r) {
        return HandleDocuments(*snapshot(), r, "rebalance_plan");
      },
      "Rebalance plan with kafka-reassign-partitions JSON");
  server.HandleGet(
      "/api/v1/models/broker-cpu",
      [snapshot](const HttpRequest& r) { return HandleDocuments(*snapshot(), r, "cpu_model"); },
      "Broker CPU model (JSON)");
  server.HandleGet(
      "/api/v1/anomalies",
      [snapshot](const HttpRequest& r) { return HandleAnomalies(*snapshot(), r); },
      "Anomalies (JSON)");
  server.HandleGet(
      "/api/v1/forecasts",
      [snapshot](const HttpRequest& r) { return HandleForecasts(*snapshot(), r); },
      "Forecasts (JSON)");
  server.HandleGet(
      "/api/v1/analyses",
      [snapshot](const HttpRequest& r) { return HandleAnalyses(*snapshot(), r); },
      "Which analyses of each job ran, and why not (JSON)");
  server.HandleGet(
      "/api/v1/outliers",
      [snapshot](const HttpRequest& r) { return HandleOutliers(*snapshot(), r); },
      "Outliers (JSON)");
}

}  // namespace streamlens::publish
