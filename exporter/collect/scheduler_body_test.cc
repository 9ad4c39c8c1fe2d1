// Scrape bodies: plain and gzip bodies carry the same text, and the HTTP server sends them as
// they are (no copy, no compression of its own) with the right headers.
#include <gtest/gtest.h>
#include <httplib.h>

#include <sstream>

#include "common/gunzip_for_test.h"
#include "common/http_server.h"
#include "exporter/collect/scheduler.h"

namespace streamlens::exporter {
namespace {

using namespace std::chrono_literals;

// Emits `n` series of one gauge family, so the snapshot spans many deflate blocks.
class BigCollector : public Collector {
 public:
  BigCollector(std::string name, int n) : name_(std::move(name)), n_(n) {}
  std::string Name() const override { return name_; }
  Status Collect(std::vector<prometheus::MetricFamily>* out) override {
    ++cycle_;
    prometheus::MetricFamily f{name_ + "_offset", "An offset.", prometheus::MetricType::Gauge, {}};
    for (int i = 0; i < n_; ++i) {
      prometheus::ClientMetric m;
      m.label = {{"partition", std::to_string(i)}, {"topic", "t\"q"}};
      m.gauge.value = i * 1000.0 + cycle_;
      f.metric.push_back(std::move(m));
    }
    out->push_back(std::move(f));
    return Status::Ok();
  }

 private:
  std::string name_;
  int n_;
  int cycle_ = 0;
};

std::string Join(const SharedBody& b) {
  std::string s;
  for (const auto& p : b.pieces) s += *p;
  return s;
}

std::ostringstream& NullLog() {
  static std::ostringstream log;
  return log;
}

TEST(SchedulerBodyTest, GzipBodyDecompressesToThePlainBody) {
  CollectionScheduler s({.interval = 30s},
                        Logger(&NullLog(), LogLevel::kError, LogFormat::kLogfmt));
  s.Add(std::make_unique<BigCollector>("a", 20000));
  s.Add(std::make_unique<BigCollector>("b", 3));
  ASSERT_TRUE(s.CollectOnce());
  const std::string extra = "# HELP p Process.\n# TYPE p gauge\np 1\n";
  const SharedBody plain = s.Body(false, extra);
  const SharedBody gz = s.Body(true, extra);
  EXPECT_EQ(plain.content_encoding, "");
  EXPECT_EQ(gz.content_encoding, "gzip");
  std::string expected;
  s.AppendText(&expected);
  expected += extra;
  EXPECT_EQ(Join(plain), expected);
  EXPECT_EQ(Gunzip(Join(gz)), expected);
  EXPECT_LT(Join(gz).size(), expected.size() / 5);
  EXPECT_NE(expected.find("a_offset{partition=\"19999\",topic=\"t\\\"q\"} 19999001"),
            std::string::npos);
  // The snapshot is shared with the body, not copied: two bodies point at the same bytes.
  EXPECT_EQ(s.Body(false, "").pieces[0].get(), plain.pieces[0].get());
  EXPECT_EQ(s.Body(true, "").pieces[1].get(), gz.pieces[1].get());
  // A body outlives the next collection (an in-flight scrape keeps its snapshot).
  ASSERT_TRUE(s.CollectOnce());
  EXPECT_EQ(Join(plain), expected);
  EXPECT_NE(Join(s.Body(false, "")).find("} 19999002"), std::string::npos);
}

TEST(SchedulerBodyTest, GzipLevelZeroServesPlainText) {
  CollectionScheduler s({.interval = 30s, .gzip_level = 0},
                        Logger(&NullLog(), LogLevel::kError, LogFormat::kLogfmt));
  s.Add(std::make_unique<BigCollector>("a", 10));
  ASSERT_TRUE(s.CollectOnce());
  const SharedBody b = s.Body(true, "");
  EXPECT_EQ(b.content_encoding, "");
  EXPECT_NE(Join(b).find("a_offset{partition=\"9\",topic=\"t\\\"q\"} 9001"), std::string::npos);
}

TEST(SchedulerBodyTest, BeforeTheFirstCollectionTheBodyHasOnlySelfMetrics) {
  CollectionScheduler s({.interval = 30s},
                        Logger(&NullLog(), LogLevel::kError, LogFormat::kLogfmt));
  s.Add(std::make_unique<BigCollector>("a", 10));
  const SharedBody gz = s.Body(true, "x 1\n");
  const std::string text = Gunzip(Join(gz));
  EXPECT_EQ(text.find("a_offset"), std::string::npos);
  EXPECT_NE(text.find("streamlens_exporter_collect_failures_total{collector=\"a\"} 0"),
            std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 4), "x 1\n");
}

TEST(SchedulerBodyTest, HttpServerSendsPlainOrGzipBodyAsIs) {
  CollectionScheduler s({.interval = 30s},
                        Logger(&NullLog(), LogLevel::kError, LogFormat::kLogfmt));
  s.Add(std::make_unique<BigCollector>("a", 20000));
  ASSERT_TRUE(s.CollectOnce());
  HttpServerOptions o;
  o.listen_address = "127.0.0.1:0";
  auto server = HttpServer::Create(o, Logger(&NullLog(), LogLevel::kError, LogFormat::kLogfmt));
  ASSERT_TRUE(server.ok()) << server.status().message();
  (*server)->SetMetricsBodyProvider([&s](bool gzip) { return s.Body(gzip, "tail 1\n"); });
  ASSERT_TRUE((*server)->Start().ok());
  std::string expected;
  s.AppendText(&expected);
  expected += "tail 1\n";

  httplib::Client cli("127.0.0.1", (*server)->port());
  cli.set_decompress(false);  // see the bytes on the wire
  auto plain = cli.Get("/metrics");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  EXPECT_EQ(plain->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_EQ(plain->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(plain->body, expected);

  // What Prometheus sends.
  auto gz = cli.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz->get_header_value("Content-Length"), std::to_string(gz->body.size()));
  EXPECT_EQ(Gunzip(gz->body), expected);

  // httplib would brotli-compress a text body on its own (minutes for 10 MB); the provider's
  // body is sent as is, so a br-only client gets plain text.
  auto br = cli.Get("/metrics", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(br);
  EXPECT_FALSE(br->has_header("Content-Encoding"));
  EXPECT_EQ(br->body, expected);
  auto refused = cli.Get("/metrics", {{"Accept-Encoding", "gzip;q=0, identity"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->body, expected);
  (*server)->Stop();
}

TEST(SchedulerBodyTest, AcceptsGzipParsesAcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("identity, GZIP"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br"));
  EXPECT_FALSE(AcceptsGzip("deflate, identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_FALSE(AcceptsGzip("gzipx"));
}

}  // namespace
}  // namespace streamlens::exporter
