// JSON API over the engine's results, registered on the daemon's HttpServer:
//
//   GET /api/v1/anomalies[?for=JOB][&min_score=X]
//     {"status":"success","data":[{"for":..,"series":..,"labels":{..},"model":..,
//       "timestamp":<unix s>,"y":..,"yhat":..,"yhat_lower":..,"yhat_upper":..,"score":..,
//       "anomalous":bool,"score_history":[[<unix s>,score],...]}, ...]}
//     sorted by score, highest first: the evidence behind streamlens_anomaly_score.
//   GET /api/v1/forecasts[?for=JOB]
//     {"status":"success","data":[{"for":..,"series":..,"labels":{..},"model":..,
//       "origin":<unix s>,"horizons":[{"horizon":"1h","yhat":..,"yhat_lower":..,"yhat_upper":..}],
//       "thresholds":[{"threshold":"180","value":180,"crosses":bool,
//                      "time_to_threshold_seconds":x|null,"breach_probability":{"1h":p,...}}]}]}
//   GET /api/v1/outliers[?for=JOB]
//   GET /api/v1/analyses[?for=JOB]
//     {"status":"success","data":[{"for":..,"analysis":"rootcause","cluster":"prod" (when the job
//       runs per cluster),"up":false,"reason":"cpu model: 0 samples are too few for 6 features",
//       "since":<unix s>}]}: the state behind streamlens_analysis_up, with what is missing.
// The analysis III results (JobResults::documents, each a JSON object with its reason and
// numbers, written by the engine's cluster analyses):
//   GET /api/v1/rootcause[?for=JOB][&target=SERIES]   ranked causes per anomalous target
//   GET /api/v1/recommendations[?for=JOB]
//     {"status":"success","data":[..]}: every item has "kind" ("partitions", "rebalance",
//     "add_broker") and "reason"
//   GET /api/v1/whatif/broker-failure[?broker=N][&for=JOB]   (404 when broker N is unknown)
//   GET /api/v1/whatif/add-broker[?for=JOB]
//   GET /api/v1/rebalance/plan[?for=JOB]
//   GET /api/v1/models/broker-cpu[?for=JOB]
// Errors use Prometheus' API shape {"status":"error","errorType":"bad_data","error":"..."}.
// Non-finite numbers are written as null. Thread-safe (reads immutable snapshots).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/http_server.h"
#include "common/json_writer.h"
#include "sidecar/engine/results.h"

namespace streamlens::publish {

using SnapshotFn = std::function<std::shared_ptr<const engine::ResultsSnapshot>()>;

HttpResponse HandleAnomalies(const engine::ResultsSnapshot& snapshot, const HttpRequest& request);
HttpResponse HandleForecasts(const engine::ResultsSnapshot& snapshot, const HttpRequest& request);
HttpResponse HandleOutliers(const engine::ResultsSnapshot& snapshot, const HttpRequest& request);
HttpResponse HandleAnalyses(const engine::ResultsSnapshot& snapshot, const HttpRequest& request);
HttpResponse HandleRootCause(const engine::ResultsSnapshot& snapshot, const HttpRequest& request);
HttpResponse HandleRecommendations(const engine::ResultsSnapshot& snapshot,
                                   const HttpRequest& request);
HttpResponse HandleBrokerFailure(const engine::ResultsSnapshot& snapshot,
                                 const HttpRequest& request);
// Documents of one `kind` ("add_broker", "rebalance_plan", "cpu_model") filtered by ?for=.
HttpResponse HandleDocuments(const engine::ResultsSnapshot& snapshot, const HttpRequest& request,
                             const std::string& kind);

// Registers the handlers above on `server`.
void RegisterJsonApi(HttpServer& server, SnapshotFn snapshot);

}  // namespace streamlens::publish
