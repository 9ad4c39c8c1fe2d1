#include "sidecar/engine/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/source.h"

namespace streamlens::engine {
namespace {

constexpr char kGood[] = R"(
global:
  step: 1m
  fit_window: 3d
  labels: {team: kafka}
sources:
  - name: prom
    url: http://127.0.0.1:9090/api/v1/read
    timeout: 10s
    basic_auth: {username: u, password_file: pw.txt}
  - name: vm
    type: query-range
    url: http://vm:8428
jobs:
  - name: lag
    selector: 'kafka_consumergroup_lag_sum{consumergroup=~"pay.*"}'
    fit_every: 30m
    anomaly:
      seasonal_periods: [1d, 7d]
      direction: above
      min_dev_abs: 10
      sensitivity: 4
      min_duration: 5m
      detector: 'levels=2h,cycles=5'
    forecast:
      horizons: [1h, 6h]
      season: 1d
      thresholds: [{value: 180, label: sla}, 600]
  - name: traffic
    source: vm
    selector: kafka_server_brokertopicmetrics_bytesin_total
    transform: rate
    step: 5m
    outliers: {peer_label: broker}
)";

// What pages is what was measured: an anomaly job without detector keys runs the detector's
// default spec, the one `backtest` scores.
TEST(ConfigTest, AnAnomalyJobWithoutKeysRunsTheDetectorsDefaultSpec) {
  auto spec = DetectorSpecFor(JobConfig{});
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(analysis::FormatDetectorSpec(*spec), analysis::FormatDetectorSpec({}));
}

TEST(ConfigTest, ParsesEveryKnownField) {
  auto c = ParseConfig(kGood, "sidecar.yaml", "/etc/sl");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->sources.size(), 2u);
  EXPECT_EQ(c->sources[0].timeout, std::chrono::seconds(10));
  EXPECT_EQ(c->sources[0].basic_auth_password_file, "/etc/sl/pw.txt");
  EXPECT_EQ(c->sources[1].type, "query-range");
  ASSERT_EQ(c->jobs.size(), 2u);
  const JobConfig& lag = c->jobs[0];
  EXPECT_EQ(lag.fit_window, std::chrono::days(3));
  EXPECT_EQ(lag.fit_every, std::chrono::minutes(30));
  EXPECT_EQ(lag.labels.at("team"), "kafka");
  EXPECT_TRUE(lag.anomaly.enabled);
  ASSERT_EQ(lag.anomaly.seasonal_periods.size(), 2u);
  EXPECT_EQ(lag.anomaly.seasonal_periods[1], std::chrono::days(7));
  EXPECT_EQ(lag.anomaly.direction, Direction::kAbove);
  EXPECT_EQ(lag.anomaly.sensitivity, 4);
  EXPECT_EQ(lag.anomaly.min_duration, std::chrono::minutes(5));
  EXPECT_EQ(lag.anomaly.detector, "levels=2h,cycles=5");
  ASSERT_EQ(lag.forecast.thresholds.size(), 2u);
  EXPECT_EQ(lag.forecast.thresholds[0].label, "sla");
  EXPECT_EQ(lag.forecast.thresholds[1].label, "600");
  EXPECT_EQ(lag.forecast.step, std::chrono::minutes(15));
  const JobConfig& tr = c->jobs[1];
  EXPECT_EQ(tr.transform, Transform::kRate);
  EXPECT_EQ(tr.step, std::chrono::minutes(5));
  EXPECT_TRUE(tr.outliers.enabled);
  EXPECT_EQ(tr.outliers.peer_label, "broker");
  EXPECT_EQ(c->FindSource(tr.source)->name, "vm");
  EXPECT_EQ(c->FindSource("")->name, "prom");
  EXPECT_TRUE(ValidateConfig(*c).ok());
}

struct BadCase {
  const char* yaml;
  const char* expect;  // substring of the error
};

TEST(ConfigTest, SourceFetchLimitsParseWithDefaults) {
  auto c = ParseConfig(
      "sources:\n  - url: http://a/api/v1/read\n  - url: http://b/api/v1/read\n"
      "    max_series: 1000\n    max_samples: 20000\n    max_bytes: 1048576\n"
      "    fetch_timeout: 30s\njobs: [{name: j, selector: m, anomaly: {}}]\n",
      "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sources[0].max_series, 1'000'000);
  EXPECT_EQ(c->sources[0].fetch_timeout, std::chrono::minutes(5));
  EXPECT_EQ(c->sources[1].max_series, 1000);
  EXPECT_EQ(c->sources[1].max_samples, 20000);
  EXPECT_EQ(c->sources[1].max_bytes, 1048576);
  EXPECT_EQ(c->sources[1].fetch_timeout, std::chrono::seconds(30));
  auto bad = ParseConfig("sources: [{url: 'http://a', max_series: 0}]\njobs: []\n", "t.yaml", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("max_series"), std::string::npos);
}

TEST(ConfigTest, SourceTypesIncludeTheVictoriaMetricsExportApi) {
  auto c = ParseConfig(
      "sources:\n  - {name: vm, type: victoriametrics-export, url: 'http://vm:8428'}\n"
      "jobs: [{name: j, selector: m, source: vm, anomaly: {}}]\n",
      "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sources[0].type, "victoriametrics-export");
  auto source = MakeRemoteSource(c->sources[0], nullptr);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->Describe(), "victoriametrics export http://vm:8428");
  auto bad = ParseConfig("sources: [{url: 'http://a', type: vm-export}]\njobs: []\n", "t.yaml", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(
                "expected remote-read, query-range or victoriametrics-export, got \"vm-export\""),
            std::string::npos)
      << bad.status().message();
}

TEST(ConfigTest, ErrorsNameFileLineAndKey) {
  const BadCase cases[] = {
      {"jobs:\n  - name: a\n    selector: up\n    anomaly:\n      direction: up\n",
       "x.yaml:5:18: jobs[0].anomaly.direction: expected above, below or both, got \"up\""},
      {"jobs:\n  - name: a\n    selector: up\n    anomly: {}\n",
       "x.yaml:4:5: jobs[0].anomly: unknown key"},
      {"jobs:\n  - name: a\n    selector: up\n    step: 30\n    anomaly: {}\n",
       "x.yaml:4:11: jobs[0].step:"},
      {"jobs:\n  - name: a\n    selector: 'up{a=}'\n    anomaly: {}\n",
       "x.yaml:3:15: jobs[0].selector:"},
      {"jobs:\n  - name: a\n    selector: up\n", "jobs[0]: no analysis enabled"},
      {"jobs:\n  - selector: up\n    anomaly: {}\n", "jobs[0].name: missing"},
      {"jobs:\n  - {name: a, selector: up, anomaly: {}}\n  - {name: a, selector: up, anomaly: "
       "{}}\n",
       "duplicate job name \"a\""},
      {"sources:\n  - url: ftp://x\n", "sources[0].url: expected an http:// or https:// URL"},
      {"jobs:\n  - {name: a, selector: up, source: nope, anomaly: {}}\n",
       "unknown source \"nope\""},
      {"jobs: [\n", "x.yaml:2:1: invalid YAML"},
      {"jobs:\n  - {name: a, selector: up, labels: {for: x}, anomaly: {}}\n",
       "jobs[0].labels.for: label name is reserved"},
      {"jobs:\n  - {name: a, selector: up, anomaly: {sensitivity: 0}}\n",
       "jobs[0].anomaly.sensitivity: expected a positive number"},
      {"jobs:\n  - {name: a, selector: up, forecast: {threshold_basis: slope}}\n",
       "jobs[0].forecast.threshold_basis: expected forecast or trend, got \"slope\""},
  };
  for (const auto& c : cases) {
    auto r = ParseConfig(c.yaml, "x.yaml", "");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << "got: " << r.status().message() << "\nwant: " << c.expect;
  }
}

TEST(ConfigTest, ValidateRequiresASource) {
  auto c = ParseConfig("jobs:\n  - {name: a, selector: up, anomaly: {}}\n", "x.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  Status s = ValidateConfig(*c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--remote-read.url"), std::string::npos) << s.message();
}

TEST(ConfigTest, DefaultConfigIsValidAndCoversExporterMetrics) {
  EngineConfig c = DefaultConfig("http://127.0.0.1:9090/api/v1/read", "remote-read");
  EXPECT_TRUE(ValidateConfig(c).ok()) << ValidateConfig(c).message();
  std::vector<std::string> selectors;
  for (const auto& j : c.jobs) selectors.push_back(j.selector);
  auto has = [&](const std::string& s) {
    return std::find(selectors.begin(), selectors.end(), s) != selectors.end();
  };
  EXPECT_TRUE(has("kafka_consumergroup_lag_sum"));
  EXPECT_TRUE(has("kafka_server_brokertopicmetrics_bytesin_total"));
  EXPECT_GE(c.jobs.size(), 6u);
  // Disk usage: forecast of the log directories' fill ratio with time to 0.8 and 0.9.
  bool disk = false;
  for (const auto& j : c.jobs) {
    disk |= j.selector == "broker:kafka_log_dir_fill:ratio" && j.forecast.enabled &&
            j.forecast.thresholds.size() == 2 && j.forecast.thresholds[0].value == 0.8 &&
            j.forecast.thresholds[1].value == 0.9;
  }
  EXPECT_TRUE(disk);
  // The issue-7 analyses are part of the built-in set.
  bool rootcause = false, cpu = false, placement = false, recommendations = false;
  for (const auto& j : c.jobs) {
    rootcause |= j.rootcause.enabled && j.selector == "kafka_consumergroup_lag_sum";
    cpu |= j.cpu_model.enabled && j.cpu_model.features.size() == 6;
    placement |= j.placement.broker_failure && j.placement.add_broker && j.placement.rebalance &&
                 j.cpu_model.enabled;
    recommendations |= j.recommendations.enabled && j.recommendations.forecast;
  }
  EXPECT_TRUE(rootcause);
  EXPECT_TRUE(cpu);
  EXPECT_TRUE(placement);
  EXPECT_TRUE(recommendations);
}

TEST(ConfigTest, ClusterAnalysesParseWithDefaultsAndNeedNoSelector) {
  auto c = ParseConfig(R"(
sources: [{url: 'http://p/api/v1/read'}]
jobs:
  - name: cluster
    cpu_model: {features: {produce_requests: ""}}
    placement: {rebalance: false, min_isr: 2, topic_min_isr: {orders: 3}}
    recommendations: {lag_sla: 2m, forecast: {model: ets, horizon: 6h}}
  - name: lag
    selector: kafka_consumergroup_lag_sum
    anomaly: {}
    rootcause:
      window: 20m
      extra_candidates:
        - 'my_app_errors_total'
        - {name: gc, selector: 'jvm_gc_seconds{gc="G1"}', transform: rate, sum_by: [broker], layer: resources, bad_direction: up}
)",
                       "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const JobConfig& j = c->jobs[0];
  EXPECT_TRUE(j.selector.empty());
  ASSERT_EQ(j.cpu_model.features.size(), 6u);
  EXPECT_EQ(j.cpu_model.features[3], "");
  EXPECT_EQ(j.cpu_model.features[0], DefaultCpuFeatures()[0]);
  EXPECT_TRUE(j.placement.broker_failure);
  EXPECT_FALSE(j.placement.rebalance);
  EXPECT_EQ(j.placement.default_min_isr, 2);
  EXPECT_EQ(j.placement.topic_min_isr.at("orders"), 3);
  EXPECT_EQ(j.recommendations.lag_sla, std::chrono::minutes(2));
  EXPECT_EQ(j.recommendations.forecast_model, "ets");
  const RootCauseConfig& r = c->jobs[1].rootcause;
  EXPECT_TRUE(r.candidates.empty());  // the Kafka default set, plus:
  ASSERT_EQ(r.extra_candidates.size(), 2u);
  EXPECT_EQ(r.extra_candidates[0].name, "my_app_errors_total");
  EXPECT_EQ(r.extra_candidates[1].aggregation, Aggregation::kSum);
  EXPECT_EQ(r.extra_candidates[1].by, std::vector<std::string>{"broker"});
  EXPECT_EQ(r.extra_candidates[1].bad_direction, 1);
  EXPECT_EQ(r.window, std::chrono::minutes(20));
}

TEST(ConfigTest, AnomalyKeysThatWereRemovedOrMalformedAreNamed) {
  auto parse = [](const std::string& anomaly) {
    return ParseConfig(
        "sources: [{url: 'http://p/api/v1/read'}]\njobs:\n  - name: a\n"
        "    selector: x\n    anomaly: " +
            anomaly + "\n",
        "s.yaml", "");
  };
  auto ok = parse("{seasonal_periods: [1d, 7d], detector: 'usual=12h'}");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->jobs[0].anomaly.seasonal_periods.size(), 2u);
  for (const char* gone :
       {"likelihood: true", "lag_like: true", "persistence: {k: 3, n: 5}", "band_sigmas: 3"}) {
    auto bad = parse(std::string("{") + gone + "}");
    ASSERT_FALSE(bad.ok()) << gone;
    EXPECT_NE(bad.status().message().find("was removed"), std::string::npos)
        << bad.status().message();
  }
  auto spec = parse("{detector: 'level=3'}");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("jobs[0].anomaly.detector: detector spec: unknown key"),
            std::string::npos)
      << spec.status().message();
}

TEST(ConfigTest, ClusterAnalysisErrorsNameLineAndKey) {
  auto err = [](const std::string& jobs) {
    auto c = ParseConfig("sources: [{url: 'http://p/api/v1/read'}]\njobs:\n" + jobs, "s.yaml", "");
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_NE(err("  - name: a\n    placement: {min_isr: 0}\n")
                .find("s.yaml:4:26: jobs[0].placement.min_isr: expected an integer in [1, 100]"),
            std::string::npos)
      << err("  - name: a\n    placement: {min_isr: 0}\n");
  EXPECT_NE(err("  - name: a\n    selector: x\n    rootcause: {}\n")
                .find("jobs[0].rootcause: needs the job's anomaly analysis"),
            std::string::npos);
  EXPECT_NE(err("  - name: a\n    anomaly: {}\n").find("jobs[0].selector: missing"),
            std::string::npos);
  EXPECT_NE(err("  - name: a\n    selector: x\n    anomaly: {}\n    rootcause:\n      "
                "candidates: [{selector: y, layer: network}]\n")
                .find("jobs[0].rootcause.candidates[0].layer: expected application, platform"),
            std::string::npos);
  EXPECT_NE(err("  - name: a\n    cpu_model: {features: {disk: x}}\n")
                .find("jobs[0].cpu_model.features.disk: unknown key"),
            std::string::npos);
}

TEST(ConfigTest, ExampleFileInTheRepoIsValid) {
  const char* src = std::getenv("STREAMLENS_SOURCE_DIR");
  std::string path =
      std::string(src ? src : STREAMLENS_SOURCE_DIR_DEFAULT) + "/sidecar/sidecar.example.yaml";
  auto c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(ValidateConfig(*c).ok());
  ASSERT_EQ(c->jobs.size(), 6u);
  EXPECT_EQ(c->jobs[1].forecast.thresholds.at(0).label, "sla");
  EXPECT_EQ(c->jobs[0].anomaly.direction, Direction::kAbove);
  EXPECT_TRUE(c->jobs[0].rootcause.enabled);
  EXPECT_EQ(c->jobs[4].name, "kafka_cluster");
  EXPECT_TRUE(c->jobs[4].cpu_model.enabled);
  EXPECT_TRUE(c->jobs[4].placement.enabled());
  EXPECT_EQ(c->jobs[5].name, "consumer_capacity");
  EXPECT_TRUE(c->jobs[5].recommendations.enabled);
}

TEST(ConfigTest, LoadConfigNamesMissingFile) {
  auto r = LoadConfig("/nonexistent/sidecar.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/sidecar.yaml"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::engine
