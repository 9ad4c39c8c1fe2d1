// RemoteReadClient / QueryRangeClient against an in-process HTTP server: negotiation,
// retries, errors, timeouts, auth and headers. (Real Prometheus: tests/remote_read/.)
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "sidecar/remote_read/query_json.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/remote_read_client.h"
#include "sidecar/remote_read/test_util.h"
#include "sidecar/remote_read/victoria_export_client.h"
#include "sidecar/remote_read/wire_decoder.h"

namespace streamlens::remote_read {
namespace {

class FakeServer {
 public:
  FakeServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeServer() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

ClientOptions FastOptions() {
  ClientOptions o;
  o.timeout = std::chrono::milliseconds(2000);
  o.retry_min_backoff = std::chrono::milliseconds(1);
  o.retry_max_backoff = std::chrono::milliseconds(2);
  o.max_range = std::chrono::milliseconds(0);
  return o;
}

std::vector<Matcher> Sel() { return {{MatchType::kEqual, "__name__", "m"}}; }

// Parses the request the way Prometheus does and answers from `series`.
void ServeRemoteRead(httplib::Server& s, std::vector<testing::TestSeries> series, bool streamed_ok,
                     std::atomic<int>* calls) {
  s.Post("/api/v1/read", [=](const httplib::Request& req, httplib::Response& res) {
    ++*calls;
    auto raw = SnappyDecode(req.body, 1 << 20);
    prometheus::ReadRequest rr;
    if (!raw.ok() || !rr.ParseFromString(*raw) || rr.queries_size() != 1 ||
        req.get_header_value("Content-Encoding") != "snappy" ||
        req.get_header_value("X-Prometheus-Remote-Read-Version") != "0.1.0") {
      res.status = 400;
      res.set_content("bad request", "text/plain");
      return;
    }
    const auto& q = rr.queries(0);
    std::vector<testing::TestSeries> cut;
    for (const auto& s : series) {
      testing::TestSeries c = s;
      c.ts.clear();
      c.vs.clear();
      for (size_t i = 0; i < s.ts.size(); ++i) {
        if (s.ts[i] >= q.start_timestamp_ms() && s.ts[i] <= q.end_timestamp_ms()) {
          c.ts.push_back(s.ts[i]);
          c.vs.push_back(s.vs[i]);
        }
      }
      cut.push_back(c);
    }
    bool streamed = streamed_ok && rr.accepted_response_types_size() > 0 &&
                    rr.accepted_response_types(0) == prometheus::ReadRequest::STREAMED_XOR_CHUNKS;
    if (streamed) {
      // Whole chunks (not trimmed), as Prometheus sends them.
      res.set_content(testing::StreamedBody(series, 120),
                      "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse");
    } else {
      res.set_header("Content-Encoding", "snappy");
      res.set_content(SnappyEncode(testing::SamplesMessage(cut)), "application/x-protobuf");
    }
  });
}

TEST(RemoteReadClientTest, StreamedAndSamplesRepliesGiveTheSameAnswer) {
  auto series = testing::MakeSeries(20, 1000, 1'000'000, 1000);
  FakeServer streamed_server, samples_server;
  std::atomic<int> calls{0};
  ServeRemoteRead(streamed_server.server(), series, true, &calls);
  ServeRemoteRead(samples_server.server(), series, false, &calls);
  FetchStats a_stats, b_stats;
  auto a = RemoteReadClient::Create(streamed_server.url("/api/v1/read"), FastOptions());
  auto b = RemoteReadClient::Create(samples_server.url("/api/v1/read"), FastOptions());
  ASSERT_TRUE(a.ok() && b.ok());
  auto sa = (*a)->Fetch(Sel(), 1'100'500, 1'500'000, &a_stats);
  auto sb = (*b)->Fetch(Sel(), 1'100'500, 1'500'000, &b_stats);
  ASSERT_TRUE(sa.ok()) << sa.status().message();
  ASSERT_TRUE(sb.ok()) << sb.status().message();
  EXPECT_EQ(a_stats.response_type, "streamed_xor_chunks");
  EXPECT_EQ(b_stats.response_type, "samples");
  ASSERT_EQ(sa->size(), 20u);
  ASSERT_EQ(sb->size(), 20u);
  EXPECT_EQ(sa->num_samples(), 20u * 400);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(sa->SeriesName(i), sb->SeriesName(i));
    auto ta = sa->timestamps(i);
    auto tb = sb->timestamps(i);
    ASSERT_TRUE(std::equal(ta.begin(), ta.end(), tb.begin(), tb.end()));
    auto va = sa->values(i);
    auto vb = sb->values(i);
    ASSERT_TRUE(std::equal(va.begin(), va.end(), vb.begin(), vb.end()));
    EXPECT_EQ(ta.front(), 1'101'000);
    EXPECT_EQ(ta.back(), 1'500'000);
  }
}

TEST(RemoteReadClientTest, SplitsLongRangesAndMergesInOrder) {
  auto series = testing::MakeSeries(3, 1000, 0, 1000);
  FakeServer server;
  std::atomic<int> calls{0};
  ServeRemoteRead(server.server(), series, false, &calls);
  ClientOptions o = FastOptions();
  o.max_range = std::chrono::milliseconds(100'000);
  o.max_concurrency = 3;
  auto c = RemoteReadClient::Create(server.url("/api/v1/read"), o, ResponseType::kSamples);
  ASSERT_TRUE(c.ok());
  FetchStats st;
  auto s = (*c)->Fetch(Sel(), 0, 999'000, &st);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(calls.load(), 10);
  EXPECT_EQ(st.sub_queries, 10);
  ASSERT_EQ(s->num_samples(), 3000u);
  auto ts = s->timestamps(2);
  for (size_t i = 0; i < ts.size(); ++i) ASSERT_EQ(ts[i], static_cast<int64_t>(i) * 1000);
}

TEST(RemoteReadClientTest, RetriesServerErrorsButNot4xx) {
  FakeServer server;
  std::atomic<int> calls{0};
  server.server().Post("/api/v1/read", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = calls.load() < 3 ? 503 : 400;
    res.set_content(calls.load() < 3 ? "overloaded\n" : "exceeded sample limit (50000000)\n",
                    "text/plain");
  });
  ClientOptions o = FastOptions();
  o.max_retries = 5;
  auto c = RemoteReadClient::Create(server.url("/api/v1/read"), o, ResponseType::kStreamedChunks);
  ASSERT_TRUE(c.ok());
  FetchStats st;
  auto s = (*c)->Fetch(Sel(), 0, 0, &st);  // one ms: cannot be halved
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(calls.load(), 3);
  EXPECT_NE(s.status().message().find("HTTP 400: exceeded sample limit (50000000)"),
            std::string::npos)
      << s.status().message();
}

TEST(RemoteReadClientTest, HalvesTheRangeOnSampleLimit) {
  auto series = testing::MakeSeries(1, 1000, 0, 1000);
  FakeServer server;
  std::atomic<int> calls{0};
  server.server().Post("/api/v1/read", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    auto raw = SnappyDecode(req.body, 1 << 20);
    prometheus::ReadRequest rr;
    ASSERT_TRUE(raw.ok() && rr.ParseFromString(*raw));
    const auto& q = rr.queries(0);
    testing::TestSeries c = series[0];
    c.ts.clear();
    c.vs.clear();
    for (size_t i = 0; i < series[0].ts.size(); ++i) {
      if (series[0].ts[i] >= q.start_timestamp_ms() && series[0].ts[i] <= q.end_timestamp_ms()) {
        c.ts.push_back(series[0].ts[i]);
        c.vs.push_back(series[0].vs[i]);
      }
    }
    if (c.ts.size() > 300) {
      res.status = 400;
      res.set_content("exceeded sample limit (300)", "text/plain");
      return;
    }
    res.set_header("Content-Encoding", "snappy");
    res.set_content(SnappyEncode(testing::SamplesMessage({c})), "application/x-protobuf");
  });
  auto c =
      RemoteReadClient::Create(server.url("/api/v1/read"), FastOptions(), ResponseType::kSamples);
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Fetch(Sel(), 0, 999'000);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->num_samples(), 1000u);
  EXPECT_EQ(calls.load(), 7);  // 1000 -> 2x500 -> 4x250
}

TEST(RemoteReadClientTest, ConnectionRefusedAndTimeoutAreClearErrors) {
  int port;
  {
    FakeServer gone;
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }
  ClientOptions o = FastOptions();
  o.max_retries = 1;
  auto down =
      RemoteReadClient::Create("http://127.0.0.1:" + std::to_string(port) + "/api/v1/read", o);
  ASSERT_TRUE(down.ok());
  FetchStats st;
  auto s = (*down)->Fetch(Sel(), 0, 1000, &st);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("request failed"), std::string::npos) << s.status().message();
  EXPECT_EQ(st.requests, 2);

  FakeServer slow;
  slow.server().Post("/api/v1/read", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  o.timeout = std::chrono::milliseconds(300);
  o.max_retries = 0;
  auto c = RemoteReadClient::Create(slow.url("/api/v1/read"), o);
  ASSERT_TRUE(c.ok());
  auto t0 = std::chrono::steady_clock::now();
  s = (*c)->Fetch(Sel(), 0, 1000);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no reply within the timeout"), std::string::npos)
      << s.status().message();
  EXPECT_LT(took, 1.4);
}

TEST(RemoteReadClientTest, SendsBearerTokenFromFileAndCustomHeaders) {
  std::string token_file = ::testing::TempDir() + "/rr_token";
  std::ofstream(token_file) << "s3cret\n";
  FakeServer server;
  std::string auth, tenant;
  server.server().Post("/api/v1/read", [&](const httplib::Request& req, httplib::Response& res) {
    auth = req.get_header_value("Authorization");
    tenant = req.get_header_value("X-Scope-OrgID");
    res.set_header("Content-Encoding", "snappy");
    res.set_content(SnappyEncode(testing::SamplesMessage({})), "application/x-protobuf");
  });
  ClientOptions o = FastOptions();
  o.bearer_token_file = token_file;
  o.headers = {{"X-Scope-OrgID", "team-a"}};
  auto c = RemoteReadClient::Create(server.url("/api/v1/read"), o);
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Fetch(Sel(), 0, 1000);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->size(), 0u);
  EXPECT_EQ(auth, "Bearer s3cret");
  EXPECT_EQ(tenant, "team-a");
  std::remove(token_file.c_str());

  o.bearer_token_file = "/nonexistent/token";
  auto bad = RemoteReadClient::Create(server.url("/api/v1/read"), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("/nonexistent/token"), std::string::npos);
  EXPECT_FALSE(RemoteReadClient::Create("localhost:9090", FastOptions()).ok());
}

TEST(RemoteReadClientTest, WrongContentTypeIsExplained) {
  FakeServer server;
  server.server().Post("/api/v1/read", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html></html>", "text/html");
  });
  auto c = RemoteReadClient::Create(server.url("/api/v1/read"), FastOptions());
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Fetch(Sel(), 0, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("unexpected reply Content-Type \"text/html\""),
            std::string::npos)
      << s.status().message();
}

TEST(QueryRangeClientTest, RawAndStepModesSendTheRightQueries) {
  FakeServer server;
  std::string query, time, start, end, step;
  auto reply = [&](const httplib::Request& req, httplib::Response& res) {
    query = req.get_param_value("query");
    time = req.get_param_value("time");
    start = req.get_param_value("start");
    end = req.get_param_value("end");
    step = req.get_param_value("step");
    res.set_content(
        R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[10,"1"],[10.5,"2"],[70,"3"]]}]}})",
        "application/json");
  };
  server.server().Post("/api/v1/query", reply);
  server.server().Post("/api/v1/query_range", reply);
  auto raw = QueryRangeClient::Create(server.url(), FastOptions(), std::chrono::milliseconds(0));
  ASSERT_TRUE(raw.ok());
  auto s = (*raw)->Fetch({{MatchType::kRegexMatch, "__name__", "m|n"}}, 10'000, 60'000);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(query, "{__name__=~\"m|n\"}[50001ms]");  // a sample at `start` on left-open stores
  EXPECT_EQ(time, "60.000");
  EXPECT_EQ(s->num_samples(), 2u);  // 70 s is outside the asked range
  auto stepped = QueryRangeClient::Create(server.url(), FastOptions(), std::chrono::seconds(15));
  ASSERT_TRUE(stepped.ok());
  s = (*stepped)->Fetch({{MatchType::kEqual, "__name__", "m"}}, 0, 120'000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(query, "{__name__=\"m\"}");
  EXPECT_EQ(start, "0.000");
  EXPECT_EQ(end, "120.000");
  EXPECT_EQ(step, "15.000");
}

TEST(QueryRangeClientTest, SurfacesTheServersErrorText) {
  FakeServer server;
  server.server().Post("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
    res.status = 422;
    res.set_content(R"({"status":"error","errorType":"execution","error":"query timed out"})",
                    "application/json");
  });
  auto c = QueryRangeClient::Create(server.url(), FastOptions(), std::chrono::milliseconds(0));
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Fetch(Sel(), 0, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("HTTP 422"), std::string::npos);
  EXPECT_NE(s.status().message().find("query timed out"), std::string::npos);
}

TEST(VictoriaExportClientTest, SendsMatchStartEndAndJoinsStreamedSubQueries) {
  FakeServer server;
  std::mutex mu;
  std::vector<std::string> asked;
  server.server().Post("/api/v1/export", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      asked.push_back(req.get_param_value("match[]") + " " + req.get_param_value("start") + " " +
                      req.get_param_value("end"));
    }
    // Every sample 0..119 s each second, sent in small chunks that split lines.
    std::string body;
    for (const char* a : {"x", "y"}) {
      body += std::string(R"({"metric":{"__name__":"m","a":")") + a + R"("},"values":[)";
      for (int i = 0; i < 120; ++i) body += (i ? "," : "") + std::to_string(i);
      body += R"(],"timestamps":[)";
      for (int i = 0; i < 120; ++i) body += (i ? "," : "") + std::to_string(i * 1000);
      body += "]}\n";
    }
    res.set_chunked_content_provider(
        "application/stream+json", [body](size_t offset, httplib::DataSink& sink) {
          if (offset >= body.size()) {
            sink.done();
            return true;
          }
          sink.write(body.data() + offset, std::min<size_t>(17, body.size() - offset));
          return true;
        });
  });
  ClientOptions o = FastOptions();
  o.max_range = std::chrono::seconds(30);
  // One sub-query at a time: Debian's libcpp-httplib 0.11 chunked writer races on a buffer of
  // its own when two handlers stream at once (ThreadSanitizer, in the library, not the client).
  // The join of the two streamed sub-queries is the same either way.
  o.max_concurrency = 1;
  auto c = VictoriaExportClient::Create(server.url(), o);
  ASSERT_TRUE(c.ok());
  FetchStats stats;
  auto s = (*c)->Fetch({{MatchType::kRegexMatch, "__name__", "m|n"}}, 10'000, 69'999, &stats);
  ASSERT_TRUE(s.ok()) << s.status().message();
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"{__name__=~\"m|n\"} 10.000 39.999",
                                             "{__name__=~\"m|n\"} 40.000 69.999"}));
  ASSERT_EQ(s->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(s->timestamps(i).size(), 60u);  // 10..69 s, each once
    EXPECT_EQ(s->timestamps(i).front(), 10'000);
    EXPECT_EQ(s->timestamps(i).back(), 69'000);
    EXPECT_EQ(s->values(i).back(), 69);
  }
  EXPECT_EQ(stats.sub_queries, 2);
  EXPECT_EQ(stats.response_type, "export");
}

TEST(VictoriaExportClientTest, ErrorsNameTheServerAndTheLine) {
  FakeServer server;
  server.server().Post("/api/v1/export", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("match[]") == "{__name__=\"bad\"}") {
      res.status = 400;
      res.set_content("cannot parse matches[]=bad{", "text/plain");
      return;
    }
    res.set_content("{\"metric\":{},\"values\":[1],\"timestamps\":[1]}\n{\"metric\":{}",
                    "application/stream+json");
  });
  auto c = VictoriaExportClient::Create(server.url(), FastOptions());
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Fetch({{MatchType::kEqual, "__name__", "bad"}}, 0, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("HTTP 400"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("cannot parse matches[]=bad{"), std::string::npos);
  EXPECT_NE(s.status().message().find("victoriametrics export " + server.url()), std::string::npos);
  s = (*c)->Fetch(Sel(), 0, 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("export reply line 2: malformed JSON"), std::string::npos)
      << s.status().message();
}

// Resident memory of this process in bytes (VmRSS).
size_t ResidentBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Streams `n` series of 120 samples each, one frame per series, generated while writing.
void ServeManySeries(httplib::Server& s, int n, std::atomic<uint64_t>* bytes_sent) {
  s.Post("/api/v1/read", [=](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
        [=](size_t, httplib::DataSink& sink) {
          for (int k = 0; k < n; ++k) {
            testing::TestSeries one = testing::MakeSeries(1, 120, 1'000'000, 1000)[0];
            one.labels[1].second = std::to_string(k);
            const std::string frame = testing::StreamedBody({one}, 120);
            if (!sink.write(frame.data(), frame.size())) return false;
            *bytes_sent += frame.size();
          }
          sink.done();
          return true;
        });
  });
}

TEST(FetchLimitsTest, TwoHundredThousandSeriesAgainstMaxSeries1000StopWhileDecoding) {
  FakeServer server;
  std::atomic<uint64_t> sent{0};
  ServeManySeries(server.server(), 200'000, &sent);
  ClientOptions o = FastOptions();
  o.timeout = std::chrono::seconds(30);
  o.limits.max_series = 1000;
  auto client = RemoteReadClient::Create(server.url("/api/v1/read"), o);
  ASSERT_TRUE(client.ok());
  const size_t baseline = ResidentBytes();
  std::atomic<bool> done{false};
  std::atomic<size_t> peak{baseline};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), ResidentBytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  FetchStats stats;
  auto r = (*client)->Fetch(Sel(), 0, 10'000'000, &stats);
  done = true;
  sampler.join();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("limit max_series (1000) exceeded"), std::string::npos)
      << r.status().message();
  EXPECT_LT(peak.load() - baseline, size_t{200} << 20);
  // It stopped reading: 200,000 frames are ~300 bytes each; it took far fewer.
  EXPECT_LT(stats.bytes_received, uint64_t{20} << 20) << stats.bytes_received;
}

TEST(FetchLimitsTest, SamplesAndBytesLimitsAreNamed) {
  auto series = testing::MakeSeries(20, 1000, 1'000'000, 1000);
  for (bool streamed : {true, false}) {
    FakeServer server;
    std::atomic<int> calls{0};
    ServeRemoteRead(server.server(), series, streamed, &calls);
    ClientOptions o = FastOptions();
    o.limits.max_samples = 5000;
    auto client = RemoteReadClient::Create(server.url("/api/v1/read"), o);
    auto r = (*client)->Fetch(Sel(), 0, 10'000'000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("limit max_samples (5000) exceeded"), std::string::npos)
        << r.status().message();
    o.limits = FetchLimits();
    o.limits.max_bytes = 10'000;
    auto small = RemoteReadClient::Create(server.url("/api/v1/read"), o);
    auto b = (*small)->Fetch(Sel(), 0, 10'000'000);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.status().message().find("limit max_bytes (10000) exceeded"), std::string::npos)
        << b.status().message();
  }
}

// A server that sends one byte every `gap` until the test ends.
void ServeDrip(httplib::Server& s, std::chrono::milliseconds gap, std::atomic<bool>* stop) {
  s.Post("/api/v1/read", [=](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse",
        [=](size_t, httplib::DataSink& sink) {
          while (!*stop) {
            if (!sink.write("\x01", 1)) return false;
            for (auto t = std::chrono::milliseconds(0); t < gap && !*stop;
                 t += std::chrono::milliseconds(20)) {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
          }
          return false;
        });
  });
}

TEST(FetchLimitsTest, DeadlineAndCancellationEndAFetchFromADrippingServer) {
  FakeServer server;
  std::atomic<bool> stop{false};
  ServeDrip(server.server(), std::chrono::seconds(10), &stop);
  ClientOptions o = FastOptions();
  o.timeout = std::chrono::seconds(60);
  o.max_retries = 0;
  o.limits.deadline = std::chrono::milliseconds(1500);
  auto client = RemoteReadClient::Create(server.url("/api/v1/read"), o);
  auto t0 = std::chrono::steady_clock::now();
  auto r = (*client)->Fetch(Sel(), 0, 10'000'000);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fetch_timeout"), std::string::npos) << r.status().message();
  EXPECT_LT(seconds, 8.0) << "the per-read timeout (60 s) and the drip (10 s) did not hold it";

  auto cancel = std::make_shared<CancelToken>();
  o.limits = FetchLimits();
  o.cancel = cancel;
  auto cancellable = RemoteReadClient::Create(server.url("/api/v1/read"), o);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    cancel->Cancel();
  });
  t0 = std::chrono::steady_clock::now();
  auto c = (*cancellable)->Fetch(Sel(), 0, 10'000'000);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  canceller.join();
  stop = true;
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cancelled"), std::string::npos) << c.status().message();
  EXPECT_LT(seconds, 5.0);
}

TEST(FetchLimitsTest, QueryJsonStopsAtMaxSeries) {
  std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[)";
  for (int k = 0; k < 50; ++k) {
    body += std::string(k ? "," : "") + R"({"metric":{"__name__":"m","k":")" + std::to_string(k) +
            R"("},"values":[[1,"1"]]})";
  }
  body += "]}}";
  SeriesSetBuilder b;
  Status st = DecodeQueryJson(body, 0, 10'000, &b, 10);
  EXPECT_NE(st.message().find("limit max_series (10) exceeded"), std::string::npos) << st.message();
  EXPECT_LE(b.num_series(), 11u);
}

}  // namespace
}  // namespace streamlens::remote_read
