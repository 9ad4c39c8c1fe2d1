// streamlens-exporter against streamlens-loadgen's embedded mock cluster, as separate processes:
// lag, lag seconds, every lag-health rule the workload can drive, a broker going down, an
// unreachable cluster, and promtool's lint of a full scrape.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/exporter/scrape.h"
#include "tests/support/subprocess.h"

namespace streamlens::testing {
namespace {

using namespace std::chrono_literals;

struct Cluster {
  std::unique_ptr<Subprocess> loadgen;
  std::string bootstrap;
  std::string groups;
  std::string jolokia;  // with --jolokia.listen-address: "1=url,2=url,..."
};

Cluster StartLoadgen(const std::vector<std::string>& args, const std::string& name) {
  std::vector<std::string> argv = {BinPath("streamlens-loadgen")};
  argv.insert(argv.end(), args.begin(), args.end());
  Cluster c;
  const std::string log = ::testing::TempDir() + "/" + name + ".log";
  std::remove(log.c_str());  // the log is appended to
  c.loadgen = std::make_unique<Subprocess>(argv, log, Subprocess::kPipeStdout);
  auto l1 = c.loadgen->ReadStdoutLine(20s);
  auto l2 = c.loadgen->ReadStdoutLine(5s);
  EXPECT_TRUE(l1 && l1->rfind("bootstrap=", 0) == 0) << l1.value_or("<none>");
  EXPECT_TRUE(l2 && l2->rfind("groups=", 0) == 0) << l2.value_or("<none>");
  if (l1) c.bootstrap = l1->substr(10);
  if (l2) c.groups = l2->substr(7);
  if (std::any_of(args.begin(), args.end(), [](const std::string& a) {
        return a.rfind("--jolokia.listen-address", 0) == 0;
      })) {
    auto l3 = c.loadgen->ReadStdoutLine(5s);
    EXPECT_TRUE(l3 && l3->rfind("jolokia=", 0) == 0) << l3.value_or("<none>");
    if (l3) c.jolokia = l3->substr(8);
  }
  return c;
}

std::unique_ptr<Subprocess> StartExporter(int port, const std::vector<std::string>& args,
                                          const std::string& name) {
  std::vector<std::string> argv = {BinPath("streamlens-exporter"),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = ::testing::TempDir() + "/" + name + ".log";
  std::remove(log.c_str());  // the log is appended to
  auto p = std::make_unique<Subprocess>(argv, log);
  for (int i = 0; i < 100 && HttpGet(port, "/-/healthy").first != 200; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  return p;
}

std::string Scrape(int port) {
  auto [status, body] = HttpGet(port, "/metrics");
  EXPECT_EQ(status, 200);
  return body;
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

double ReadStart(const std::string& ground_truth_path) {
  std::ifstream in(ground_truth_path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  const auto p = s.find("\"start\": ");
  return p == std::string::npos ? 0 : std::strtod(s.c_str() + p + 9, nullptr);
}

TEST(ExporterLoadgenTest, LagLagSecondsAndEveryHealthRuleFromAFaultScenario) {
  const std::string scenario = WriteFile("scenario.yml", R"(
faults:
  - {kind: consumer_stop, group: lg-1, start: 0s, duration: 1h}
  - {kind: consumer_rewind, group: lg-2, offsets: 100000000, start: 8s}
  - {kind: consumer_slowdown, group: lg-3, factor: 0.3, start: 0s, duration: 1h}
)");
  const std::string truth = ::testing::TempDir() + "/truth.json";
  Cluster c = StartLoadgen({"--brokers=3", "--topics=2", "--partitions-per-topic=3", "--groups=4",
                            "--rate=300", "--tick=200ms", "--group-prefix=lg-", "--topic-prefix=t",
                            "--scenario=" + scenario, "--ground-truth=" + truth},
                           "loadgen-faults");
  ASSERT_EQ(c.groups, "lg-0,lg-1,lg-2,lg-3");
  const double start = ReadStart(truth);
  ASSERT_GT(start, 0);
  {
    std::ifstream in(truth);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find("{\"kind\": \"consumer_stop\", \"benign\": false, \"labels\": "
                            "{\"consumergroup\": \"lg-1\", \"topic\": \"t1\"}"),
              std::string::npos)
        << ss.str();
  }
  const int port = FreePort();
  auto exporter = StartExporter(port,
                                {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups,
                                 "--collect.interval=1s", "--kafka.timeout=3s"},
                                "exporter-faults");

  bool ready = false, stop = false, warn = false, rewind = false, ok_after_rewind = false;
  // The healthy group must be seen OK and never worse than WARN. A single WARN is allowed: on a
  // loaded machine the loadgen's consumer can fall behind its producer for a window, which is
  // exactly what WARN (lag growing while the group commits) means.
  bool healthy_ok = false;
  double healthy_worst = 0;
  std::string text;
  for (int i = 0; i < 60 && !(stop && warn && rewind && ok_after_rewind && healthy_ok); ++i) {
    std::this_thread::sleep_for(1s);
    ready |= HttpGet(port, "/-/ready").first == 200;
    text = Scrape(port);
    // Worst partition status of group lg-i (topic t(i % 2), 3 partitions).
    auto g = [&](const std::string& group) {
      const std::string topic = "t" + std::to_string((group.back() - '0') % 2);
      double worst = -1;
      for (int p = 0; p < 3; ++p) {
        worst = std::max(
            worst,
            Sample(text, "streamlens_consumergroup_status",
                   {{"consumergroup", group}, {"topic", topic}, {"partition", std::to_string(p)}})
                .value_or(-1));
      }
      return worst;
    };
    stop |= g("lg-1") == 4;
    warn |= g("lg-3") == 2;
    if (g("lg-2") == 6) rewind = true;
    if (rewind && g("lg-2") == 1) ok_after_rewind = true;
    healthy_ok |= g("lg-0") == 1;
    healthy_worst = std::max(healthy_worst, g("lg-0"));
  }
  EXPECT_TRUE(ready);
  EXPECT_TRUE(stop) << "stopped consumer never reached STOP\n" << text;
  EXPECT_TRUE(warn) << "slowed consumer never reached WARN\n" << text;
  EXPECT_TRUE(rewind) << "rewound consumer never reached REWIND\n" << text;
  EXPECT_TRUE(ok_after_rewind) << "rewound consumer never recovered to OK\n" << text;
  EXPECT_TRUE(healthy_ok) << "healthy consumer never reported OK\n" << text;
  EXPECT_LE(healthy_worst, 2) << "healthy consumer reported ERR/STOP/STALL/REWIND\n" << text;
  // Burrow's group status: the stopped group is ERR, the healthy one is not.
  EXPECT_EQ(Sample(text, "streamlens_consumergroup_status_info",
                   {{"consumergroup", "lg-1"}, {"status", "ERR"}}),
            1);
  EXPECT_EQ(Sample(text, "streamlens_consumergroup_group_status", {{"consumergroup", "lg-1"}}), 3);
  EXPECT_LE(Sample(text, "streamlens_consumergroup_group_status", {{"consumergroup", "lg-0"}}), 2);

  // Exact lag within one snapshot: the stopped group is at 0, so its lag is the head offset.
  for (int p = 0; p < 3; ++p) {
    const Labels tp = {{"topic", "t1"}, {"partition", std::to_string(p)}};
    Labels gtp = tp;
    gtp["consumergroup"] = "lg-1";
    const auto head = Sample(text, "kafka_topic_partition_current_offset", tp);
    ASSERT_TRUE(head);
    EXPECT_GT(*head, 100);
    EXPECT_EQ(Sample(text, "kafka_consumergroup_current_offset", gtp), 0);
    EXPECT_EQ(Sample(text, "kafka_consumergroup_lag", gtp), *head);
    // Healthy group: lag = head - committed, never negative.
    Labels h = tp;
    h["topic"] = "t0";
    Labels gh = h;
    gh["consumergroup"] = "lg-0";
    const auto head0 = Sample(text, "kafka_topic_partition_current_offset", h);
    const auto committed0 = Sample(text, "kafka_consumergroup_current_offset", gh);
    ASSERT_TRUE(head0 && committed0);
    EXPECT_EQ(Sample(text, "kafka_consumergroup_lag", gh), std::max(0.0, *head0 - *committed0));
  }
  // Lag seconds of the stopped group: its oldest unconsumed message (offset 0) was produced at
  // the loadgen's start, so the estimate is the time since then (at the collection).
  const double collected =
      *Sample(text, "streamlens_exporter_last_collect_timestamp_seconds", {{"collector", "kafka"}});
  const auto lag_seconds = Sample(text, "streamlens_consumergroup_lag_seconds",
                                  {{"consumergroup", "lg-1"}, {"topic", "t1"}, {"partition", "0"}});
  ASSERT_TRUE(lag_seconds);
  EXPECT_NEAR(*lag_seconds, collected - start, 3.0);
  EXPECT_EQ(Sample(text, "kafka_consumergroup_uncommitted_partitions",
                   {{"consumergroup", "lg-1"}, {"topic", "t1"}}),
            0);
  EXPECT_EQ(Sample(text, "kafka_up", {}), 1);
  EXPECT_EQ(CountSamples(text, "kafka_topic_partition_replica_info"), 18u);
  EXPECT_EQ(CountSamples(text, "process_resident_memory_bytes"), 1u);
  // No -1 lag anywhere.
  EXPECT_EQ(text.find("} -1\n"), std::string::npos);

  const std::string scrape = WriteFile("scrape.txt", text);
  auto [rc, out] = RunShell("promtool check metrics < " + scrape);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << "promtool check metrics printed:\n" << out;
}

TEST(ExporterLoadgenTest, BrokerDownCostsOnlyItsPartitionsAndRecovers) {
  const std::string scenario = WriteFile("broker.yml", R"(
faults:
  - {kind: broker_down, broker: 2, start: 4s, duration: 8s}
)");
  // 30 single-replica partitions: the mock places leaders at random, so broker 2 surely leads
  // some and not all of them.
  Cluster c = StartLoadgen(
      {"--brokers=3", "--topics=1", "--partitions-per-topic=30", "--groups=1",
       "--replication-factor=1", "--rate=60", "--tick=200ms", "--scenario=" + scenario},
      "loadgen-broker");
  const int port = FreePort();
  auto exporter = StartExporter(port,
                                {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups,
                                 "--collect.interval=1s", "--kafka.timeout=1s"},
                                "exporter-broker");
  bool saw_unreadable = false, recovered = false, always_served = true;
  for (int i = 0; i < 40 && !recovered; ++i) {
    std::this_thread::sleep_for(1s);
    auto [status, text] = HttpGet(port, "/metrics");
    always_served &= status == 200;
    const double unreadable =
        Sample(text, "streamlens_exporter_kafka_unreadable_partitions", {}).value_or(-1);
    if (unreadable >= 1) saw_unreadable = true;
    // Partitions of the live brokers keep their offsets while broker 2 is down: every partition
    // is either exported or counted as unreadable.
    if (unreadable >= 1) {
      EXPECT_EQ(CountSamples(text, "kafka_topic_partition_current_offset") + unreadable, 30u)
          << text;
      EXPECT_LT(unreadable, 30);
    }
    if (saw_unreadable && unreadable == 0) recovered = true;
  }
  EXPECT_TRUE(always_served);
  EXPECT_TRUE(saw_unreadable) << "broker 2 going down was never visible";
  EXPECT_TRUE(recovered) << "partitions of broker 2 never came back";
  EXPECT_TRUE(exporter->Running());
  EXPECT_EQ(Sample(Scrape(port), "kafka_up", {}), 1);
}

TEST(ExporterLoadgenTest, ProbeShowsTheSlowedBrokersPartitionsRoundtripRising) {
  // broker_slow delays every response of broker 2 from 10 s on; the probe topic has partition
  // p led by broker p + 1.
  const std::string scenario = WriteFile("slow.yml", R"(
faults:
  - {kind: broker_slow, broker: 2, rtt: 300ms, start: 10s, duration: 1h}
)");
  Cluster c = StartLoadgen(
      {"--brokers=3", "--topics=1", "--partitions-per-topic=3", "--groups=1", "--rate=30",
       "--tick=200ms", "--probe-topic=e2e-probe", "--scenario=" + scenario},
      "loadgen-probe");
  const int port = FreePort();
  auto exporter =
      StartExporter(port,
                    {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups,
                     "--collect.interval=1s", "--kafka.timeout=3s", "--probe.enabled",
                     "--probe.topic=e2e-probe", "--probe.interval=200ms", "--probe.timeout=5s"},
                    "exporter-probe");
  const auto started = std::chrono::steady_clock::now();
  auto at = [&](std::chrono::seconds t) { std::this_thread::sleep_until(started + t); };
  // (sum, count) of each partition's roundtrip histogram in a scrape.
  auto read = [&](const std::string& text, int partition) {
    const Labels l = {{"leader", std::to_string(partition + 1)},
                      {"partition", std::to_string(partition)}};
    return std::pair<double, double>(
        Sample(text, "streamlens_end_to_end_roundtrip_latency_seconds_sum", l).value_or(0),
        Sample(text, "streamlens_end_to_end_roundtrip_latency_seconds_count", l).value_or(0));
  };
  auto mean = [&](const std::string& a, const std::string& b, int partition) {
    auto [s0, n0] = read(a, partition);
    auto [s1, n1] = read(b, partition);
    return n1 > n0 ? (s1 - s0) / (n1 - n0) : -1.0;
  };
  at(std::chrono::seconds(4));
  const std::string t4 = Scrape(port);
  at(std::chrono::seconds(9));
  const std::string t9 = Scrape(port);
  at(std::chrono::seconds(13));
  const std::string t13 = Scrape(port);
  at(std::chrono::seconds(19));
  const std::string t19 = Scrape(port);
  for (int p = 0; p < 3; ++p) {
    EXPECT_GE(mean(t4, t9, p), 0) << "no roundtrips on partition " << p << "\n" << t9;
    EXPECT_LT(mean(t4, t9, p), 0.2) << "partition " << p << " before the slowdown";
  }
  std::printf(
      "probe mean roundtrip before/after broker 2 slowed: p0 %.4f/%.4f p1 %.4f/%.4f "
      "p2 %.4f/%.4f s\n",
      mean(t4, t9, 0), mean(t13, t19, 0), mean(t4, t9, 1), mean(t13, t19, 1), mean(t4, t9, 2),
      mean(t13, t19, 2));
  // Broker 2 (partition 1): produce and fetch answers each wait 300 ms.
  EXPECT_GT(mean(t13, t19, 1), 0.3) << t19;
  EXPECT_LT(mean(t13, t19, 0), 0.2) << t19;
  EXPECT_LT(mean(t13, t19, 2), 0.2) << t19;
  EXPECT_EQ(Sample(t19, "streamlens_end_to_end_messages_lost_total",
                   {{"leader", "1"}, {"partition", "0"}}),
            0);
  EXPECT_GT(Sample(t19, "streamlens_end_to_end_commit_latency_seconds_count", {}).value_or(0), 0);
  EXPECT_EQ(Sample(t19, "streamlens_exporter_collect_success", {{"collector", "probe"}}), 1);
  auto [rc, out] = RunShell("promtool check metrics < " + WriteFile("probe.txt", t19));
  EXPECT_EQ(out, "") << out;
}

TEST(ExporterLoadgenTest, ClusterNameLabelsEveryKafkaFamily) {
  Cluster c = StartLoadgen({"--brokers=2", "--topics=1", "--partitions-per-topic=2", "--groups=1",
                            "--rate=20", "--tick=200ms"},
                           "loadgen-cluster");
  const int port = FreePort();
  auto exporter =
      StartExporter(port,
                    {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups,
                     "--collect.interval=1s", "--kafka.timeout=2s", "--kafka.cluster-name=eu-1"},
                    "exporter-cluster");
  std::string text;
  for (int i = 0; i < 20 && !Sample(text, "kafka_brokers", {{"cluster", "eu-1"}}); ++i) {
    std::this_thread::sleep_for(500ms);
    text = Scrape(port);
  }
  EXPECT_EQ(Sample(text, "kafka_brokers", {{"cluster", "eu-1"}}), 2);
  EXPECT_EQ(Sample(text, "kafka_up", {{"cluster", "eu-1"}}), 1);
  // Every sample except the exporter's own and the process metrics carries the label.
  std::istringstream lines(text);
  size_t labelled = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("streamlens_exporter_collect", 0) == 0 ||
        line.rfind("streamlens_exporter_last_collect", 0) == 0 || line.rfind("process_", 0) == 0 ||
        line.rfind("streamlens_build_info", 0) == 0) {
      continue;
    }
    EXPECT_NE(line.find("cluster=\"eu-1\""), std::string::npos) << line;
    ++labelled;
  }
  EXPECT_GT(labelled, 20u);
  auto [rc, out] = RunShell("promtool check metrics < " + WriteFile("cluster.txt", text));
  EXPECT_EQ(out, "") << out;
}

TEST(ExporterLoadgenTest, JolokiaReplyOfTwoMegabytesOfOpenBracketsIsUpZeroAndKafkaStillServed) {
  // This reply killed the exporter with SIGSEGV (rapidjson's recursive parse).
  httplib::Server agent;
  agent.Post("/jolokia", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(2 << 20, '['), "application/json");
  });
  const int agent_port = agent.bind_to_any_port("127.0.0.1");
  std::thread agent_thread([&] { agent.listen_after_bind(); });
  Cluster c = StartLoadgen({"--brokers=1", "--topics=1", "--partitions-per-topic=2", "--groups=1",
                            "--rate=10", "--tick=200ms"},
                           "loadgen-jolokia-brackets");
  const int port = FreePort();
  auto exporter = StartExporter(
      port,
      {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups, "--collect.interval=1s",
       "--jolokia.url=b1=http://127.0.0.1:" + std::to_string(agent_port) + "/jolokia"},
      "exporter-jolokia-brackets");
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = Scrape(port);
    if (Sample(text, "jolokia_up", {{"broker", "b1"}}).has_value() &&
        Sample(text, "kafka_brokers", {}).has_value()) {
      break;
    }
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(Sample(text, "jolokia_up", {{"broker", "b1"}}), 0) << text;
  EXPECT_EQ(Sample(text, "kafka_brokers", {}), 1) << text;
  EXPECT_GT(CountSamples(text, "kafka_topic_partition_current_offset"), 0u) << text;
  std::this_thread::sleep_for(2s);  // more collections of the same reply
  EXPECT_TRUE(exporter->Running());
  EXPECT_EQ(Sample(Scrape(port), "kafka_up", {}), 1);
  agent.stop();
  agent_thread.join();
}

TEST(ExporterLoadgenTest, SimulatedBrokerJmxThroughTheJolokiaCollectorShowsASaturatedBroker) {
  // Three brokers, each leading a third of every topic's partitions; broker 2's request handlers
  // saturate from 6 s on (it lets a tenth of its traffic through).
  const std::string scenario = WriteFile("saturation.yml", R"(
faults:
  - {kind: broker_saturation, broker: 2, start: 6s, duration: 1h}
)");
  Cluster c =
      StartLoadgen({"--brokers=3", "--replication-factor=3", "--leaders=spread", "--topics=3",
                    "--partitions-per-topic=3", "--groups=3", "--rate=90", "--tick=200ms",
                    "--jolokia.listen-address=127.0.0.1:0", "--scenario=" + scenario},
                   "loadgen-jmx");
  ASSERT_FALSE(c.jolokia.empty());
  std::vector<std::string> args = {"--kafka.server=" + c.bootstrap, "--group.list=" + c.groups,
                                   "--collect.interval=1s"};
  std::istringstream urls(c.jolokia);
  for (std::string u; std::getline(urls, u, ',');) args.push_back("--jolokia.url=" + u);
  const int port = FreePort();
  auto exporter = StartExporter(port, args, "exporter-jmx");
  const std::string idle =
      "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate";
  std::this_thread::sleep_for(5s);
  const std::string before = Scrape(port);
  std::this_thread::sleep_for(25s);
  const std::string after = Scrape(port);
  for (const std::string b : {"1", "2", "3"}) {
    EXPECT_EQ(Sample(after, "jolokia_up", {{"broker", b}}), 1) << after;
    EXPECT_EQ(Sample(after, "kafka_server_replicamanager_leadercount", {{"broker", b}}), 3);
    EXPECT_EQ(Sample(after, "kafka_server_replicamanager_partitioncount", {{"broker", b}}), 9);
    EXPECT_GT(Sample(before, idle, {{"broker", b}}).value_or(0), 0.6) << before;
  }
  // Broker 2's handlers are busy and its traffic fell; its peers are as before.
  EXPECT_LT(Sample(after, idle, {{"broker", "2"}}).value_or(1),
            Sample(after, idle, {{"broker", "1"}}).value_or(0) - 0.2)
      << after;
  auto bytes_in = [](const std::string& text, const std::string& b) {
    return Sample(text, "kafka_server_brokertopicmetrics_bytesin_total", {{"broker", b}})
        .value_or(0);
  };
  const double grew1 = bytes_in(after, "1") - bytes_in(before, "1");
  const double grew2 = bytes_in(after, "2") - bytes_in(before, "2");
  EXPECT_GT(grew1, 0);
  EXPECT_LT(grew2, 0.3 * grew1) << "broker 2 " << grew2 << " vs broker 1 " << grew1;
  // The group coordinated by broker 2 (group 1) commits nothing while it is saturated: its lag
  // grows with the whole topic's production.
  const double lag_before =
      Sample(before, "kafka_consumergroup_lag_sum",
             {{"consumergroup", "loadgen-group-1"}, {"topic", "loadgen-topic-1"}})
          .value_or(-1);
  const double lag_after =
      Sample(after, "kafka_consumergroup_lag_sum",
             {{"consumergroup", "loadgen-group-1"}, {"topic", "loadgen-topic-1"}})
          .value_or(-1);
  EXPECT_GT(lag_after, lag_before + 300) << after;
  EXPECT_LT(Sample(after, "kafka_consumergroup_lag_sum",
                   {{"consumergroup", "loadgen-group-0"}, {"topic", "loadgen-topic-0"}})
                .value_or(1e9),
            100);
  auto [rc, out] = RunShell("promtool check metrics < " + WriteFile("jmx.txt", after));
  EXPECT_EQ(out, "") << out;
}

TEST(ExporterLoadgenTest, UnreachableClusterIsNotReadyAndReportsKafkaUpZero) {
  const int port = FreePort();
  auto exporter = StartExporter(
      port, {"--kafka.server=127.0.0.1:1", "--collect.interval=1s", "--kafka.timeout=500ms"},
      "exporter-unreachable");
  // Two failed collections (a second after the first): enough for the assertions below.
  std::string text;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       std::chrono::steady_clock::now() < deadline;) {
    text = Scrape(port);
    if (Sample(text, "streamlens_exporter_collect_failures_total", {{"collector", "kafka"}})
            .value_or(0) >= 2) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(HttpGet(port, "/-/ready").first, 503);
  EXPECT_EQ(HttpGet(port, "/-/healthy").first, 200);
  EXPECT_EQ(Sample(text, "kafka_up", {}), 0);
  EXPECT_EQ(Sample(text, "streamlens_exporter_collect_success", {{"collector", "kafka"}}), 0);
  EXPECT_GE(Sample(text, "streamlens_exporter_collect_failures_total", {{"collector", "kafka"}})
                .value_or(0),
            2);
  EXPECT_TRUE(exporter->Running());
  // One error line per state change, not per retry.
  exporter->Stop();
  const std::string log = exporter->Log();
  size_t n = 0;
  for (size_t p = log.find("collection failed"); p != std::string::npos;
       p = log.find("collection failed", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << log;
}

TEST(ExporterLoadgenTest, BadFlagsExitWithAnErrorNamingTheFlag) {
  auto [rc, out] = RunShell(BinPath("streamlens-exporter") + " --topic.filter='(['");
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("--topic.filter"), std::string::npos) << out;
  auto [rc2, out2] = RunShell(BinPath("streamlens-loadgen") + " --scenario=/nonexistent.yml");
  EXPECT_EQ(rc2, 2);
  EXPECT_NE(out2.find("--scenario"), std::string::npos) << out2;
}

}  // namespace
}  // namespace streamlens::testing
