// The shared HTTP server with real clients: curl over plain HTTP and TLS (server and client
// certificates made with the openssl CLI), basic auth with htpasswd's bcrypt hashes, openssl
// s_client for the protocol floor, and both daemons as processes for signals and promtool.
#include "common/http_server.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/subprocess.h"

namespace streamlens {
namespace {

using testing::BinPath;
using testing::CommandResult;
using testing::FreePort;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

// Makes a CA, a server certificate for 127.0.0.1/localhost and a client certificate.
class Pki {
 public:
  explicit Pki(const TempDir& dir) : dir_(dir) {
    Run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=streamlens-test-ca", "-keyout", F("ca.key"), "-out", F("ca.crt")});
    WriteFile(F("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    Run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
         F("server.key"), "-out", F("server.csr")});
    Run({"openssl", "x509", "-req", "-in", F("server.csr"), "-CA", F("ca.crt"), "-CAkey",
         F("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", F("san.ext"), "-out",
         F("server.crt")});
    Run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=client", "-keyout",
         F("client.key"), "-out", F("client.csr")});
    Run({"openssl", "x509", "-req", "-in", F("client.csr"), "-CA", F("ca.crt"), "-CAkey",
         F("ca.key"), "-CAcreateserial", "-days", "2", "-out", F("client.crt")});
  }
  std::string F(const std::string& name) const { return dir_.File(name); }

 private:
  void Run(const std::vector<std::string>& argv) {
    CommandResult r = RunCommand(argv);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const TempDir& dir_;
};

std::string BcryptHash(const std::string& password) {
  CommandResult r = RunCommand({"htpasswd", "-bnBC", "5", "u", password});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string line = r.output.substr(0, r.output.find('\n'));
  return line.substr(line.find(':') + 1);
}

struct Curl {
  int code = 0;
  std::string body;
  std::string headers;
};

Curl Get(const std::string& url, std::vector<std::string> extra = {},
         const std::string& method = "GET") {
  TempDir tmp;
  std::vector<std::string> argv = {"curl", "-s",           "-X",         method,
                                   "-D",   tmp.File("h"),  "-o",         tmp.File("b"),
                                   "-w",   "%{http_code}", "--max-time", "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  CommandResult r = RunCommand(argv);
  Curl c;
  c.code = std::atoi(r.output.c_str());
  std::ifstream hb(tmp.File("h")), bb(tmp.File("b"));
  c.headers.assign(std::istreambuf_iterator<char>(hb), {});
  c.body.assign(std::istreambuf_iterator<char>(bb), {});
  return c;
}

std::unique_ptr<HttpServer> StartServer(const std::string& web_config, bool* ready, int* reloads) {
  HttpServerOptions opts;
  opts.program = "test";
  opts.listen_address = "127.0.0.1:0";
  opts.web_config_file = web_config;
  opts.enable_lifecycle = true;
  auto server = HttpServer::Create(opts, Logger());
  EXPECT_TRUE(server.ok()) << server.status().message();
  if (!server.ok()) return nullptr;
  (*server)->SetReadyCheck([ready] { return *ready; });
  (*server)->SetReloadHandler([reloads] {
    ++*reloads;
    return *reloads > 1 ? Status::Error("config line 3: bad key") : Status::Ok();
  });
  EXPECT_TRUE((*server)->Start().ok());
  return std::move(*server);
}

TEST(HttpServerTest, PlainHttpServesEndpointsAndReadiness) {
  bool ready = false;
  int reloads = 0;
  auto server = StartServer("", &ready, &reloads);
  ASSERT_NE(server, nullptr);
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("test_events_total")
      .Help("Events.")
      .Register(*registry)
      .Add({})
      .Increment(3);
  server->AddCollectable(registry);
  server->AddTextProvider([](std::string* out) {
    out->append("# HELP test_prepared Prepared.\n# TYPE test_prepared gauge\ntest_prepared 7\n");
  });
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Curl m = Get(base + "/metrics");
  EXPECT_EQ(m.code, 200);
  EXPECT_NE(m.body.find("test_events_total 3"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("test_prepared 7"), std::string::npos);
  EXPECT_EQ(Get(base + "/-/healthy").code, 200);
  EXPECT_EQ(Get(base + "/-/ready").code, 503);
  ready = true;
  EXPECT_EQ(Get(base + "/-/ready").code, 200);
  Curl landing = Get(base + "/");
  EXPECT_NE(landing.body.find("href=\"/metrics\""), std::string::npos);
  EXPECT_EQ(Get(base + "/-/reload", {}, "POST").code, 200);
  Curl bad = Get(base + "/-/reload", {}, "POST");
  EXPECT_EQ(bad.code, 500);
  EXPECT_NE(bad.body.find("config line 3: bad key"), std::string::npos);
  EXPECT_EQ(Get(base + "/-/reload").code, 405);
  EXPECT_EQ(reloads, 2);
  EXPECT_EQ(Get(base + "/nope").code, 404);
}

TEST(HttpServerTest, TlsWithBasicAuthAcceptsRightCredentialsOnly) {
  TempDir dir;
  Pki pki(dir);
  WriteFile(dir.File("web.yml"),
            "tls_server_config:\n  cert_file: server.crt\n"
            "  key_file: server.key\nbasic_auth_users:\n  alice: " +
                BcryptHash("s3cret") + "\n");
  bool ready = true;
  int reloads = 0;
  auto server = StartServer(dir.File("web.yml"), &ready, &reloads);
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->tls());
  const std::string base = "https://127.0.0.1:" + std::to_string(server->port());
  const std::string ca = pki.F("ca.crt");
  Curl ok = Get(base + "/metrics", {"--cacert", ca, "-u", "alice:s3cret"});
  EXPECT_EQ(ok.code, 200);
  // Cached verification must not accept a different password afterwards.
  Curl wrong = Get(base + "/metrics", {"--cacert", ca, "-u", "alice:wrong"});
  EXPECT_EQ(wrong.code, 401);
  EXPECT_NE(wrong.headers.find("WWW-Authenticate: Basic"), std::string::npos) << wrong.headers;
  EXPECT_EQ(Get(base + "/metrics", {"--cacert", ca, "-u", "mallory:s3cret"}).code, 401);
  EXPECT_EQ(Get(base + "/-/healthy", {"--cacert", ca}).code, 401);
  // Plain HTTP against the TLS port fails; an untrusted client refuses the certificate.
  EXPECT_NE(Get("http://127.0.0.1:" + std::to_string(server->port()) + "/metrics").code, 200);
  EXPECT_EQ(Get(base + "/metrics", {"-u", "alice:s3cret"}).code, 0);
  // openssl s_client completes a TLS 1.2+ handshake and verifies the chain.
  CommandResult hs =
      RunCommand({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server->port()),
                  "-CAfile", ca, "-verify_return_error", "-brief"},
                 "Q\n", std::chrono::seconds(10));
  EXPECT_NE(hs.output.find("Verification: OK"), std::string::npos) << hs.output;
  CommandResult tls11 =
      RunCommand({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server->port()),
                  "-tls1_1", "-brief"},
                 "Q\n", std::chrono::seconds(10));
  EXPECT_EQ(tls11.output.find("Protocol version: TLSv1.1"), std::string::npos) << tls11.output;
}

TEST(HttpServerTest, ClientCertificatesRequiredWhenConfigured) {
  TempDir dir;
  Pki pki(dir);
  WriteFile(dir.File("web.yml"),
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n");
  bool ready = true;
  int reloads = 0;
  auto server = StartServer(dir.File("web.yml"), &ready, &reloads);
  ASSERT_NE(server, nullptr);
  const std::string url = "https://127.0.0.1:" + std::to_string(server->port()) + "/-/healthy";
  EXPECT_EQ(Get(url, {"--cacert", pki.F("ca.crt")}).code, 0);
  EXPECT_EQ(Get(url, {"--cacert", pki.F("ca.crt"), "--cert", pki.F("client.crt"), "--key",
                      pki.F("client.key")})
                .code,
            200);
}

TEST(HttpServerTest, MalformedWebConfigIsAStartupErrorNamingTheKey) {
  TempDir dir;
  WriteFile(dir.File("web.yml"),
            "tls_server_config:\n  cert_file: missing.crt\n"
            "  key_file: missing.key\n");
  HttpServerOptions opts;
  opts.listen_address = "127.0.0.1:0";
  opts.web_config_file = dir.File("web.yml");
  auto server = HttpServer::Create(opts, Logger());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("tls_server_config.cert_file"), std::string::npos);
}

class DaemonTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DaemonTest, ServesLintCleanMetricsReloadsOnSighupAndExitsCleanly) {
  const std::string bin = BinPath(GetParam());
  ASSERT_FALSE(bin.empty());
  TempDir dir;
  const int port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  // Each daemon points at a source that is down (a closed loopback port): serving, health,
  // reload and shutdown must not depend on the source.
  const std::string closed = "127.0.0.1:" + std::to_string(FreePort());
  std::vector<std::string> argv = {bin, "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                   "--log.level=debug"};
  if (GetParam() == "streamlens-exporter") {
    argv.push_back("--kafka.server=" + closed);
  } else {
    argv.push_back("--remote-read.url=http://" + closed + "/api/v1/read");
  }
  Subprocess daemon(argv, dir.File("log"));
  ASSERT_TRUE(testing::WaitForHttp200(base + "/-/healthy", std::chrono::seconds(20)))
      << daemon.Log();
  Curl m = Get(base + "/metrics");
  ASSERT_EQ(m.code, 200);
  EXPECT_NE(m.body.find("streamlens_build_info{"), std::string::npos);
  EXPECT_NE(m.body.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(m.body.find("process_open_fds "), std::string::npos);
  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, m.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");
  daemon.Signal(SIGHUP);
  // The reload is logged at info level ("reload requested (SIGHUP)", "reloaded collectors", ...).
  const std::regex reloaded("level=info msg=\"?reload");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!std::regex_search(daemon.Log(), reloaded) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(testing::WaitForHttp200(base + "/-/healthy", std::chrono::seconds(5)));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0) << daemon.Log();
  const std::string log = daemon.Log();
  EXPECT_TRUE(std::regex_search(log, reloaded)) << log;
  EXPECT_NE(log.find("msg=\"shutting down\""), std::string::npos) << log;
}

TEST_P(DaemonTest, UnknownFlagExitsWithCode2NamingIt) {
  CommandResult r = RunCommand({BinPath(GetParam()), "--web.listen-adress=:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown flag --web.listen-adress"), std::string::npos) << r.output;
  CommandResult bad = RunCommand({BinPath(GetParam()), "--log.level=loud"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--log.level"), std::string::npos) << bad.output;
  CommandResult help = RunCommand({BinPath(GetParam()), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--web.config.file"), std::string::npos);
}

// The arguments that start `daemon` against a source that is down.
std::vector<std::string> DaemonArgs(const std::string& daemon, int port) {
  const std::string closed = "127.0.0.1:" + std::to_string(FreePort());
  std::vector<std::string> argv = {BinPath(daemon),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port)};
  if (daemon == "streamlens-exporter") {
    argv.push_back("--kafka.server=" + closed);
  } else {
    argv.push_back("--remote-read.url=http://" + closed + "/api/v1/read");
  }
  return argv;
}

TEST_P(DaemonTest, MalformedWebConfigKeysExit2NamingTheKey) {
  TempDir dir;
  // Both aborted the daemons with an uncaught YAML::TypedBadConversion (exit 134).
  const std::pair<std::string, std::string> cases[] = {
      {"basic_auth_users: {? [a, b] : x}\n", "key basic_auth_users"},
      {"tls_server_config:\n  ? {a: 1}\n  : x\n", "key tls_server_config"},
      {"basic_auth_users:\n  u: $6$salt$hash\n", "basic_auth_users.u: expected a bcrypt hash"},
  };
  for (const auto& [yaml, key] : cases) {
    WriteFile(dir.File("web.yml"), yaml);
    auto argv = DaemonArgs(GetParam(), FreePort());
    argv.push_back("--web.config.file=" + dir.File("web.yml"));
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << yaml << r.output;
    EXPECT_NE(r.output.find(key), std::string::npos) << yaml << r.output;
  }
}

TEST_P(DaemonTest, HttpReloadOnlyWithEnableLifecycle) {
  for (bool enabled : {false, true}) {
    TempDir dir;
    const int port = FreePort();
    auto argv = DaemonArgs(GetParam(), port);
    if (enabled) argv.push_back("--web.enable-lifecycle");
    Subprocess daemon(argv, dir.File("log"));
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(testing::WaitForHttp200(base + "/-/healthy", std::chrono::seconds(20)))
        << daemon.Log();
    Curl r = Get(base + "/-/reload", {}, "POST");
    EXPECT_EQ(r.code, enabled ? 200 : 403) << r.body;
  }
}

TEST_P(DaemonTest, SighupRereadsTheTlsCertificates) {
  TempDir dir, first_dir, second_dir;
  Pki first(first_dir), second(second_dir);
  RunCommand({"cp", first.F("server.crt"), dir.File("server.crt")});
  RunCommand({"cp", first.F("server.key"), dir.File("server.key")});
  WriteFile(dir.File("web.yml"),
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  const int port = FreePort();
  auto argv = DaemonArgs(GetParam(), port);
  argv.push_back("--web.config.file=" + dir.File("web.yml"));
  Subprocess daemon(argv, dir.File("log"));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/-/healthy";
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = Get(url, {"--cacert", first.F("ca.crt")}).code == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << daemon.Log();
  EXPECT_EQ(Get(url, {"--cacert", second.F("ca.crt")}).code, 0);
  RunCommand({"cp", second.F("server.crt"), dir.File("server.crt")});
  RunCommand({"cp", second.F("server.key"), dir.File("server.key")});
  daemon.Signal(SIGHUP);
  bool switched = false;
  for (int i = 0; i < 100 && !switched; ++i) {
    switched = Get(url, {"--cacert", second.F("ca.crt")}).code == 200;
    if (!switched) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(switched) << daemon.Log();
}

// streamlens_exporter_collect_failures_total{collector="kafka"} in a scrape, or -1.
double KafkaFailures(const std::string& body) {
  std::smatch m;
  static const std::regex re(
      "streamlens_exporter_collect_failures_total\\{collector=\"kafka\"\\} ([0-9.e+]+)");
  return std::regex_search(body, m, re) ? std::stod(m[1]) : -1;
}

TEST(ExporterReloadTest, ReloadThatChangesNothingKeepsTheCollectorsAndTheirSnapshot) {
  TempDir dir;
  const int port = FreePort();
  auto argv = DaemonArgs("streamlens-exporter", port);
  argv.insert(argv.end(), {"--collect.interval=300ms", "--kafka.timeout=200ms",
                           "--web.enable-lifecycle", "--log.level=debug"});
  Subprocess daemon(argv, dir.File("log"));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(testing::WaitForHttp200(base + "/-/healthy", std::chrono::seconds(20)));
  double before = -1;
  for (int i = 0; i < 200 && before < 3; ++i) {
    before = KafkaFailures(Get(base + "/metrics").body);
    if (before < 3) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(before, 3) << daemon.Log();
  // Two concurrent reloads over HTTP and one by signal.
  std::thread other([&] { EXPECT_EQ(Get(base + "/-/reload", {}, "POST").code, 200); });
  daemon.Signal(SIGHUP);
  EXPECT_EQ(Get(base + "/-/reload", {}, "POST").code, 200);
  other.join();
  EXPECT_GE(KafkaFailures(Get(base + "/metrics").body), before)
      << "a rebuilt scheduler would have restarted its counters";
  EXPECT_NE(daemon.Log().find("no input changed, keeping the running collectors"),
            std::string::npos)
      << daemon.Log();
}

INSTANTIATE_TEST_SUITE_P(BothDaemons, DaemonTest,
                         ::testing::Values("streamlens-exporter", "streamlens-sidecar"));

}  // namespace
}  // namespace streamlens
