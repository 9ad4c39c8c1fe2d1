#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/gunzip_for_test.h"
#include "sidecar/publish/json_api.h"
#include "sidecar/publish/results_collector.h"

namespace streamlens::publish {
namespace {

using engine::JobResults;
using engine::ResultsSnapshot;
using engine::SeriesResult;

std::shared_ptr<ResultsSnapshot> Snapshot() {
  auto job = std::make_shared<JobResults>();
  job->job = "lag";
  job->evaluated_ms = 1'700'000'600'000;
  SeriesResult a;
  a.labels = {{"consumergroup", "pay"}, {"topic", "orders"}};
  a.input_series = "kafka_consumergroup_lag_sum{consumergroup=\"pay\",topic=\"orders\"}";
  a.has_anomaly = true;
  a.anomaly_model = "stl";
  a.anomaly = {1'700'000'600'000, 500, 100, 50, 150, 2.5};
  a.score_history = {{1'700'000'540'000, 0.5f}, {1'700'000'600'000, 2.5f}};
  a.has_forecast = true;
  a.forecast_model = "ets";
  a.forecast.origin_ms = 1'700'000'000'000;
  a.forecast.horizons = {{"1h", 3600000, 200, 150, 250}, {"6h", 21600000, 400, 100, 700}};
  a.forecast.thresholds = {{"180", 180, false, true, 3000, {0.4, 0.9}},
                           {"1000", 1000, false, false, 0, {0, 0.1}}};
  SeriesResult b;
  b.labels = {{"consumergroup", "audit"}, {"topic", "orders"}};
  b.input_series = "kafka_consumergroup_lag_sum{consumergroup=\"audit\",topic=\"orders\"}";
  b.has_anomaly = true;
  b.anomaly_model = "stl";
  b.anomaly = {1'700'000'600'000, 10, 10, 5, 15, std::numeric_limits<double>::quiet_NaN()};
  job->series = {a, b};
  job->outliers = {{{{"broker", "4"}}, 3.2}};
  job->extra = {{"streamlens_rootcause_score",
                 {{"for", "lag"}, {"candidate", "x"}, {"layer", "platform"}},
                 0.8}};
  auto snap = std::make_shared<ResultsSnapshot>();
  snap->jobs.push_back(job);
  return snap;
}

engine::EngineStatus Status() {
  engine::EngineStatus s;
  engine::JobStats j;
  j.job = "lag";
  j.runs = 7;
  j.skipped_cycles = 2;
  j.last_success_unix = 1'700'000'600;
  s.jobs.push_back(j);
  s.source_up["default"] = true;
  return s;
}

TEST(PublishTest, RendersOneFamilyPerOutputAndDropsNonFinite) {
  auto snap = Snapshot();
  ResultsCollector c([snap] { return snap; }, [] { return Status(); });
  c.SetReloadResult(false, 0);
  std::string text = c.Text();
  EXPECT_NE(text.find("streamlens_anomaly_score{consumergroup=\"pay\",topic=\"orders\",for=\"lag\","
                      "model=\"stl\"} 2.5"),
            std::string::npos)
      << text;
  // The NaN score of "audit" is dropped; its finite y is kept.
  EXPECT_EQ(text.find("streamlens_anomaly_score{consumergroup=\"audit\""), std::string::npos);
  EXPECT_NE(text.find("streamlens_y{consumergroup=\"audit\""), std::string::npos);
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("Inf"), std::string::npos);
  EXPECT_NE(
      text.find("streamlens_forecast_upper{consumergroup=\"pay\",topic=\"orders\",for=\"lag\","
                "model=\"ets\",horizon=\"6h\"} 700"),
      std::string::npos);
  // 3000 s from the origin, evaluated 600 s later: 2400 s left.
  EXPECT_NE(text.find("streamlens_time_to_threshold_seconds{consumergroup=\"pay\",topic=\"orders\","
                      "for=\"lag\",model=\"ets\",threshold=\"180\"} 2400"),
            std::string::npos);
  // Never crosses: no time to threshold; not breached.
  EXPECT_EQ(text.find("streamlens_time_to_threshold_seconds{consumergroup=\"pay\",topic=\"orders\","
                      "for=\"lag\",model=\"ets\",threshold=\"1000\"}"),
            std::string::npos);
  EXPECT_NE(text.find("streamlens_threshold_breached{consumergroup=\"pay\",topic=\"orders\","
                      "for=\"lag\",model=\"ets\",threshold=\"1000\"} 0"),
            std::string::npos);
  EXPECT_NE(
      text.find("streamlens_threshold_breach_probability{consumergroup=\"pay\",topic=\"orders\","
                "for=\"lag\",model=\"ets\",threshold=\"1000\",horizon=\"6h\"} 0.1"),
      std::string::npos);
  EXPECT_NE(text.find("streamlens_outlier_score{broker=\"4\",for=\"lag\"} 3.2"), std::string::npos);
  EXPECT_NE(
      text.find("streamlens_rootcause_score{for=\"lag\",candidate=\"x\",layer=\"platform\"} 0.8"),
      std::string::npos);
  EXPECT_NE(text.find("streamlens_sidecar_job_runs_total{for=\"lag\"} 7"), std::string::npos);
  EXPECT_NE(text.find("streamlens_sidecar_job_skipped_cycles_total{for=\"lag\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("streamlens_sidecar_source_up{source=\"default\"} 1"), std::string::npos);
  EXPECT_NE(text.find("streamlens_sidecar_config_last_reload_successful 0"), std::string::npos);
}

// Scrapes are served from pieces prepared once per published JobResults: the gzip body
// decodes to the plain text, a second scrape of the same results shares the pieces (same
// pointers), a job that publishes new results is rendered again while the other job's pieces are
// kept, and the samples of one family from two jobs sit under a single HELP/TYPE.
TEST(PublishTest, ScrapeBodyIsPreparedOncePerJobResultsAndGzipMatchesText) {
  auto first = Snapshot();
  auto second = std::make_shared<JobResults>(*first->jobs[0]);
  second->job = "lag2";
  auto snap = std::make_shared<ResultsSnapshot>();
  snap->jobs = {first->jobs[0], second};
  std::shared_ptr<const ResultsSnapshot> current = snap;
  ResultsCollector c([&current] { return current; }, [] { return Status(); }, 1);

  const std::string text = c.Text();
  SharedBody gz = c.Body(true, "tail_metric 1\n");
  ASSERT_EQ(gz.content_encoding, "gzip");
  std::string compressed;
  for (const auto& p : gz.pieces) compressed += *p;
  EXPECT_EQ(Gunzip(compressed), text + "tail_metric 1\n");

  size_t helps = 0;
  for (size_t at = text.find("# HELP streamlens_anomaly_score "); at != std::string::npos;
       at = text.find("# HELP streamlens_anomaly_score ", at + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, 1u);
  const size_t lag =
      text.find("streamlens_anomaly_score{consumergroup=\"pay\",topic=\"orders\",for=\"lag\"");
  const size_t lag2 =
      text.find("streamlens_anomaly_score{consumergroup=\"pay\",topic=\"orders\",for=\"lag2\"");
  const size_t next_family = text.find("# HELP streamlens_y ");
  ASSERT_NE(lag, std::string::npos);
  ASSERT_NE(lag2, std::string::npos);
  EXPECT_LT(lag2, next_family);  // both jobs' samples inside the family's block

  SharedBody p1 = c.Body(false), p2 = c.Body(false);
  ASSERT_EQ(p1.pieces.size(), p2.pieces.size());
  for (size_t i = 0; i + 1 < p1.pieces.size(); ++i) {  // the last piece is the self-metrics
    EXPECT_EQ(p1.pieces[i].get(), p2.pieces[i].get()) << i;
  }

  // "lag2" publishes new results: its pieces are rendered again, "lag"'s are kept.
  auto updated = std::make_shared<JobResults>(*second);
  updated->series[0].anomaly.score = 7.5;
  auto snap2 = std::make_shared<ResultsSnapshot>();
  snap2->jobs = {first->jobs[0], updated};
  current = snap2;
  SharedBody p3 = c.Body(false);
  std::string t3;
  for (const auto& p : p3.pieces) t3 += *p;
  EXPECT_NE(t3.find("for=\"lag2\",model=\"stl\"} 7.5"), std::string::npos);
  EXPECT_NE(t3.find("for=\"lag\",model=\"stl\"} 2.5"), std::string::npos);
  size_t shared = 0;
  for (const auto& a : p3.pieces) {
    for (const auto& b : p1.pieces) shared += a.get() == b.get();
  }
  EXPECT_GT(shared, 0u);                    // lag's pieces and the headers are reused
  EXPECT_LT(shared, p3.pieces.size() - 1);  // lag2's are new

  ResultsCollector plain([&current] { return current; }, [] { return Status(); }, 0);
  EXPECT_TRUE(plain.Body(true).content_encoding.empty());  // level 0: never gzip
}

TEST(PublishTest, AnomaliesJsonSortedByScoreWithEvidence) {
  auto snap = Snapshot();
  HttpRequest req;
  HttpResponse r = HandleAnomalies(*snap, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind(
                "{\"status\":\"success\",\"data\":[{\"for\":\"lag\",\"series\":"
                "\"kafka_consumergroup_lag_sum{consumergroup=\\\"pay\\\",topic=\\\"orders\\\"}\"",
                0),
            0u)
      << r.body;
  EXPECT_NE(r.body.find("\"yhat_lower\":50,\"yhat_upper\":150,\"score\":2.5,\"warming_up\":false,"
                        "\"anomalous\":true,"
                        "\"score_history\":[[1700000540,0.5],[1700000600,2.5]]"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"score\":null"), std::string::npos);
  req.params = {{"min_score", "1"}};
  r = HandleAnomalies(*snap, req);
  EXPECT_EQ(r.body.find("audit"), std::string::npos);
  req.params = {{"min_score", "abc"}};
  r = HandleAnomalies(*snap, req);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("min_score: expected a number"), std::string::npos);
}

// An anomalous series' root-cause ranking is published with its anomaly.
TEST(PublishTest, AnomaliesJsonCarriesTheSeriesRootCauseRanking) {
  auto snap = Snapshot();
  auto job = std::make_shared<JobResults>(*snap->jobs[0]);
  engine::JsonDocument d;
  d.kind = "rootcause";
  d.key = job->series[0].input_series;
  d.json = "{\"causes\":[{\"rank\":1,\"candidate\":\"request_handler_idle{broker=\\\"3\\\"}\"}]}";
  job->documents.push_back(d);
  snap->jobs[0] = job;
  HttpRequest req;
  HttpResponse r = HandleAnomalies(*snap, req);
  EXPECT_NE(r.body.find("\"root_cause\":{\"causes\":[{\"rank\":1"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("\"root_cause\""), r.body.rfind("\"root_cause\""));  // only that series
}

// A series whose detector is still warming up says so in the anomalies JSON.
TEST(PublishTest, AnomaliesJsonSaysWhetherTheDetectorIsWarmingUp) {
  auto snap = Snapshot();
  auto job = std::make_shared<JobResults>(*snap->jobs[0]);
  job->series[0].anomaly.warming_up = true;
  snap->jobs[0] = job;
  HttpRequest req;
  HttpResponse r = HandleAnomalies(*snap, req);
  EXPECT_NE(r.body.find("\"score\":2.5,\"warming_up\":true,\"anomalous\":true"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"warming_up\":false"), std::string::npos) << r.body;
}

TEST(PublishTest, ForecastsJson) {
  auto snap = Snapshot();
  HttpRequest req;
  req.params = {{"for", "lag"}};
  HttpResponse r = HandleForecasts(*snap, req);
  EXPECT_NE(r.body.find("{\"threshold\":\"180\",\"value\":180,\"breached\":false,\"crosses\":true,"
                        "\"time_to_threshold_seconds\":2400,\"breach_probability\":{\"1h\":0.4,"
                        "\"6h\":0.9}}"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"crosses\":false,\"time_to_threshold_seconds\":null"), std::string::npos);
  req.params = {{"for", "other"}};
  EXPECT_EQ(HandleForecasts(*snap, req).body, "{\"status\":\"success\",\"data\":[]}");
}

std::shared_ptr<ResultsSnapshot> ClusterSnapshot() {
  auto job = std::make_shared<JobResults>();
  job->job = "kafka_cluster";
  job->extra = {
      {"streamlens_broker_failure_offline_partitions",
       {{"broker", "3"}, {"for", "kafka_cluster"}},
       1},
      {"streamlens_broker_cpu_model_r2", {{"for", "kafka_cluster"}}, 0.97},
      {"streamlens_broker_cpu_predicted_ratio",
       {{"broker", "3"}, {"for", "kafka_cluster"}},
       std::numeric_limits<double>::infinity()},
  };
  job->documents = {{"broker_failure", "3", "{\"broker\":3,\"reason\":\"r3\"}"},
                    {"broker_failure", "1", "{\"broker\":1,\"reason\":\"r1\"}"},
                    {"rebalance_plan", "", "{\"proposed_moves\":2}"},
                    {"add_broker", "", "{\"new_broker\":4}"},
                    {"recommendation", "g/t", "{\"recommended_partitions\":8}"},
                    {"rootcause", "lag{g=\"a\"}", "{\"target\":\"a\"}"},
                    {"cpu_model", "", "{\"r2\":0.97}"}};
  auto snap = std::make_shared<ResultsSnapshot>();
  snap->jobs.push_back(job);
  return snap;
}

TEST(PublishTest, ClusterFamiliesHaveHelpAndNoNonFinite) {
  auto snap = ClusterSnapshot();
  ResultsCollector c([snap] { return snap; }, [] { return engine::EngineStatus(); });
  std::string text = c.Text();
  EXPECT_NE(text.find("# HELP streamlens_broker_failure_offline_partitions Partitions that would "
                      "have no leader if the broker failed."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("streamlens_broker_failure_offline_partitions{broker=\"3\",for=\"kafka_"
                      "cluster\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("streamlens_broker_cpu_model_r2{for=\"kafka_cluster\"} 0.97"),
            std::string::npos);
  EXPECT_EQ(text.find("streamlens_broker_cpu_predicted_ratio"), std::string::npos);
  EXPECT_EQ(text.find("Inf"), std::string::npos);
}

TEST(PublishTest, AnalysisThreeEndpoints) {
  auto snap = ClusterSnapshot();
  HttpRequest req;
  req.params = {{"broker", "3"}};
  HttpResponse r = HandleBrokerFailure(*snap, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"success\",\"data\":[{\"broker\":3,\"reason\":\"r3\"}]}");
  req.params = {{"broker", "9"}};
  r = HandleBrokerFailure(*snap, req);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"errorType\":\"not_found\""), std::string::npos);
  req.params = {{"broker", "x1"}};
  EXPECT_EQ(HandleBrokerFailure(*snap, req).status, 400);
  req.params = {};
  EXPECT_NE(HandleBrokerFailure(*snap, req).body.find("r1"), std::string::npos);
  r = HandleRecommendations(*snap, req);
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":[{\"recommended_partitions\":8},"
            "{\"proposed_moves\":2},{\"new_broker\":4}]}");
  EXPECT_EQ(HandleDocuments(*snap, req, "rebalance_plan").body,
            "{\"status\":\"success\",\"data\":[{\"proposed_moves\":2}]}");
  req.params = {{"for", "lag"}};
  EXPECT_EQ(HandleRootCause(*snap, req).body, "{\"status\":\"success\",\"data\":[]}");
  req.params = {{"target", "lag{g=\"a\"}"}};
  EXPECT_EQ(HandleRootCause(*snap, req).body,
            "{\"status\":\"success\",\"data\":[{\"target\":\"a\"}]}");
}

TEST(PublishTest, AnalysisUpAndItsReason) {
  auto job = std::make_shared<JobResults>();
  job->job = "kafka_cluster";
  job->analyses = {
      {"placement", "east", true, "", 1'700'000'000'000},
      {"cpu_model", "east", false, "cpu_model: cpu: 0 samples are too few", 1'700'000'060'000},
      {"anomaly", "", true, "", 1'700'000'000'000}};
  ResultsSnapshot snap;
  snap.jobs.push_back(job);
  auto shared = std::make_shared<ResultsSnapshot>(snap);
  ResultsCollector c([shared] { return shared; }, [] { return Status(); }, 0);
  const std::string text = c.Text();
  EXPECT_NE(text.find("# TYPE streamlens_analysis_up gauge"), std::string::npos);
  EXPECT_NE(text.find("streamlens_analysis_up{for=\"kafka_cluster\",analysis=\"placement\",cluster="
                      "\"east\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("streamlens_analysis_up{for=\"kafka_cluster\",analysis=\"cpu_model\",cluster="
                      "\"east\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("streamlens_analysis_up{for=\"kafka_cluster\",analysis=\"anomaly\"} 1\n"),
            std::string::npos);
  HttpRequest req;
  req.params = {{"for", "kafka_cluster"}};
  EXPECT_EQ(HandleAnalyses(snap, req).body,
            "{\"status\":\"success\",\"data\":["
            "{\"for\":\"kafka_cluster\",\"analysis\":\"placement\",\"cluster\":\"east\","
            "\"up\":true,\"reason\":\"\",\"since\":1700000000},"
            "{\"for\":\"kafka_cluster\",\"analysis\":\"cpu_model\",\"cluster\":\"east\","
            "\"up\":false,\"reason\":\"cpu_model: cpu: 0 samples are too few\","
            "\"since\":1700000060},"
            "{\"for\":\"kafka_cluster\",\"analysis\":\"anomaly\",\"up\":true,\"reason\":\"\","
            "\"since\":1700000000}]}");
  req.params = {{"for", "other"}};
  EXPECT_EQ(HandleAnalyses(snap, req).body, "{\"status\":\"success\",\"data\":[]}");
}

}  // namespace
}  // namespace streamlens::publish
