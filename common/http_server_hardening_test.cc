// The HTTP server against hostile clients, on loopback with raw sockets: slow-drip headers,
// more connections than the cap, a flood of wrong passwords. Bounds are functional deadlines with
// wide margins (a loaded 2-core machine answers these in milliseconds), not benchmarks.
#include <arpa/inet.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/basic_auth.h"
#include "common/http_server.h"

namespace streamlens {
namespace {

using Clock = std::chrono::steady_clock;

// The functional deadlines below hold with a wide margin in a normal build; sanitizer builds run
// the same code 5-15x slower, so their bounds are scaled.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr double kSlowdown = 5;
#else
constexpr double kSlowdown = 1;
#endif

std::string Bcrypt(const std::string& password, int cost) {
  char salt[64];
  EXPECT_NE(crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt, sizeof salt), nullptr);
  struct crypt_data data {};
  return crypt_r(password.c_str(), salt, &data);
}

std::string Base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += std::string{k[(v >> 18) & 63], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += std::string{k[(v >> 18) & 63], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads until the peer closes or `timeout`; returns what arrived.
std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto end = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One request on a fresh connection with Connection: close; the status code (0: no answer in
// `timeout`).
int Request(int port, const std::string& path, const std::string& auth,
            std::chrono::milliseconds timeout, std::string* response = nullptr) {
  int fd = Connect(port);
  if (fd < 0) return 0;
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!auth.empty()) req += "Authorization: Basic " + Base64(auth) + "\r\n";
  SendAll(fd, req + "\r\n");
  std::string r = ReadUntilClose(fd, timeout);
  ::close(fd);
  if (response) *response = r;
  if (r.size() < 12 || r.compare(0, 9, "HTTP/1.1 ") != 0) return 0;
  return std::atoi(r.c_str() + 9);
}

std::unique_ptr<HttpServer> Start(HttpServerOptions opts, const std::string& web_config = "") {
  opts.listen_address = "127.0.0.1:0";
  opts.web_config_file = web_config;
  auto server = HttpServer::Create(opts, Logger());
  EXPECT_TRUE(server.ok()) << server.status().message();
  (*server)->SetMetricsBodyProvider([](bool) {
    SharedBody b;
    b.pieces.push_back(std::make_shared<const std::string>("up 1\n"));
    return b;
  });
  EXPECT_TRUE((*server)->Start().ok());
  return std::move(*server);
}

TEST(HttpServerHardeningTest, SlowDripClientsAndAnAuthFloodDoNotDelayAFreshScrape) {
  const auto dir = std::filesystem::temp_directory_path() / "streamlens_http_hardening";
  std::filesystem::create_directories(dir);
  const std::string web = (dir / "web.yml").string();
  std::ofstream(web) << "basic_auth_users:\n  prom: " << Bcrypt("right", 10) << "\n";
  auto server = Start(HttpServerOptions(), web);
  const int port = server->port();
  // The scraper's password was verified once before the attack, as a running Prometheus's is.
  ASSERT_EQ(Request(port, "/metrics", "prom:right", std::chrono::seconds(10)), 200);

  std::atomic<bool> stop{false};
  // 64 connections that send part of a request head and then one byte every 500 ms.
  std::vector<int> drips;
  for (int i = 0; i < 64; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Drip: ");
    drips.push_back(fd);
  }
  std::thread dripper([&] {
    while (!stop) {
      for (int fd : drips) SendAll(fd, "a");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  // 200 requests per second with a different wrong password each (no cache can help).
  std::atomic<int> flood_sent{0}, flood_answered{0};
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t) {
    flooders.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const auto next = Clock::now() + std::chrono::milliseconds(20);
        ++flood_sent;
        int code =
            Request(port, "/metrics", "prom:wrong-" + std::to_string(t) + "-" + std::to_string(i),
                    std::chrono::seconds(5));
        if (code == 401 || code == 429) ++flood_answered;
        std::this_thread::sleep_until(next);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    std::string body;
    int code = Request(port, "/metrics", "prom:right", std::chrono::seconds(5), &body);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(code, 200) << body;
    EXPECT_NE(body.find("\r\n\r\nup 1\n"), std::string::npos) << body;
    EXPECT_LT(seconds, 1.0 * kSlowdown) << "fresh scrape " << i;
    const auto h0 = Clock::now();
    EXPECT_EQ(Request(port, "/-/healthy", "prom:right", std::chrono::seconds(5)), 200);
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - h0).count(), 1.0 * kSlowdown);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  stop = true;
  dripper.join();
  for (auto& t : flooders) t.join();
  for (int fd : drips) ::close(fd);
  EXPECT_GT(flood_sent.load(), 200) << "the flood ran at the intended rate";
  EXPECT_GE(flood_answered.load(), flood_sent.load() * 9 / 10)
      << "wrong passwords get a quick 401 or 429, not a hang";
  std::filesystem::remove_all(dir);
}

TEST(HttpServerHardeningTest, AClientThatNeverFinishesItsHeadGets408AtTheDeadline) {
  HttpServerOptions opts;
  opts.limits.header_timeout = std::chrono::milliseconds(1000);
  auto server = Start(opts);
  int fd = Connect(server->port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n");
  const auto t0 = Clock::now();
  std::string got;
  while (Clock::now() - t0 < std::chrono::seconds(10)) {
    SendAll(fd, "X");  // keeps dripping; a per-read timeout would never fire
    got += ReadUntilClose(fd, std::chrono::milliseconds(200));
    if (!got.empty()) break;
  }
  ::close(fd);
  EXPECT_EQ(got.compare(0, 12, "HTTP/1.1 408"), 0) << got;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 6.0 * kSlowdown);
}

TEST(HttpServerHardeningTest, ConnectionsBeyondTheCapGet503AndOthersStillWork) {
  HttpServerOptions opts;
  opts.limits.max_connections = 8;
  auto server = Start(opts);
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) held.push_back(Connect(server->port()));
  // Once the loop has accepted the 8 held connections, a ninth gets 503.
  std::string body;
  int capped = 0;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       capped != 503 && Clock::now() < deadline;) {
    body.clear();
    capped = Request(server->port(), "/-/healthy", "", std::chrono::seconds(5), &body);
    if (capped != 503) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(capped, 503) << body;
  EXPECT_NE(body.find("too many open connections"), std::string::npos) << body;
  for (int fd : held) ::close(fd);
  int code = 0;
  for (int i = 0; i < 50 && code != 200; ++i) {
    code = Request(server->port(), "/-/healthy", "", std::chrono::seconds(5));
    if (code != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(code, 200);
}

TEST(HttpServerHardeningTest, KeepAliveServesSeveralRequestsAndOversizedHeadsGet431) {
  auto server = Start(HttpServerOptions());
  int fd = Connect(server->port());
  SendAll(fd,
          "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n"
          "Connection: close\r\n\r\n");
  std::string got = ReadUntilClose(fd, std::chrono::seconds(5));
  ::close(fd);
  EXPECT_NE(got.find("Healthy\n"), std::string::npos) << got;
  EXPECT_NE(got.find("up 1\n"), std::string::npos) << got;
  EXPECT_EQ(Request(server->port(), "/?" + std::string(20000, 'a'), "", std::chrono::seconds(5)),
            431);
  EXPECT_EQ(Request(server->port(), "/nope", "", std::chrono::seconds(5)), 404);
}

TEST(HttpServerHardeningTest, ReloadIsForbiddenUnlessLifecycleIsEnabled) {
  for (bool enabled : {false, true}) {
    HttpServerOptions opts;
    opts.enable_lifecycle = enabled;
    auto server = Start(opts);
    int reloads = 0;
    server->SetReloadHandler([&] {
      ++reloads;
      return Status::Ok();
    });
    int fd = Connect(server->port());
    SendAll(fd, "POST /-/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string got = ReadUntilClose(fd, std::chrono::seconds(5));
    ::close(fd);
    EXPECT_EQ(got.compare(0, 12, enabled ? "HTTP/1.1 200" : "HTTP/1.1 403"), 0) << got;
    EXPECT_EQ(reloads, enabled ? 1 : 0);
  }
}

TEST(BasicAuthTest, RepeatedWrongPasswordsCostOneBcryptAndConcurrentChecksAreBounded) {
  const std::string hash = Bcrypt("right", 8);
  BasicAuthOptions opts;
  opts.max_concurrent_checks = 1;
  BasicAuth auth({{"prom", hash}}, opts);
  const std::string wrong = "Basic " + Base64("prom:wrong");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(auth.Check(wrong), BasicAuth::Verdict::kDenied);
  EXPECT_EQ(auth.bcrypt_checks(), 1u);
  const std::string right = "Basic " + Base64("prom:right");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(auth.Check(right), BasicAuth::Verdict::kAllowed);
  EXPECT_EQ(auth.bcrypt_checks(), 2u);
  // Unknown users are denied (after the same bcrypt work) and cached too.
  EXPECT_EQ(auth.Check("Basic " + Base64("eve:right")), BasicAuth::Verdict::kDenied);
  EXPECT_EQ(auth.Check("Basic " + Base64("eve:right")), BasicAuth::Verdict::kDenied);
  EXPECT_EQ(auth.bcrypt_checks(), 3u);
  // Eight threads with distinct wrong passwords: never more than one bcrypt at a time, the rest
  // are told to come back.
  std::atomic<int> busy{0}, denied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto v = auth.Check("Basic " + Base64("prom:x" + std::to_string(t)));
      (v == BasicAuth::Verdict::kBusy ? busy : denied)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(denied.load(), 1);
  EXPECT_EQ(busy.load() + denied.load(), 8);
  EXPECT_EQ(auth.Check("Basic garbage"), BasicAuth::Verdict::kDenied);
  EXPECT_EQ(auth.Check(""), BasicAuth::Verdict::kDenied);
}

}  // namespace
}  // namespace streamlens
