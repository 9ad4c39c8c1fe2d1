#include "exporter/jolokia/jolokia_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "exporter/jolokia/jolokia_flags.h"

namespace streamlens::exporter::jolokia {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRules = R"(
lowercaseOutputName: true
mbeans:
  - mbean: "kafka.server:type=ReplicaManager,*"
    attributes: [Value]
rules:
  - pattern: '^kafka\.(\w+)<type=([^,]+), name=([^,]+)><>Value$'
    name: kafka_$1_$2_$3
)";

constexpr const char* kGood =
    R"([{"status":200,"value":{"kafka.server:type=ReplicaManager,name=LeaderCount":{"Value":42}}}])";

// An in-process stand-in for Jolokia agents: one path per behaviour.
class FakeAgents {
 public:
  FakeAgents() {
    server_.Post("/good", [](const httplib::Request& req, httplib::Response& res) {
      last_body() = req.body;
      res.set_content(kGood, "application/json");
    });
    server_.Post("/auth", [](const httplib::Request& req, httplib::Response& res) {
      // "user:secret" in base64.
      if (req.get_header_value("Authorization") != "Basic dXNlcjpzZWNyZXQ=") {
        res.status = 401;
        return;
      }
      res.set_content(kGood, "application/json");
    });
    server_.Post("/error500", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("boom", "text/plain");
    });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      for (int i = 0; i < 30 && !stopping_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      res.set_content(kGood, "application/json");
    });
    server_.Post("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(1 << 20, ' ') + kGood, "application/json");
    });
    server_.Post("/deep", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 << 20, '['), "application/json");
    });
    server_.Post("/garbage", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[{\"status\":200,\"value\":", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeAgents() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  static std::string& last_body() {
    static std::string body;
    return body;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
};

std::unique_ptr<JolokiaCollector> Make(const std::vector<std::pair<std::string, std::string>>& eps,
                                       ClientOptions options, std::ostream* log_out) {
  auto config = ParseJolokiaConfig(kRules, "test");
  EXPECT_TRUE(config.ok()) << config.status().message();
  std::vector<std::unique_ptr<JolokiaClient>> clients;
  for (const auto& [name, url] : eps) {
    auto c = JolokiaClient::Create({name, url}, options);
    EXPECT_TRUE(c.ok()) << c.status().message();
    clients.push_back(std::move(*c));
  }
  return std::make_unique<JolokiaCollector>(
      std::make_shared<const JolokiaConfig>(std::move(*config)), std::move(clients),
      Logger(log_out, LogLevel::kDebug, LogFormat::kLogfmt));
}

std::string CollectText(JolokiaCollector* c) {
  std::vector<prometheus::MetricFamily> families;
  Status s = c->Collect(&families);
  EXPECT_TRUE(s.ok()) << s.message();
  return prometheus::TextSerializer().Serialize(families);
}

TEST(JolokiaCollectorTest, FailingBrokersGetUpZeroAndOthersKeepTheirSeries) {
  FakeAgents agents;
  std::ostringstream log;
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(400);
  options.max_response_bytes = 512 * 1024;
  auto c = Make({{"good", agents.Url("/good")},
                 {"e500", agents.Url("/error500")},
                 {"slow", agents.Url("/slow")},
                 {"big", agents.Url("/big")},
                 {"garbage", agents.Url("/garbage")},
                 {"refused", "http://127.0.0.1:1/jolokia"}},
                options, &log);
  EXPECT_EQ(c->Name(), "jolokia");
  const auto start = std::chrono::steady_clock::now();
  const std::string text = CollectText(c.get());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.4) << "brokers are read in parallel, each bounded by the 400ms timeout";
  EXPECT_THAT(text, HasSubstr("jolokia_up{broker=\"good\"} 1\n"));
  for (const char* b : {"e500", "slow", "big", "garbage", "refused"}) {
    EXPECT_THAT(text, HasSubstr("jolokia_up{broker=\"" + std::string(b) + "\"} 0\n"));
    EXPECT_THAT(text, Not(HasSubstr("leadercount{broker=\"" + std::string(b) + "\"")));
  }
  EXPECT_THAT(text, HasSubstr("kafka_server_replicamanager_leadercount{broker=\"good\"} 42\n"));
  EXPECT_THAT(text,
              HasSubstr("streamlens_exporter_jolokia_skipped_attributes_total{broker=\"good\","
                        "reason=\"unmatched\"} 0\n"));
  EXPECT_THAT(FakeAgents::last_body(), HasSubstr("kafka.server:type=ReplicaManager,*"));
  const std::string logs = log.str();
  EXPECT_THAT(logs, HasSubstr("broker=e500"));
  EXPECT_THAT(logs, HasSubstr("HTTP 500"));
  EXPECT_THAT(logs, HasSubstr("broker=big"));
  EXPECT_THAT(logs, HasSubstr("reply larger than 524288 bytes"));
  EXPECT_THAT(logs, HasSubstr("broker=garbage"));
  EXPECT_THAT(logs, HasSubstr("reply is not valid JSON"));

  // Second cycle: same state, so nothing new is logged.
  const size_t log_size = log.str().size();
  CollectText(c.get());
  EXPECT_EQ(log.str().size(), log_size) << log.str().substr(log_size);
}

TEST(JolokiaCollectorTest, TwoMegabytesOfOpenBracketsIsUpZeroNotACrash) {
  FakeAgents agents;
  std::ostringstream log;
  ClientOptions options;
  options.timeout = std::chrono::seconds(10);
  auto c = Make({{"good", agents.Url("/good")}, {"deep", agents.Url("/deep")}}, options, &log);
  const std::string text = CollectText(c.get());
  EXPECT_THAT(text, HasSubstr("jolokia_up{broker=\"deep\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("kafka_server_replicamanager_leadercount{broker=\"good\"} 42\n"));
  EXPECT_THAT(log.str(), HasSubstr("nested deeper than 64 levels"));
}

TEST(JolokiaCollectorTest, AllBrokersDownStillReportsUpZero) {
  std::ostringstream log;
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto c = Make({{"refused", "http://127.0.0.1:1/jolokia"}}, options, &log);
  EXPECT_THAT(CollectText(c.get()), HasSubstr("jolokia_up{broker=\"refused\"} 0\n"));
}

TEST(JolokiaCollectorTest, SendsBasicAuthFromPasswordFileAndNeverLogsIt) {
  FakeAgents agents;
  const std::string pw = ::testing::TempDir() + "/jolokia_pw";
  { std::ofstream(pw) << "secret\n"; }
  const std::string rules = ::testing::TempDir() + "/jolokia_rules.yml";
  { std::ofstream(rules) << kRules; }
  std::ostringstream log;
  JolokiaFlags flags;
  flags.config_file = rules;
  flags.urls = {"a=" + agents.Url("/auth")};
  flags.username = "user";
  flags.password_file = pw;
  auto c = MakeJolokiaCollector(flags, Logger(&log, LogLevel::kDebug, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(CollectText(c->get()), HasSubstr("jolokia_up{broker=\"a\"} 1\n"));

  flags.password_file = ::testing::TempDir() + "/jolokia_pw_wrong";
  { std::ofstream(flags.password_file) << "wrong"; }
  auto bad = MakeJolokiaCollector(flags, Logger(&log, LogLevel::kDebug, LogFormat::kLogfmt));
  ASSERT_TRUE(bad.ok());
  EXPECT_THAT(CollectText(bad->get()), HasSubstr("jolokia_up{broker=\"a\"} 0\n"));
  EXPECT_THAT(log.str(), HasSubstr("HTTP 401"));
  EXPECT_THAT(log.str(), Not(HasSubstr("secret")));
  EXPECT_THAT(log.str(), Not(HasSubstr("wrong")));
}

TEST(JolokiaCollectorTest, RecoveryIsLoggedOnceAndSeriesReturn) {
  FakeAgents agents;
  std::ostringstream log;
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(2000);
  auto c = Make({{"b", agents.Url("/good")}}, options, &log);
  EXPECT_THAT(CollectText(c.get()), HasSubstr("leadercount{broker=\"b\"} 42\n"));
  EXPECT_THAT(CollectText(c.get()), HasSubstr("leadercount{broker=\"b\"} 42\n"));
  const std::string logs = log.str();
  size_t first = logs.find("jolokia read succeeded");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(logs.find("jolokia read succeeded", first + 1), std::string::npos);
}

TEST(JolokiaCollectorTest, HttpsAgentsAreVerifiedWithTheCaFileOrSkipped) {
  const std::string dir = ::testing::TempDir() + "/jolokia_tls_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl (package openssl) failed: " << cmd;
  httplib::SSLServer server(cert.c_str(), key.c_str());
  ASSERT_TRUE(server.is_valid());
  server.set_keep_alive_timeout(1);
  server.Post("/jolokia", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kGood, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/jolokia";

  std::ostringstream log;
  ClientOptions verified;
  verified.tls_ca_file = cert;
  verified.timeout = std::chrono::milliseconds(3000);
  auto ok = Make({{"tls", url}}, verified, &log);
  EXPECT_THAT(CollectText(ok.get()), HasSubstr("leadercount{broker=\"tls\"} 42\n"));

  ClientOptions untrusted;  // system CAs do not know our self-signed certificate
  untrusted.timeout = std::chrono::milliseconds(3000);
  auto bad = Make({{"tls", url}}, untrusted, &log);
  EXPECT_THAT(CollectText(bad.get()), HasSubstr("jolokia_up{broker=\"tls\"} 0\n"));

  ClientOptions insecure = untrusted;
  insecure.tls_insecure_skip_verify = true;
  auto skip = Make({{"tls", url}}, insecure, &log);
  EXPECT_THAT(CollectText(skip.get()), HasSubstr("jolokia_up{broker=\"tls\"} 1\n"));

  // Close the clients' keep-alive connections first, so the server's workers exit at once.
  ok.reset();
  bad.reset();
  skip.reset();
  server.stop();
  t.join();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
