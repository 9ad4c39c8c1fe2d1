// streamlens-sidecar end to end, against Debian's prometheus over a TSDB backfilled with
// `promtool tsdb create-blocks-from openmetrics`:
//   - 8 seasonal series with two injected incidents: scores > 1 on the incidents, < 1 elsewhere;
//   - a growing backlog: forecasts and time-to-threshold published;
//   - the source is down when the sidecar starts (source_up 0, /-/ready 503) and comes back;
//   - promtool check metrics is clean; a second Prometheus scraping the sidecar stores scores;
//   - two shards cover all series exactly once;
//   - reload good (POST /-/reload, SIGHUP) and bad (keeps the running config);
//   - restart with --storage.path resumes from the saved state without refitting.
// and, in a second test, the analysis III results over a backfilled Kafka history (exporter
// metric names) with an injected producer burst on one topic:
//   - the root cause of the consumer group's anomalous lag is that topic's input rate;
//   - the partition/consumer recommendation has the numbers the backlog implies;
//   - what-if broker failure from the replica placement; all through /metrics and the JSON API.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/subprocess.h"

namespace streamlens {
namespace {

using streamlens::testing::BinPath;
using streamlens::testing::CommandResult;
using streamlens::testing::FreePort;
using streamlens::testing::RunCommand;
using streamlens::testing::Subprocess;
using streamlens::testing::TempDir;
using streamlens::testing::WaitForHttp200;
using namespace std::chrono_literals;

constexpr int64_t kMin = 60;  // seconds
constexpr int kSeries = 8;
constexpr int kHistoryMinutes = 49 * 60;  // the detector judges after a day of history

// Incident windows, in minutes before the end of history (inclusive start, exclusive end).
struct Incident {
  int series;
  int from_end_start;  // minutes before end
  int from_end_stop;
  double add;
};
constexpr Incident kIncidents[] = {{0, 22, 12, 600}, {3, 12, 4, -700}};

double Noise(int k, int64_t minute) {
  // Deterministic bounded noise in [-8, 8].
  uint64_t x = static_cast<uint64_t>(minute) * 2654435761u + static_cast<uint64_t>(k) * 40503u;
  x ^= x >> 13;
  x *= 0x5bd1e995;
  x ^= x >> 15;
  return static_cast<double>(x % 1601) / 100.0 - 8.0;
}

double LagValue(int k, int64_t t_end, int64_t t) {
  double v = 1000 + 200 * std::sin(2 * M_PI * static_cast<double>(t % 3600) / 3600.0) + 10 * k +
             Noise(k, t / kMin);
  int64_t before_end = (t_end - t) / kMin;
  for (const auto& inc : kIncidents) {
    if (inc.series == k && before_end <= inc.from_end_start && before_end > inc.from_end_stop) {
      v += inc.add;
    }
  }
  return v;
}
bool InIncident(int k, int64_t t_end, int64_t t) {
  int64_t before_end = (t_end - t) / kMin;
  for (const auto& inc : kIncidents) {
    if (inc.series == k && before_end <= inc.from_end_start && before_end > inc.from_end_stop) {
      return true;
    }
  }
  return false;
}

std::string Http(const std::string& url, const std::string& method = "GET", int* code = nullptr) {
  std::vector<std::string> argv = {"curl", "-s", "-X", method, "-w", "\n%{http_code}", url};
  CommandResult r = RunCommand(argv, "", 20s);
  std::string out = r.output;
  size_t nl = out.rfind('\n');
  if (code) *code = nl == std::string::npos ? 0 : std::atoi(out.c_str() + nl + 1);
  return nl == std::string::npos ? out : out.substr(0, nl);
}

// Lines of `text` that start with `prefix`.
std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}
double ValueOf(const std::string& line) {
  return std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(250ms);
  }
  return pred();
}

class SidecarE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RunCommand({"sh", "-c", "command -v prometheus && command -v promtool"}).exit_code != 0) {
      GTEST_SKIP() << "prometheus/promtool not installed (Debian package prometheus)";
    }
    sidecar_ = BinPath("streamlens-sidecar");
    ASSERT_TRUE(std::filesystem::exists(sidecar_)) << sidecar_;
  }

  // Writes the history as one OpenMetrics file per 2 h block window and backfills it.
  void Backfill(const std::string& data_dir) {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    t_end_ = now / kMin * kMin - kMin;
    int64_t t_start = t_end_ - (kHistoryMinutes - 1) * kMin;
    std::map<int64_t, std::string> blocks;  // 2 h window -> text
    for (int64_t t = t_start; t <= t_end_; t += kMin) {
      std::string& b = blocks[t / 7200];
      char buf[160];
      for (int k = 0; k < kSeries; ++k) {
        std::snprintf(buf, sizeof buf, "sl_lag{group=\"g%d\"} %.3f %lld\n", k,
                      LagValue(k, t_end_, t), static_cast<long long>(t));
        b += buf;
      }
      std::snprintf(buf, sizeof buf, "sl_backlog{queue=\"q\"} %.3f %lld\n",
                    1540 - 2.0 * static_cast<double>(t_end_ - t) / kMin + Noise(99, t / kMin) / 4,
                    static_cast<long long>(t));
      b += buf;
    }
    int i = 0;
    for (auto& [w, text] : blocks) {
      std::string file = tmp_.File("om" + std::to_string(i++) + ".txt");
      std::ofstream(file) << "# TYPE sl_lag gauge\n# TYPE sl_backlog gauge\n" << text << "# EOF\n";
      CommandResult r = RunCommand(
          {"promtool", "tsdb", "create-blocks-from", "openmetrics", file, data_dir}, "", 120s);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }

  std::string Config(const std::string& extra_label) {
    return "jobs:\n"
           "  - name: lag\n"
           "    selector: sl_lag\n"
           "    step: 1m\n"
           "    fit_window: 2d\n"
           "    fit_every: 1h\n"
           "    infer_every: 30m\n" +
           extra_label +
           "    anomaly:\n"
           "      seasonal_periods: [1h]\n"
           "      score_history: 60\n"
           "  - name: backlog\n"
           "    selector: sl_backlog\n"
           "    fit_window: 12h\n"
           "    infer_every: 30m\n"
           "    forecast:\n"
           "      horizons: [1h, 6h, 24h]\n"
           "      thresholds: [2500]\n";
  }

  std::unique_ptr<Subprocess> StartSidecar(int port, const std::string& config,
                                           std::vector<std::string> extra, const std::string& log) {
    std::vector<std::string> argv = {
        sidecar_, "--config.file=" + config,
        "--remote-read.url=http://127.0.0.1:" + std::to_string(prom_port_) + "/api/v1/read",
        "--web.listen-address=127.0.0.1:" + std::to_string(port), "--workers=2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Subprocess>(argv, tmp_.File(log));
    EXPECT_TRUE(WaitForHttp200("http://127.0.0.1:" + std::to_string(port) + "/-/healthy", 20s))
        << p->Log();
    return p;
  }

  std::string Metrics(int port) {
    return Http("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  }

  std::string sidecar_;
  TempDir tmp_;
  int64_t t_end_ = 0;
  int prom_port_ = 0;
};

TEST_F(SidecarE2E, ScoresForecastsShardsReloadRestart) {
  std::string data = tmp_.File("data");
  Backfill(data);
  prom_port_ = FreePort();
  std::string cfg = tmp_.File("sidecar.yaml");
  std::ofstream(cfg) << Config("");
  std::string storage = tmp_.File("state");
  const int port = FreePort();

  // 1. The source is down at start: source_up 0 and not ready; the process keeps running.
  auto sidecar = StartSidecar(port, cfg, {"--storage.path=" + storage, "--web.enable-lifecycle"},
                              "sidecar.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(WaitFor(
      [&] {
        return !Lines(Metrics(port), "streamlens_sidecar_source_up{source=\"default\"} 0").empty();
      },
      30s))
      << sidecar->Log();
  int code = 0;
  Http(base + "/-/ready", "GET", &code);
  EXPECT_EQ(code, 503);

  // 2. The source comes back: the failed cycles are retried and results appear.
  std::string prom_cfg = tmp_.File("prometheus.yml");
  std::ofstream(prom_cfg) << "global:\n  scrape_interval: 1m\n";
  Subprocess prom(
      {"prometheus", "--config.file=" + prom_cfg, "--storage.tsdb.path=" + data,
       "--storage.tsdb.retention.time=100y",
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_), "--log.level=warn"},
      tmp_.File("prometheus.log"));
  ASSERT_TRUE(WaitForHttp200("http://127.0.0.1:" + std::to_string(prom_port_) + "/-/ready", 60s))
      << prom.Log();
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = Metrics(port);
        return Lines(metrics, "streamlens_anomaly_score{").size() == kSeries &&
               !Lines(metrics, "streamlens_forecast{").empty();
      },
      90s))
      << sidecar->Log() << metrics;
  EXPECT_EQ(Lines(metrics, "streamlens_sidecar_source_up{source=\"default\"} 1").size(), 1u);
  Http(base + "/-/ready", "GET", &code);
  EXPECT_EQ(code, 200);

  // 3. Scores: > 1 on the incidents, < 1 everywhere else (JSON evidence, 30 scored points each).
  std::string json = Http(base + "/api/v1/anomalies?for=lag");
  std::regex item(
      R"re("series":"sl_lag\{group=\\"g(\d)\\"\}".*?"score_history":\[((?:\[[^\]]*\],?)*)\])re");
  std::regex point(R"(\[([0-9.e+]+),([-0-9.e+]+)\])");
  int series_seen = 0, incident_points = 0, normal_points = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), item); it != std::sregex_iterator();
       ++it) {
    int k = std::stoi((*it)[1]);
    ++series_seen;
    std::string hist = (*it)[2];
    for (auto p = std::sregex_iterator(hist.begin(), hist.end(), point);
         p != std::sregex_iterator(); ++p) {
      int64_t t = static_cast<int64_t>(std::stod((*p)[1]));
      double score = std::stod((*p)[2]);
      if (t > t_end_) continue;  // grid points after the history are carried values
      if (InIncident(k, t_end_, t)) {
        // An excursion counts once it has lasted min_duration (5 minutes): from its fifth point.
        ++incident_points;
        if (InIncident(k, t_end_, t - 4 * kMin)) {
          EXPECT_GT(score, 1.0) << "g" << k << " t=" << t_end_ - t << "s before end";
        }
      } else if (!InIncident(k, t_end_, t - 4 * kMin)) {
        // Not within min_duration after an incident either (the windows that end there still
        // hold incident points).
        ++normal_points;
        EXPECT_LT(score, 1.0) << "g" << k << " t=" << t_end_ - t << "s before end";
      }
    }
  }
  EXPECT_EQ(series_seen, kSeries) << json.substr(0, 2000);
  EXPECT_EQ(incident_points, 10 + 8);
  EXPECT_GE(normal_points, kSeries * 25);
  EXPECT_EQ(
      Lines(metrics, "streamlens_anomaly_score{group=\"g0\",for=\"lag\",model=\"envelope_1h\"}")
          .size(),
      1u)
      << metrics;

  // 4. Forecasts and time to threshold: backlog grows 2/min from ~1540: 2500 in ~8 h.
  auto ttt = Lines(metrics, "streamlens_time_to_threshold_seconds{queue=\"q\",for=\"backlog\"");
  ASSERT_EQ(ttt.size(), 1u) << metrics;
  EXPECT_NEAR(ValueOf(ttt[0]), 8 * 3600, 0.25 * 8 * 3600) << ttt[0];
  auto f24 = Lines(metrics, "streamlens_forecast{queue=\"q\",for=\"backlog\"");
  ASSERT_EQ(f24.size(), 3u);
  for (const auto& l : f24) {
    if (l.find("horizon=\"24h\"") != std::string::npos)
      EXPECT_NEAR(ValueOf(l), 1540 + 2 * 1440, 300) << l;
  }
  EXPECT_EQ(
      Lines(metrics, "streamlens_threshold_breach_probability{queue=\"q\",for=\"backlog\"").size(),
      3u);

  // 5. promtool is clean on the whole exposition.
  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, Metrics(port), 30s);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");

  // 6. Two shards cover every series exactly once (run alongside); shard 0 fits in batches of
  // two series, each batch read with the selector narrowed to its series (--fit.batch).
  CommandResult bad = RunCommand({sidecar_, "--fit.refit-budget=1.5"}, "", 10s);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--fit.refit-budget: expected 0 to 1"), std::string::npos)
      << bad.output;
  std::string shard_cfg = tmp_.File("shard.yaml");
  std::ofstream(shard_cfg) << "jobs:\n  - name: lag\n    selector: sl_lag\n    fit_window: 12h\n"
                              "    infer_every: 30m\n    anomaly: {seasonal_periods: [1h]}\n";
  int sp0 = FreePort(), sp1 = FreePort();
  auto s0 = StartSidecar(sp0, shard_cfg, {"--shard.count=2", "--shard.index=0", "--fit.batch=2"},
                         "shard0.log");
  auto s1 = StartSidecar(sp1, shard_cfg, {"--shard.count=2", "--shard.index=1"}, "shard1.log");
  std::vector<std::string> l0, l1;
  ASSERT_TRUE(WaitFor(
      [&] {
        l0 = Lines(Metrics(sp0), "streamlens_anomaly_score{");
        l1 = Lines(Metrics(sp1), "streamlens_anomaly_score{");
        return l0.size() + l1.size() >= kSeries;
      },
      60s));
  std::multiset<std::string> groups;
  std::regex grp("group=\"(g\\d)\"");
  for (const auto* ls : {&l0, &l1}) {
    for (const auto& l : *ls) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(l, m, grp));
      groups.insert(m[1]);
    }
  }
  EXPECT_EQ(groups.size(), static_cast<size_t>(kSeries));
  EXPECT_EQ(std::set<std::string>(groups.begin(), groups.end()).size(),
            static_cast<size_t>(kSeries));
  EXPECT_GT(l0.size(), 0u);
  EXPECT_GT(l1.size(), 0u);
  s0.reset();
  s1.reset();

  // 7. A second Prometheus scraping the sidecar stores the scores.
  int p2 = FreePort();
  std::string p2cfg = tmp_.File("prometheus2.yml");
  std::ofstream(p2cfg) << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: sidecar\n"
                          "    static_configs: [{targets: ['127.0.0.1:"
                       << port << "']}]\n";
  Subprocess prom2(
      {"prometheus", "--config.file=" + p2cfg, "--storage.tsdb.path=" + tmp_.File("data2"),
       "--web.listen-address=127.0.0.1:" + std::to_string(p2), "--log.level=warn"},
      tmp_.File("prometheus2.log"));
  std::string q;
  ASSERT_TRUE(WaitFor(
      [&] {
        q = Http("http://127.0.0.1:" + std::to_string(p2) +
                 "/api/v1/query?query=count(streamlens_anomaly_score%7Bfor%3D%22lag%22%7D)");
        return q.find("\"" + std::to_string(kSeries) + "\"]") != std::string::npos;
      },
      60s))
      << "second Prometheus did not store one score per series: " << q << prom2.Log();
  // The stored values are the ones the sidecar serves (not e.g. NaN from a parse problem): every
  // stored score is finite and non-negative.
  q = Http("http://127.0.0.1:" + std::to_string(p2) +
           "/api/v1/query?query=count(streamlens_anomaly_score%7Bfor%3D%22lag%22%7D%20%3E%3D%200)");
  EXPECT_NE(q.find("\"" + std::to_string(kSeries) + "\"]"), std::string::npos) << q;

  // 8. Reload: good (POST), bad (kept running config), good again (SIGHUP).
  std::ofstream(cfg) << Config("    labels: {team: payments}\n");
  Http(base + "/-/reload", "POST", &code);
  EXPECT_EQ(code, 200);
  metrics = Metrics(port);
  EXPECT_EQ(Lines(metrics, "streamlens_sidecar_config_last_reload_successful 1").size(), 1u);
  // Static labels apply from the job's next cycle; the job's state was kept (no refit).
  std::ofstream(cfg) << "jobs: [\n";
  std::string body = Http(base + "/-/reload", "POST", &code);
  EXPECT_EQ(code, 500);
  EXPECT_NE(body.find("sidecar.yaml:2"), std::string::npos) << body;
  metrics = Metrics(port);
  EXPECT_EQ(Lines(metrics, "streamlens_sidecar_config_last_reload_successful 0").size(), 1u);
  EXPECT_EQ(Lines(metrics, "streamlens_anomaly_score{").size(), static_cast<size_t>(kSeries));
  std::ofstream(cfg) << Config("");
  sidecar->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        return !Lines(Metrics(port), "streamlens_sidecar_config_last_reload_successful 1").empty();
      },
      10s));
  auto fits = Lines(Metrics(port), "streamlens_sidecar_series_fits_total{for=\"lag\"}");
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(ValueOf(fits[0]), kSeries);  // reloads kept the fitted state

  // 9. Restart with --storage.path: state restored, results right away, no refit.
  sidecar->Signal(SIGTERM);
  EXPECT_EQ(sidecar->Wait(30s), 0) << sidecar->Log();
  EXPECT_TRUE(std::filesystem::exists(storage + "/lag.state"));
  sidecar = StartSidecar(port, cfg, {"--storage.path=" + storage}, "sidecar2.log");
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = Metrics(port);
        return !Lines(metrics, "streamlens_sidecar_job_runs_total{for=\"lag\"} 1").empty() &&
               Lines(metrics, "streamlens_anomaly_score{").size() == kSeries;
      },
      60s))
      << sidecar->Log() << metrics;
  auto restored = Lines(metrics, "streamlens_sidecar_series_restored_total{for=\"lag\"}");
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(ValueOf(restored[0]), kSeries);
  fits = Lines(metrics, "streamlens_sidecar_series_fits_total{for=\"lag\"}");
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(ValueOf(fits[0]), 0) << "restart refitted instead of resuming";
}

// Group "billing" consumes "orders" at up to 120 msg/s (2 consumers x 60). Input is 60 msg/s,
// with a 20-minute burst of 200 msg/s every 3 hours (backlogs the group drains: its capacity
// shows) and, in the last 25 minutes, a producer burst of 400 msg/s: the injected incident.
struct KafkaHistory {
  static double Input(int64_t before_end) {  // minutes before the end of history
    if (before_end < 25) return 400;
    if (before_end % 180 > 130 && before_end % 180 <= 150) return 200;
    return 60;
  }
};

TEST_F(SidecarE2E, RootCauseRecommendationAndWhatIfOverKafkaHistory) {
  std::string data = tmp_.File("kdata");
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  t_end_ = now / kMin * kMin - kMin;
  const int minutes = 48 * 60;
  const int64_t t_start = t_end_ - (minutes - 1) * kMin;
  std::map<int64_t, std::string> blocks;
  double end_offset = 0, committed = 0, audit = 0;
  double orders_in[3] = {0, 0, 0}, audit_in[3] = {0, 0, 0};
  double lag_at_end = 0;
  for (int64_t t = t_start; t <= t_end_; t += kMin) {
    const int64_t before = (t_end_ - t) / kMin;
    const int64_t m = t / kMin;
    const double input = KafkaHistory::Input(before);
    end_offset += input * 60;
    committed += std::min(120.0 * 60, end_offset - committed);
    audit += 30 * 60;
    std::string& b = blocks[t / 7200];
    char buf[256];
    auto line = [&](const char* series, double v) {
      char out[320];
      std::snprintf(out, sizeof out, "%s %.6f %lld\n", series, v, static_cast<long long>(t));
      b += out;
    };
    line("kafka_consumergroup_lag_sum{consumergroup=\"billing\",topic=\"orders\"}",
         end_offset - committed);
    line("kafka_consumergroup_current_offset_sum{consumergroup=\"billing\",topic=\"orders\"}",
         committed);
    line("kafka_consumergroup_lag_sum{consumergroup=\"search\",topic=\"audit\"}",
         50 + Noise(1, m) * 2);
    line("kafka_consumergroup_current_offset_sum{consumergroup=\"search\",topic=\"audit\"}", audit);
    line("kafka_consumergroup_members{consumergroup=\"billing\"}", 2);
    line("kafka_consumergroup_members{consumergroup=\"search\"}", 1);
    line("kafka_topic_partitions{topic=\"orders\"}", 4);
    line("kafka_topic_partitions{topic=\"audit\"}", 2);
    for (int k = 0; k < 3; ++k) {
      const std::string br = std::to_string(k + 1);
      orders_in[k] += input * 20 + Noise(10 + k, m);
      audit_in[k] += 10 * 60 + Noise(20 + k, m);
      line(("kafka_server_brokertopicmetrics_messagesin_total{broker=\"" + br +
            "\",topic=\"orders\"}")
               .c_str(),
           orders_in[k]);
      line(("kafka_server_brokertopicmetrics_messagesin_total{broker=\"" + br +
            "\",topic=\"audit\"}")
               .c_str(),
           audit_in[k]);
      line(("java_lang_operatingsystem_processcpuload{broker=\"" + br + "\"}").c_str(),
           0.3 + 0.0025 * Noise(30 + k, m));
      line(("kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate{"
            "broker=\"" +
            br + "\"}")
               .c_str(),
           0.8 + 0.0025 * Noise(40 + k, m));
    }
    if (before < 60) {  // placement: current state is enough
      for (int p = 0; p < 4; ++p) {
        int leader = p % 3 + 1, follower = (p + 1) % 3 + 1;
        for (int r = 0; r < 2; ++r) {
          std::snprintf(buf, sizeof buf,
                        "kafka_topic_partition_replica_info{broker=\"%d\",in_sync=\"true\","
                        "partition=\"%d\",role=\"%s\",topic=\"orders\"}",
                        r == 0 ? leader : follower, p, r == 0 ? "leader" : "follower");
          line(buf, 1);
        }
        std::snprintf(buf, sizeof buf,
                      "kafka_topic_partition_current_offset{partition=\"%d\",topic=\"orders\"}", p);
        line(buf, end_offset / 4);
      }
      line(
          "kafka_topic_partition_replica_info{broker=\"3\",in_sync=\"true\",partition=\"0\","
          "role=\"leader\",topic=\"audit\"}",
          1);
      line("kafka_topic_partition_current_offset{partition=\"0\",topic=\"audit\"}", audit);
      // audit-1 on brokers 1 and 2: every partition kafka_topic_partitions counts has a replica
      // placement, so the placement plans have complete data (placement.min_coverage).
      for (int r = 0; r < 2; ++r) {
        std::snprintf(buf, sizeof buf,
                      "kafka_topic_partition_replica_info{broker=\"%d\",in_sync=\"true\","
                      "partition=\"1\",role=\"%s\",topic=\"audit\"}",
                      r + 1, r == 0 ? "leader" : "follower");
        line(buf, 1);
      }
      line("kafka_topic_partition_current_offset{partition=\"1\",topic=\"audit\"}", audit);
      // Topic configurations as streamlens-exporter publishes them (DescribeConfigs).
      line("kafka_topic_config_min_insync_replicas{topic=\"orders\"}", 1);
      line("kafka_topic_config_min_insync_replicas{topic=\"audit\"}", 1);
      for (int k = 1; k <= 3; ++k) {
        std::snprintf(buf, sizeof buf, "kafka_broker_info{address=\"b%d:9092\",id=\"%d\"}", k, k);
        line(buf, 1);
      }
    }
    lag_at_end = end_offset - committed;
  }
  int i = 0;
  for (auto& [w, text] : blocks) {
    std::string file = tmp_.File("k" + std::to_string(i++) + ".txt");
    std::ofstream(file) << text << "# EOF\n";
    CommandResult r =
        RunCommand({"promtool", "tsdb", "create-blocks-from", "openmetrics", file, data}, "", 120s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  prom_port_ = FreePort();
  std::string prom_cfg = tmp_.File("kprometheus.yml");
  std::ofstream(prom_cfg) << "global:\n  scrape_interval: 1m\n";
  Subprocess prom(
      {"prometheus", "--config.file=" + prom_cfg, "--storage.tsdb.path=" + data,
       "--storage.tsdb.retention.time=100y",
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_), "--log.level=warn"},
      tmp_.File("kprometheus.log"));
  ASSERT_TRUE(WaitForHttp200("http://127.0.0.1:" + std::to_string(prom_port_) + "/-/ready", 60s))
      << prom.Log();

  // The built-in jobs' analyses, on a 2 d window (the backfill is shorter than 7 days).
  std::string cfg = tmp_.File("kafka.yaml");
  std::ofstream(cfg)
      << "global: {fit_window: 2d}\n"
         "jobs:\n"
         "  - name: consumer_lag\n"
         "    selector: kafka_consumergroup_lag_sum\n"
         "    anomaly: {direction: above, min_dev_abs: 1000, seasonal_periods: [3h]}\n"
         "    rootcause: {}\n"
         "  - name: consumer_capacity\n"
         "    recommendations: {lag_sla: 5m, forecast: {horizon: 1h}}\n"
         "  - name: kafka_cluster\n"
         "    placement: {min_isr: 2}\n";
  const int port = FreePort();
  auto sidecar = StartSidecar(port, cfg, {}, "ksidecar.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = Metrics(port);
        return !Lines(metrics, "streamlens_rootcause_score{").empty() &&
               !Lines(metrics, "streamlens_recommended_partitions{").empty() &&
               !Lines(metrics, "streamlens_broker_failure_offline_partitions{").empty();
      },
      60s))
      << sidecar->Log() << metrics;

  // Root cause: the best candidate is the orders topic's input rate, layer data.
  std::regex rc(R"re(streamlens_rootcause_score\{(.*)\} ([0-9.e+-]+))re");
  std::string best_labels;
  double best = -1;
  for (const auto& l : Lines(metrics, "streamlens_rootcause_score{")) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, rc)) << l;
    EXPECT_NE(l.find("consumergroup=\"billing\""), std::string::npos) << l;
    if (std::stod(m[2]) > best) {
      best = std::stod(m[2]);
      best_labels = m[1];
    }
  }
  EXPECT_NE(best_labels.find("candidate=\"topic_messages_in{topic=\\\"orders\\\"}\""),
            std::string::npos)
      << metrics;
  EXPECT_NE(best_labels.find("layer=\"data\""), std::string::npos) << best_labels;
  std::string json = Http(base + "/api/v1/rootcause?for=consumer_lag");
  EXPECT_NE(
      json.find(
          "\"causes\":[{\"rank\":1,\"candidate\":\"topic_messages_in{topic=\\\"orders\\\"}\""),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("\"reason\":\"topic_messages_in{topic=\\\"orders\\\"} rose by"),
            std::string::npos)
      << json;

  // Recommendation: one consumer sustains 60 msg/s; draining today's lag within 5 minutes alone
  // needs lag/300/60 consumers, and the forecast peak input of the next hour (the input has just
  // jumped to 400 msg/s and the model may extrapolate that) adds at most 3 x 400 x 1.2 / 60.
  auto parts = Lines(metrics,
                     "streamlens_recommended_partitions{consumergroup=\"billing\",for=\"consumer_"
                     "capacity\",topic=\"orders\"}");
  ASSERT_EQ(parts.size(), 1u) << metrics;
  const double drain = std::ceil(lag_at_end / 300 / 60);
  EXPECT_GE(ValueOf(parts[0]), drain) << parts[0] << " lag " << lag_at_end;
  EXPECT_LE(ValueOf(parts[0]), drain + 24) << parts[0];
  auto cap = Lines(metrics,
                   "streamlens_consumer_capacity_per_consumer_messages_per_second{"
                   "consumergroup=\"billing\"");
  ASSERT_EQ(cap.size(), 1u);
  EXPECT_NEAR(ValueOf(cap[0]), 60, 3);
  EXPECT_TRUE(Lines(metrics, "streamlens_recommended_partitions{consumergroup=\"search\"").empty())
      << "capacity of a group that never lagged cannot be known";
  json = Http(base + "/api/v1/recommendations");
  // The forecast of the next hour, or today's rate when the forecast expects less.
  EXPECT_TRUE(std::regex_search(json, std::regex(R"re("reason":"(forecast|recent) peak input)re")))
      << json;
  // The published number follows from the numbers in the JSON.
  std::smatch pm;
  ASSERT_TRUE(std::regex_search(json, pm, std::regex(R"re("input_rate_peak":([0-9.e+-]+))re")));
  const double peak = std::stod(pm[1]);
  EXPECT_GE(peak, 350) << json;
  ASSERT_TRUE(std::regex_search(json, pm, std::regex(R"re("current_lag":([0-9.e+-]+))re")));
  EXPECT_NEAR(std::stod(pm[1]), lag_at_end, 1);
  EXPECT_EQ(ValueOf(parts[0]),
            std::max(4.0, std::ceil((peak * 1.2 + lag_at_end / 300) / ValueOf(cap[0]) - 1e-9)))
      << json;
  EXPECT_NE(json.find("\"capacity_learned\":false"), std::string::npos) << json;

  // What-if: min.insync.replicas comes from the topic configs (1), not the job's min_isr (2):
  // broker 1 leaves each of its three orders partitions one in-sync replica, which is enough.
  auto under = Lines(metrics, "streamlens_broker_failure_under_min_isr_partitions{broker=\"1\"");
  ASSERT_EQ(under.size(), 1u) << metrics;
  EXPECT_EQ(ValueOf(under[0]), 0) << under[0];
  // What-if: audit-0 lives on broker 3 only.
  auto off = Lines(metrics, "streamlens_broker_failure_offline_partitions{broker=\"3\"");
  ASSERT_EQ(off.size(), 1u) << metrics;
  EXPECT_EQ(ValueOf(off[0]), 1);
  int code = 0;
  json = Http(base + "/api/v1/whatif/broker-failure?broker=3", "GET", &code);
  EXPECT_EQ(code, 200);
  EXPECT_NE(json.find("\"offline\":[{\"topic\":\"audit\",\"partition\":0}]"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"min_isr_from_topic_configs\":2"), std::string::npos) << json;
  Http(base + "/api/v1/whatif/broker-failure?broker=7", "GET", &code);
  EXPECT_EQ(code, 404);
  json = Http(base + "/api/v1/rebalance/plan", "GET", &code);
  EXPECT_EQ(code, 200);
  EXPECT_NE(json.find("\"reassignment\":{\"version\":1"), std::string::npos) << json;

  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, Metrics(port), 30s);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");
}

}  // namespace
}  // namespace streamlens
