// JolokiaCollector against a real JVM running Debian's jolokia-core (see JolokiaTestServer.java):
// every default rule yields the expected series and values, promtool accepts the output, and
// slow, garbage, HTTP 500 and truncated agents cost only their own broker (jolokia_up 0).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <thread>

#include "exporter/jolokia/config.h"
#include "exporter/jolokia/jolokia_flags.h"
#include "tests/support/subprocess.h"

namespace streamlens::exporter::jolokia {
namespace {

namespace fs = std::filesystem;
using ::streamlens::testing::RunShell;
using ::streamlens::testing::Subprocess;
using ::testing::HasSubstr;

constexpr const char* kJolokiaJar = "/usr/share/java/jolokia-core.jar";
constexpr int kSlowDelayMs = 2500;

std::string SourceDir() {
  const char* env = std::getenv("STREAMLENS_SOURCE_DIR");
  if (env && fs::exists(fs::path(env) / "tests/jolokia/JolokiaTestServer.java")) return env;
  return STREAMLENS_SOURCE_DIR_DEFAULT;
}

// One Kafka-like MBean in the JVM and the series the default rules must make of it.
struct Bean {
  const char* kind;    // meter | histogram | timer | gauge | longgauge | failing
  const char* name;    // object name
  double base;         // see JolokiaTestServer.java for the attribute values derived from it
  const char* family;  // expected metric name (base name for summaries and rates)
  const char* labels;  // expected labels after broker, e.g. ",topic=\"orders\""
};

// Every MBean of REFERENCE.md section 2 (plus FetcherLagMetrics), as Kafka names them.
const Bean kBeans[] = {
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec", 11,
     "kafka_server_brokertopicmetrics_messagesin", ""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=orders", 12,
     "kafka_server_brokertopicmetrics_messagesin", ",topic=\"orders\""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec", 13,
     "kafka_server_brokertopicmetrics_bytesin", ""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders", 14,
     "kafka_server_brokertopicmetrics_bytesin", ",topic=\"orders\""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=orders", 15,
     "kafka_server_brokertopicmetrics_bytesout", ",topic=\"orders\""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesInPerSec", 16,
     "kafka_server_brokertopicmetrics_replicationbytesin", ""},
    {"meter", "kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesOutPerSec", 17,
     "kafka_server_brokertopicmetrics_replicationbytesout", ""},
    {"meter", "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=Produce,version=9", 21,
     "kafka_network_requestmetrics_requests", ",request=\"Produce\",version=\"9\""},
    {"meter", "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchConsumer", 22,
     "kafka_network_requestmetrics_requests", ",request=\"FetchConsumer\""},
    {"meter", "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=FetchFollower", 23,
     "kafka_network_requestmetrics_requests", ",request=\"FetchFollower\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce", 31,
     "kafka_network_requestmetrics_totaltimems", ",request=\"Produce\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=RequestQueueTimeMs,request=Produce", 32,
     "kafka_network_requestmetrics_requestqueuetimems", ",request=\"Produce\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=LocalTimeMs,request=FetchConsumer", 33,
     "kafka_network_requestmetrics_localtimems", ",request=\"FetchConsumer\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=RemoteTimeMs,request=FetchFollower", 34,
     "kafka_network_requestmetrics_remotetimems", ",request=\"FetchFollower\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=ResponseQueueTimeMs,request=Produce", 35,
     "kafka_network_requestmetrics_responsequeuetimems", ",request=\"Produce\""},
    {"histogram", "kafka.network:type=RequestMetrics,name=ResponseSendTimeMs,request=Produce", 36,
     "kafka_network_requestmetrics_responsesendtimems", ",request=\"Produce\""},
    {"meter", "kafka.network:type=RequestMetrics,name=ErrorsPerSec,request=Produce,error=NONE", 41,
     "kafka_network_requestmetrics_errors", ",request=\"Produce\",error=\"NONE\""},
    {"gauge", "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions", 2,
     "kafka_server_replicamanager_underreplicatedpartitions", ""},
    {"gauge", "kafka.server:type=ReplicaManager,name=UnderMinIsrPartitionCount", 1,
     "kafka_server_replicamanager_underminisrpartitioncount", ""},
    {"gauge", "kafka.server:type=ReplicaManager,name=AtMinIsrPartitionCount", 3,
     "kafka_server_replicamanager_atminisrpartitioncount", ""},
    {"gauge", "kafka.server:type=ReplicaManager,name=PartitionCount", 120,
     "kafka_server_replicamanager_partitioncount", ""},
    {"gauge", "kafka.server:type=ReplicaManager,name=LeaderCount", 40,
     "kafka_server_replicamanager_leadercount", ""},
    {"meter", "kafka.server:type=ReplicaManager,name=IsrShrinksPerSec", 51,
     "kafka_server_replicamanager_isrshrinks", ""},
    {"meter", "kafka.server:type=ReplicaManager,name=IsrExpandsPerSec", 52,
     "kafka_server_replicamanager_isrexpands", ""},
    {"gauge", "kafka.controller:type=KafkaController,name=ActiveControllerCount", 1,
     "kafka_controller_kafkacontroller_activecontrollercount", ""},
    {"gauge", "kafka.controller:type=KafkaController,name=OfflinePartitionsCount", 4,
     "kafka_controller_kafkacontroller_offlinepartitionscount", ""},
    {"gauge", "kafka.controller:type=KafkaController,name=PreferredReplicaImbalanceCount", 5,
     "kafka_controller_kafkacontroller_preferredreplicaimbalancecount", ""},
    {"gauge", "kafka.controller:type=KafkaController,name=GlobalTopicCount", 10,
     "kafka_controller_kafkacontroller_globaltopiccount", ""},
    {"gauge", "kafka.controller:type=KafkaController,name=GlobalPartitionCount", 360,
     "kafka_controller_kafkacontroller_globalpartitioncount", ""},
    {"timer", "kafka.controller:type=ControllerStats,name=LeaderElectionRateAndTimeMs", 61,
     "kafka_controller_controllerstats_leaderelectionrateandtimems", ""},
    {"meter", "kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec", 62,
     "kafka_controller_controllerstats_uncleanleaderelections", ""},
    {"longgauge", "kafka.server:type=ReplicaFetcherManager,name=MaxLag,clientId=Replica", 77,
     "kafka_server_replicafetchermanager_maxlag", ",client_id=\"Replica\""},
    {"gauge",
     "kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize,delayedOperation=Produce", 8,
     "kafka_server_delayedoperationpurgatory_purgatorysize", ",delayed_operation=\"Produce\""},
    {"gauge",
     "kafka.server:type=DelayedOperationPurgatory,name=PurgatorySize,delayedOperation=Fetch", 9,
     "kafka_server_delayedoperationpurgatory_purgatorysize", ",delayed_operation=\"Fetch\""},
    {"gauge", "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent", 0.75,
     "kafka_network_socketserver_networkprocessoravgidlepercent", ""},
    {"meter", "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent", 71,
     "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent", ""},
    {"timer", "kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs", 81,
     "kafka_log_logflushstats_logflushrateandtimems", ""},
    {"gauge", "kafka.log:type=LogManager,name=OfflineLogDirectoryCount", 0,
     "kafka_log_logmanager_offlinelogdirectorycount", ""},
    {"longgauge", "kafka.log:type=Log,name=Size,topic=orders,partition=0", 1048576,
     "kafka_log_log_size", ",topic=\"orders\",partition=\"0\""},
    {"longgauge",
     "kafka.server:type=FetcherLagMetrics,name=ConsumerLag,clientId=ReplicaFetcherThread-0-2,"
     "topic=orders,partition=1",
     6, "kafka_server_fetcherlagmetrics_consumerlag",
     ",client_id=\"ReplicaFetcherThread-0-2\",topic=\"orders\",partition=\"1\""},
    // A broken MBean next to healthy ones: only its own value may be lost.
    {"failing", "kafka.server:type=ReplicaManager,name=BrokenGauge", 0, "", ""},
};

// The JVM: compiled and started once for the whole suite.
class JolokiaJvm {
 public:
  static JolokiaJvm* Get() {
    static JolokiaJvm* jvm = new JolokiaJvm();
    return jvm;
  }
  const std::string& error() const { return error_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void Stop() {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
    if (!jvm_) return;
    jvm_->CloseStdin();  // the server exits when its stdin closes
    if (jvm_->Wait(std::chrono::seconds(5)) == -1) jvm_->Stop();
    jvm_.reset();
  }

 private:
  JolokiaJvm() {
    if (!fs::exists(kJolokiaJar)) {
      error_ = std::string(kJolokiaJar) + " missing: install libjolokia-core-java";
      return;
    }
    if (RunShell("command -v javac").exit_code != 0) {
      error_ = "javac missing: install default-jdk-headless";
      return;
    }
    dir_ = fs::temp_directory_path() / ("streamlens-jolokia-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    const std::string src = SourceDir() + "/tests/jolokia/JolokiaTestServer.java";
    auto [rc, out] =
        RunShell("javac -nowarn -d " + dir_.string() + " -cp " + kJolokiaJar + " " + src);
    if (rc != 0) {
      error_ = "javac " + src + " failed: " + out;
      return;
    }
    std::ofstream spec(dir_ / "spec.txt");
    spec << std::setprecision(17);
    for (const Bean& b : kBeans) spec << b.kind << ' ' << b.name << ' ' << b.base << '\n';
    spec.close();
    const std::string cp = std::string(kJolokiaJar) + ":" + dir_.string();
    jvm_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                                 "JolokiaTestServer", (dir_ / "spec.txt").string(),
                                 std::to_string(kSlowDelayMs)},
        (dir_ / "jvm.log").string(), Subprocess::kPipeStdin | Subprocess::kPipeStdout);
    // First stdout line: "port=<n>".
    const std::string line = jvm_->ReadStdoutLine(std::chrono::seconds(60)).value_or("");
    if (line.rfind("port=", 0) != 0) {
      error_ = "JolokiaTestServer did not start (first line: \"" + line + "\"): " + jvm_->Log();
      Stop();
      return;
    }
    port_ = std::atoi(line.c_str() + 5);
  }
  ~JolokiaJvm() = default;

  fs::path dir_;
  std::string error_;
  std::unique_ptr<Subprocess> jvm_;
  int port_ = 0;
};

class JolokiaJvmTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { JolokiaJvm::Get()->Stop(); }
  void SetUp() override {
    jvm_ = JolokiaJvm::Get();
    ASSERT_TRUE(jvm_->error().empty()) << jvm_->error();
  }
  JolokiaJvm* jvm_ = nullptr;
};

// "name{labels}" -> value for every sample line of an exposition.
std::map<std::string, double> Samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    out[line.substr(0, sp)] = std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return out;
}

std::string Collect(JolokiaCollector* c) {
  std::vector<prometheus::MetricFamily> families;
  Status s = c->Collect(&families);
  EXPECT_TRUE(s.ok()) << s.message();
  return prometheus::TextSerializer().Serialize(families);
}

void ExpectSample(const std::map<std::string, double>& samples, const std::string& key,
                  double want) {
  auto it = samples.find(key);
  if (it == samples.end()) {
    ADD_FAILURE() << "missing series " << key;
    return;
  }
  EXPECT_DOUBLE_EQ(it->second, want) << key;
}

TEST_F(JolokiaJvmTest, EveryDefaultRuleProducesTheExpectedSeries) {
  JolokiaFlags flags;
  flags.urls = {"b1=" + jvm_->Url("/jolokia")};
  flags.timeout = std::chrono::seconds(20);
  std::ostringstream log;
  auto c = MakeJolokiaCollector(flags, Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string text = Collect(c->get());
  const auto samples = Samples(text);

  for (const Bean& b : kBeans) {
    const std::string kind = b.kind;
    const std::string f = b.family;
    const std::string l = std::string("{broker=\"b1\"") + b.labels;
    const double x = b.base;
    if (kind == "meter") {
      ExpectSample(samples, f + "_total" + l + "}", x);
      ExpectSample(samples, f + "_meanrate" + l + "}", x + 0.5);
      ExpectSample(samples, f + "_oneminuterate" + l + "}", x + 1.25);
      ExpectSample(samples, f + "_fiveminuterate" + l + "}", x + 2.5);
      ExpectSample(samples, f + "_fifteenminuterate" + l + "}", x + 3.75);
    } else if (kind == "histogram" || kind == "timer") {
      ExpectSample(samples, f + "_count" + l + "}", x);
      ExpectSample(samples, f + "_sum" + l + "}", (x + 10.5) * x);
      const std::pair<const char*, double> quantiles[] = {
          {"0.5", 50}, {"0.75", 75}, {"0.95", 95}, {"0.98", 98}, {"0.99", 99}, {"0.999", 99.9}};
      for (const auto& [q, offset] : quantiles) {
        ExpectSample(samples, f + l + ",quantile=\"" + q + "\"}", x + offset);
      }
      if (kind == "timer") {
        ExpectSample(samples, f + "_oneminuterate" + l + "}", x + 1.25);
        ExpectSample(samples, f + "_fifteenminuterate" + l + "}", x + 3.75);
      }
    } else if (kind == "gauge" || kind == "longgauge") {
      ExpectSample(samples, f + l + "}", x);
    }
  }
  EXPECT_THAT(text, HasSubstr("# TYPE kafka_network_requestmetrics_totaltimems summary\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE kafka_server_brokertopicmetrics_bytesin_total counter\n"));

  // JVM beans of the test JVM itself: present and plausible.
  for (const char* key : {"jvm_memory_bytes_used{broker=\"b1\",area=\"heap\"}",
                          "jvm_memory_bytes_committed{broker=\"b1\",area=\"nonheap\"}",
                          "jvm_threads_current{broker=\"b1\"}", "process_open_fds{broker=\"b1\"}",
                          "process_max_fds{broker=\"b1\"}"}) {
    ASSERT_TRUE(samples.count(key)) << key;
    EXPECT_GT(samples.at(key), 0) << key;
  }
  EXPECT_TRUE(samples.count("java_lang_operatingsystem_processcpuload{broker=\"b1\"}"));
  EXPECT_THAT(text, HasSubstr("jvm_gc_collection_seconds_count{broker=\"b1\",gc=\"G1 Young "
                              "Generation\"}"));

  // Health and bookkeeping: one failed attribute (BrokenGauge), nothing unmapped.
  ExpectSample(samples, "jolokia_up{broker=\"b1\"}", 1);
  ExpectSample(samples, "streamlens_exporter_jolokia_failed_attributes_total{broker=\"b1\"}", 1);
  ExpectSample(samples, "streamlens_exporter_jolokia_failed_reads_total{broker=\"b1\"}", 0);
  for (const char* reason : {"unmatched", "type", "duplicate", "conflict", "invalid"}) {
    ExpectSample(samples,
                 std::string("streamlens_exporter_jolokia_skipped_attributes_total{broker=\"b1\","
                             "reason=\"") +
                     reason + "\"}",
                 0);
  }
  EXPECT_THAT(log.str(), HasSubstr("broken gauge"));

  // Every built-in rule mapped at least one value.
  auto config = DefaultJolokiaConfig();
  ASSERT_TRUE(config.ok());
  const auto hits = (*c)->RuleHits();
  ASSERT_EQ(hits.size(), config->rules.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    EXPECT_GT(hits[i], 0u) << "rule " << i << " never matched: " << config->rules[i].pattern_text;
  }

  // A second cycle gives the same values from the mapping cache.
  const auto again = Samples(Collect(c->get()));
  for (const Bean& b : kBeans) {
    if (std::string(b.kind) == "gauge") {
      const std::string key = std::string(b.family) + "{broker=\"b1\"" + b.labels + "}";
      ExpectSample(again, key, b.base);
    }
  }
}

TEST_F(JolokiaJvmTest, PromtoolAcceptsTheOutput) {
  if (RunShell("command -v promtool").exit_code != 0)
    GTEST_FAIL() << "promtool missing: install prometheus";
  JolokiaFlags flags;
  flags.urls = {"b1=" + jvm_->Url("/jolokia"), "b2=" + jvm_->Url("/jolokia"),
                "down=" + jvm_->Url("/error500")};
  auto c = MakeJolokiaCollector(flags, Logger());
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string text = Collect(c->get());
  const fs::path file =
      fs::temp_directory_path() / ("streamlens-jolokia-" + std::to_string(getpid()) + ".prom");
  std::ofstream(file) << text;
  auto [rc, out] = RunShell("promtool check metrics < " + file.string());
  fs::remove(file);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "") << "promtool check metrics must print nothing";
}

TEST_F(JolokiaJvmTest, SlowGarbage500AndTruncatedAgentsCostOnlyTheirBroker) {
  JolokiaFlags flags;
  flags.urls = {"good=" + jvm_->Url("/jolokia"), "slow=" + jvm_->Url("/slow"),
                "garbage=" + jvm_->Url("/garbage"), "e500=" + jvm_->Url("/error500"),
                "truncated=" + jvm_->Url("/truncated")};
  flags.timeout = std::chrono::milliseconds(1000);
  std::ostringstream log;
  auto c = MakeJolokiaCollector(flags, Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok()) << c.status().message();
  for (int cycle = 0; cycle < 2; ++cycle) {
    const auto start = std::chrono::steady_clock::now();
    const auto samples = Samples(Collect(c->get()));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, kSlowDelayMs / 1000.0) << "the slow agent must be cut off by the timeout";
    ExpectSample(samples, "jolokia_up{broker=\"good\"}", 1);
    ExpectSample(samples, "kafka_server_replicamanager_leadercount{broker=\"good\"}", 40);
    for (const char* b : {"slow", "garbage", "e500", "truncated"}) {
      ExpectSample(samples, "jolokia_up{broker=\"" + std::string(b) + "\"}", 0);
      EXPECT_FALSE(samples.count("kafka_server_replicamanager_leadercount{broker=\"" +
                                 std::string(b) + "\"}"))
          << b;
    }
  }
  const std::string logs = log.str();
  EXPECT_THAT(logs, HasSubstr("broker=slow"));
  EXPECT_THAT(logs, HasSubstr("broker=garbage"));
  EXPECT_THAT(logs, HasSubstr("reply is not valid JSON"));
  EXPECT_THAT(logs, HasSubstr("HTTP 500"));
  EXPECT_THAT(logs, HasSubstr("broker=truncated"));
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
