// Remote read (streamed chunks and samples) and the query API client against a real Prometheus
// over a backfilled TSDB: every answer must equal, sample for sample, the data that was
// backfilled (which Prometheus' own /api/v1/query also returns, checked via the raw query mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "sidecar/remote_read/matcher.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/remote_read_client.h"
#include "tests/remote_read/prometheus_fixture.h"

namespace streamlens::remote_read {
namespace {

using testing::PrometheusProcess;
using testing::TruthSeries;

constexpr int kSeries = 200;
constexpr int kDays = 3;
constexpr int64_t kSampleLimit = 200'000;

class PrometheusRemoteReadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new ::streamlens::testing::TempDir();
    dir_ = new std::string(tmp_->path());
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    base_ms_ = (now - 4 * 86'400'000) / 3'600'000 * 3'600'000;
    truth_ = new std::vector<TruthSeries>(testing::GenerateHistory(kSeries, kDays, base_ms_));
    std::string data = *dir_ + "/data";
    error_ = new std::string();
    std::vector<std::string> files = testing::WriteOpenMetrics(*truth_, *dir_);
    if (files.empty()) {
      *error_ = "cannot write OpenMetrics files to " + *dir_;
      return;
    }
    prom_ = new PrometheusProcess();
    if (!prom_->Backfill(files, data, error_)) return;
    for (const std::string& f : files) std::filesystem::remove(f);
    prom_->Start(data, {"--storage.remote.read-sample-limit=" + std::to_string(kSampleLimit)},
                 error_);
  }
  static void TearDownTestSuite() {
    delete prom_;
    delete dir_;
    delete tmp_;
    delete truth_;
    delete error_;
  }
  void SetUp() override {
    if (!error_->empty()) GTEST_FAIL() << *error_;
  }

  static ClientOptions Options() {
    ClientOptions o;
    o.timeout = std::chrono::seconds(30);
    o.retry_min_backoff = std::chrono::milliseconds(10);
    return o;
  }

  // The backfilled samples that `matchers` select in [start, end].
  static std::vector<const TruthSeries*> Expected(const std::vector<Matcher>& matchers) {
    std::vector<const TruthSeries*> out;
    for (const TruthSeries& s : *truth_) {
      bool ok = true;
      for (const Matcher& m : matchers) {
        std::string v;
        for (const auto& [n, val] : s.labels) {
          if (n == m.name) v = val;
        }
        switch (m.type) {
          case MatchType::kEqual:
            ok = ok && v == m.value;
            break;
          case MatchType::kNotEqual:
            ok = ok && v != m.value;
            break;
          case MatchType::kRegexMatch:
            ok = ok && std::regex_match(v, std::regex(m.value));
            break;
          case MatchType::kRegexNoMatch:
            ok = ok && !std::regex_match(v, std::regex(m.value));
            break;
        }
      }
      if (ok) out.push_back(&s);
    }
    return out;
  }

  static void ExpectEqualsTruth(const SeriesSet& got, const std::vector<Matcher>& matchers,
                                int64_t start, int64_t end, const std::string& what) {
    size_t want_series = 0, want_samples = 0;
    for (const TruthSeries* s : Expected(matchers)) {
      size_t lo = std::lower_bound(s->ts.begin(), s->ts.end(), start) - s->ts.begin();
      size_t hi = std::upper_bound(s->ts.begin(), s->ts.end(), end) - s->ts.begin();
      if (hi <= lo) continue;
      ++want_series;
      want_samples += hi - lo;
      std::vector<Label> labels;
      for (const auto& [n, v] : s->labels) labels.push_back({n, v});
      ptrdiff_t k = got.Find(labels);
      ASSERT_GE(k, 0) << what << ": missing series " << labels[2].value;
      auto ts = got.timestamps(k);
      auto vs = got.values(k);
      ASSERT_EQ(ts.size(), hi - lo) << what << ": " << got.SeriesName(k);
      for (size_t i = 0; i < ts.size(); ++i) {
        ASSERT_EQ(ts[i], s->ts[lo + i]) << what << ": " << got.SeriesName(k) << " sample " << i;
        double a = vs[i], b = s->vs[lo + i];
        ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b)))
            << what << ": " << got.SeriesName(k) << " at " << ts[i] << ": " << a << " vs " << b;
      }
    }
    EXPECT_EQ(got.size(), want_series) << what;
    EXPECT_EQ(got.num_samples(), want_samples) << what;
  }

  static ::streamlens::testing::TempDir* tmp_;
  static std::string* dir_;
  static std::string* error_;
  static std::vector<TruthSeries>* truth_;
  static PrometheusProcess* prom_;
  static int64_t base_ms_;
};

::streamlens::testing::TempDir* PrometheusRemoteReadTest::tmp_ = nullptr;
std::string* PrometheusRemoteReadTest::dir_ = nullptr;
std::string* PrometheusRemoteReadTest::error_ = nullptr;
std::vector<TruthSeries>* PrometheusRemoteReadTest::truth_ = nullptr;
PrometheusProcess* PrometheusRemoteReadTest::prom_ = nullptr;
int64_t PrometheusRemoteReadTest::base_ms_ = 0;

TEST_F(PrometheusRemoteReadTest, EverySourceReturnsExactlyTheStoredSamples) {
  const char* selectors[] = {
      R"(rr_gauge{group="g1"})",
      R"(rr_requests_total)",
      R"({__name__=~"rr_.*",group=~"g[23]"})",
      R"(rr_gauge{group!="g0",instance!~"0[0-4].*"})",
      R"({__name__="rr_gauge",zone!=""})",
  };
  const std::pair<int64_t, int64_t> ranges[] = {
      {base_ms_ - 3'600'000, base_ms_ + 4 * 86'400'000},  // everything
      // Cuts through chunks at both ends (chunks hold ~120 samples = 2 h here).
      {base_ms_ + 5 * 3'600'000 + 17 * 60'000 + 12'345,
       base_ms_ + 86'400'000 + 3 * 3'600'000 + 41'500},
      {base_ms_ + 7'200'000 + 250, base_ms_ + 7'200'000 + 250},  // a single sampled instant
  };
  auto streamed = RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", Options(),
                                           ResponseType::kStreamedChunks);
  auto samples = RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", Options(),
                                          ResponseType::kSamples);
  auto query = QueryRangeClient::Create(prom_->base_url(), Options(), std::chrono::milliseconds(0));
  ASSERT_TRUE(streamed.ok() && samples.ok() && query.ok());
  std::pair<const char*, Source*> sources[] = {
      {"streamed", streamed->get()}, {"samples", samples->get()}, {"query", query->get()}};
  for (const char* sel : selectors) {
    auto m = ParseSelector(sel);
    ASSERT_TRUE(m.ok()) << m.status().message();
    for (const auto& [start, end] : ranges) {
      for (const auto& [name, src] : sources) {
        FetchStats stats;
        auto got = src->Fetch(*m, start, end, &stats);
        std::string what = std::string(name) + " " + sel + " [" + std::to_string(start) + "," +
                           std::to_string(end) + "]";
        ASSERT_TRUE(got.ok()) << what << ": " << got.status().message();
        ExpectEqualsTruth(*got, *m, start, end, what);
        if (std::string(name) == "streamed") EXPECT_EQ(stats.response_type, "streamed_xor_chunks");
        if (std::string(name) == "samples") EXPECT_EQ(stats.response_type, "samples");
      }
    }
  }
}

TEST_F(PrometheusRemoteReadTest, AutoNegotiatesStreamedChunks) {
  auto c = RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", Options());
  ASSERT_TRUE(c.ok());
  FetchStats stats;
  auto m = ParseSelector("rr_gauge");
  auto got = (*c)->Fetch(*m, base_ms_, base_ms_ + 86'400'000, &stats);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(stats.response_type, "streamed_xor_chunks");
  ExpectEqualsTruth(*got, *m, base_ms_, base_ms_ + 86'400'000, "auto");
}

TEST_F(PrometheusRemoteReadTest, SampleLimitIsSurfacedOrAvoidedByHalving) {
  auto m = ParseSelector("{__name__=~\"rr_.*\"}");
  ClientOptions o = Options();
  o.max_range = std::chrono::milliseconds(0);  // one query for 3 days: ~860k samples > limit
  o.split_on_sample_limit = false;
  auto strict =
      RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", o, ResponseType::kSamples);
  ASSERT_TRUE(strict.ok());
  FetchStats stats;
  auto got = (*strict)->Fetch(*m, base_ms_, base_ms_ + 4 * 86'400'000, &stats);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("HTTP 400: exceeded sample limit (200000)"),
            std::string::npos)
      << got.status().message();
  EXPECT_EQ(stats.requests, 1);  // 4xx: no retry

  o.split_on_sample_limit = true;
  auto halving =
      RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", o, ResponseType::kSamples);
  ASSERT_TRUE(halving.ok());
  got = (*halving)->Fetch(*m, base_ms_, base_ms_ + 4 * 86'400'000, &stats);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_GT(stats.requests, 4);
  ExpectEqualsTruth(*got, *m, base_ms_, base_ms_ + 4 * 86'400'000, "halving");
}

TEST_F(PrometheusRemoteReadTest, QueryRangeStepModeIsUnchangedBySplitting) {
  auto m = ParseSelector("rr_gauge{group=\"g2\"}");
  ClientOptions whole = Options();
  whole.max_range = std::chrono::milliseconds(0);
  ClientOptions split = Options();
  split.max_range = std::chrono::hours(5);
  split.max_concurrency = 3;
  auto a = QueryRangeClient::Create(prom_->base_url(), whole, std::chrono::seconds(60));
  auto b = QueryRangeClient::Create(prom_->base_url(), split, std::chrono::seconds(60));
  ASSERT_TRUE(a.ok() && b.ok());
  int64_t start = base_ms_ + 3 * 3'600'000 + 7'000, end = base_ms_ + 2 * 86'400'000;
  auto sa = (*a)->Fetch(*m, start, end);
  FetchStats stats;
  auto sb = (*b)->Fetch(*m, start, end, &stats);
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_GE(stats.sub_queries, 9);
  ASSERT_EQ(sa->size(), sb->size());
  ASSERT_GT(sa->num_samples(), 10'000u);
  for (size_t i = 0; i < sa->size(); ++i) {
    ASSERT_EQ(sa->SeriesName(i), sb->SeriesName(i));
    auto ta = sa->timestamps(i), tb = sb->timestamps(i);
    ASSERT_TRUE(std::equal(ta.begin(), ta.end(), tb.begin(), tb.end())) << sa->SeriesName(i);
    for (int64_t t : ta) ASSERT_EQ((t - start) % 60'000, 0);
  }
}

TEST_F(PrometheusRemoteReadTest, ServerDownAndStalledServerGiveClearErrors) {
  ClientOptions o = Options();
  o.max_retries = 1;
  o.timeout = std::chrono::milliseconds(700);
  auto down = RemoteReadClient::Create(
      "http://127.0.0.1:" + std::to_string(::streamlens::testing::FreePort()) + "/api/v1/read", o);
  ASSERT_TRUE(down.ok());
  auto m = ParseSelector("rr_gauge");
  FetchStats stats;
  auto got = (*down)->Fetch(*m, base_ms_, base_ms_ + 3'600'000, &stats);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("request failed: Connection"), std::string::npos)
      << got.status().message();
  EXPECT_EQ(stats.requests, 2);

  o.max_retries = 0;
  auto c = RemoteReadClient::Create(prom_->base_url() + "/api/v1/read", o);
  ASSERT_TRUE(c.ok());
  prom_->Pause();
  auto t0 = std::chrono::steady_clock::now();
  got = (*c)->Fetch(*m, base_ms_, base_ms_ + 3'600'000);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  prom_->Resume();
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("no reply within the timeout"), std::string::npos)
      << got.status().message();
  EXPECT_LT(took, 5.0);
}

// The user-facing command, when the sidecar binary has been built.
TEST_F(PrometheusRemoteReadTest, ExportCommandWritesTheStoredSamples) {
  const char* bin_dir = std::getenv("STREAMLENS_BIN_DIR");
  std::string bin = bin_dir ? std::string(bin_dir) + "/streamlens-sidecar" : "";
  if (bin.empty() || !std::filesystem::exists(bin)) {
    GTEST_SKIP() << "streamlens-sidecar not built (STREAMLENS_BIN_DIR=" << (bin_dir ? bin_dir : "")
                 << ")";
  }
  const std::string sel = "rr_gauge{group=\"g4\",zone=\"\"}";
  int64_t start = base_ms_ + 3'600'000 + 500, end = base_ms_ + 30 * 3'600'000;
  struct Case {
    std::string args;
  } cases[] = {
      {"--source " + prom_->base_url() + "/api/v1/read"},
      {"--source " + prom_->base_url() + "/api/v1/read --remote-read.response-type samples"},
      {"--source " + prom_->base_url() + " --source-type query-range"}};
  auto m = ParseSelector(sel);
  for (const Case& c : cases) {
    std::string cmd = bin + " export " + c.args + " --match '" + sel + "' --start " +
                      std::to_string(start / 1000) + ".5 --end " + std::to_string(end / 1000) +
                      " 2>" + *dir_ + "/export.err";
    const auto run = ::streamlens::testing::RunShell(cmd, std::chrono::minutes(5));
    ASSERT_EQ(run.exit_code, 0) << cmd;
    const std::string& out = run.output;
    // Rebuild a SeriesSet from the CSV and compare with the truth.
    SeriesSetBuilder b;
    std::istringstream in(out);
    std::string line;
    std::getline(in, line);
    ASSERT_EQ(line, "series,timestamp_ms,value");
    std::string current;
    while (std::getline(in, line)) {
      size_t q = line.rfind("\",");
      ASSERT_NE(q, std::string::npos) << line;
      std::string series = line.substr(1, q - 1);
      std::string rest = line.substr(q + 2);
      size_t comma = rest.find(',');
      if (series != current) {
        current = series;
        // series text: rr_gauge{group=""g4"",instance=""..."",...} (CSV-doubled quotes)
        std::vector<Label> labels = {{"__name__", "rr_gauge"}};
        std::string body = series.substr(series.find('{') + 1);
        body.pop_back();
        std::regex kv(R"re(([a-z_]+)=""((?:[^"]|"""")*)"")re");
        for (std::sregex_iterator it(body.begin(), body.end(), kv), e; it != e; ++it) {
          labels.push_back({(*it)[1], (*it)[2]});
        }
        ASSERT_TRUE(b.BeginSeries(labels).ok());
      }
      b.Append(std::stoll(rest.substr(0, comma)), std::strtod(rest.c_str() + comma + 1, nullptr));
    }
    auto set = b.Finish();
    ASSERT_TRUE(set.ok());
    ExpectEqualsTruth(*set, *m, start, end, "export " + c.args);
    std::ifstream err(*dir_ + "/export.err");
    std::string summary;
    std::getline(err, summary);
    std::string want = "export: series=" + std::to_string(set->size()) +
                       " samples=" + std::to_string(set->num_samples()) + " fetch_seconds=";
    EXPECT_EQ(summary.rfind(want, 0), 0u) << summary;
  }
}

// Runs a shell command; returns its exit code.
int Sh(const std::string& cmd) { return ::streamlens::testing::RunShell(cmd).exit_code; }

// The same TSDB behind Prometheus' own --web.config.file: TLS with a private CA, required client
// certificates, and basic auth (bcrypt). Both source types must read it exactly with the right
// credentials, and fail with an error naming the cause (never retrying a 401) without them.
TEST_F(PrometheusRemoteReadTest, TlsClientCertificatesAndBasicAuth) {
  // As the daemons and the CLI do (common/daemon.h): a TLS peer closing its end must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string d = *dir_ + "/secure";
  std::filesystem::create_directories(d + "/data");
  // Immutable blocks only (ULID-named directories); the running server keeps its WAL and lock.
  for (const auto& e : std::filesystem::directory_iterator(*dir_ + "/data")) {
    if (e.is_directory() && e.path().filename().string().size() == 26) {
      std::filesystem::copy(e.path(), d + "/data/" + e.path().filename().string(),
                            std::filesystem::copy_options::recursive);
    }
  }
  auto F = [&](const std::string& n) { return d + "/" + n; };
  ASSERT_EQ(Sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout " +
               F("ca.key") + " -out " + F("ca.crt")),
            0);
  ASSERT_EQ(Sh("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + F("srv.key") +
               " -out " + F("srv.csr")),
            0);
  std::ofstream(F("san.ext")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  ASSERT_EQ(Sh("openssl x509 -req -in " + F("srv.csr") + " -CA " + F("ca.crt") + " -CAkey " +
               F("ca.key") + " -CAcreateserial -days 2 -extfile " + F("san.ext") + " -out " +
               F("srv.crt")),
            0);
  ASSERT_EQ(Sh("openssl req -newkey rsa:2048 -nodes -subj /CN=sidecar -keyout " + F("cli.key") +
               " -out " + F("cli.csr")),
            0);
  ASSERT_EQ(Sh("openssl x509 -req -in " + F("cli.csr") + " -CA " + F("ca.crt") + " -CAkey " +
               F("ca.key") + " -CAcreateserial -days 2 -out " + F("cli.crt")),
            0);
  ASSERT_EQ(
      std::system(
          ("htpasswd -nbBC 6 reader s3cret | cut -d: -f2 | tr -d '\\n' > " + F("hash")).c_str()),
      0);
  std::ifstream hin(F("hash"));
  std::string hash((std::istreambuf_iterator<char>(hin)), {});
  ASSERT_EQ(hash.rfind("$2", 0), 0u) << hash;
  std::ofstream(F("web.yml")) << "tls_server_config:\n  cert_file: " << F("srv.crt")
                              << "\n  key_file: " << F("srv.key")
                              << "\n  client_ca_file: " << F("ca.crt")
                              << "\n  client_auth_type: RequireAndVerifyClientCert\n"
                              << "basic_auth_users:\n  reader: '" << hash << "'\n";
  std::ofstream(F("password")) << "s3cret\n";
  std::ofstream(F("wrong")) << "guess\n";

  PrometheusProcess secure;
  std::string error;
  ASSERT_TRUE(secure.Start(d + "/data", {"--web.config.file=" + F("web.yml")}, &error, true))
      << error;
  const std::string base = "https://127.0.0.1:" + std::to_string(secure.port());

  ClientOptions good = Options();
  good.tls_ca_file = F("ca.crt");
  good.tls_cert_file = F("cli.crt");
  good.tls_key_file = F("cli.key");
  good.basic_auth_username = "reader";
  good.basic_auth_password_file = F("password");
  auto m = ParseSelector(R"(rr_gauge{group=~"g[12]"})");
  ASSERT_TRUE(m.ok());
  const int64_t start = base_ms_ + 3'600'000 + 17, end = base_ms_ + 40 * 3'600'000;
  {
    auto rr = RemoteReadClient::Create(base + "/api/v1/read", good);
    auto qr = QueryRangeClient::Create(base, good, std::chrono::milliseconds(0));
    ASSERT_TRUE(rr.ok() && qr.ok());
    FetchStats stats;
    auto got = (*rr)->Fetch(*m, start, end, &stats);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(stats.response_type, "streamed_xor_chunks");
    ExpectEqualsTruth(*got, *m, start, end, "remote read over mTLS + basic auth");
    auto got_q = (*qr)->Fetch(*m, start, end, nullptr);
    ASSERT_TRUE(got_q.ok()) << got_q.status().message();
    ExpectEqualsTruth(*got_q, *m, start, end, "query API over mTLS + basic auth");
  }
  struct Bad {
    std::string what;
    ClientOptions options;
    std::string expect;  // substring of the error
  };
  std::vector<Bad> bad;
  {
    ClientOptions o = good;
    o.basic_auth_password_file = F("wrong");
    bad.push_back({"wrong password", o, "401"});
  }
  {
    ClientOptions o = good;
    o.basic_auth_username.clear();
    o.basic_auth_password_file.clear();
    bad.push_back({"no credentials", o, "401"});
  }
  {
    ClientOptions o = good;
    o.tls_ca_file.clear();  // system CAs do not know our private CA
    bad.push_back({"unknown CA", o, "did not verify against the system CA store"});
  }
  {
    ClientOptions o = good;
    o.tls_cert_file.clear();
    o.tls_key_file.clear();
    bad.push_back({"no client certificate", o, "client certificate"});
  }
  {
    ClientOptions o = good;
    o.basic_auth_password_file = F("missing-file");
    bad.push_back({"unreadable password file", o, "missing-file"});
  }
  for (Bad& b : bad) {
    b.options.max_retries = 1;
    auto rr = RemoteReadClient::Create(base + "/api/v1/read", b.options);
    if (!rr.ok()) {  // configuration errors may be caught when the client is built
      EXPECT_NE(rr.status().message().find(b.expect), std::string::npos)
          << b.what << ": " << rr.status().message();
      continue;
    }
    FetchStats stats;
    auto got = (*rr)->Fetch(*m, start, end, &stats);
    ASSERT_FALSE(got.ok()) << b.what;
    EXPECT_NE(got.status().message().find(b.expect), std::string::npos)
        << b.what << ": " << got.status().message();
    // The secret itself never appears in an error.
    EXPECT_EQ(got.status().message().find("s3cret"), std::string::npos) << b.what;
    EXPECT_EQ(got.status().message().find("guess"), std::string::npos) << b.what;
    if (b.what != "no client certificate") {
      // A 4xx and a certificate that does not verify are not retried: retrying cannot help.
      EXPECT_EQ(stats.retries, 0) << b.what << ": " << got.status().message();
    }
  }
}

}  // namespace
}  // namespace streamlens::remote_read
