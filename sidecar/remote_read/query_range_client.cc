#include "sidecar/remote_read/query_range_client.h"

#include <chrono>
#include <cstdio>

#include "sidecar/remote_read/http_transport.h"
#include "sidecar/remote_read/query_json.h"
#include "sidecar/remote_read/range_split.h"

namespace streamlens::remote_read {

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class JsonSink final : public ReplySink {
 public:
  explicit JsonSink(size_t max_bytes) : max_bytes_(max_bytes) {}
  Status Begin(const std::string& content_type) override {
    if (content_type.find("json") == std::string::npos) {
      return Status::Error("unexpected reply Content-Type \"" + content_type +
                           "\" (expected JSON; is the URL the server's base URL?)");
    }
    return Status::Ok();
  }
  Status Data(std::string_view piece) override {
    if (body.size() + piece.size() > max_bytes_) {
      return Status::Error("reply larger than the limit of " + std::to_string(max_bytes_) +
                           " bytes");
    }
    body.append(piece);
    return Status::Ok();
  }
  Status End() override { return Status::Ok(); }
  std::string body;

 private:
  size_t max_bytes_;
};

}  // namespace

std::string FormEscape(std::string_view s) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormatApiTime(int64_t ms) {
  char buf[40];
  int64_t abs = ms < 0 ? -ms : ms;
  std::snprintf(buf, sizeof(buf), "%s%lld.%03lld", ms < 0 ? "-" : "",
                static_cast<long long>(abs / 1000), static_cast<long long>(abs % 1000));
  return buf;
}

QueryRangeClient::~QueryRangeClient() = default;

Result<std::unique_ptr<QueryRangeClient>> QueryRangeClient::Create(const std::string& base_url,
                                                                   const ClientOptions& options,
                                                                   std::chrono::milliseconds step) {
  if (step.count() < 0) return Status::Error("query_range step must be >= 0");
  auto t = HttpTransport::Create(base_url, options);
  if (!t.ok()) return t.status();
  std::unique_ptr<QueryRangeClient> c(new QueryRangeClient());
  c->transport_ = std::move(*t);
  c->options_ = options;
  c->step_ms_ = step.count();
  return c;
}

std::string QueryRangeClient::Describe() const {
  return std::string(step_ms_ > 0 ? "query_range " : "query ") + transport_->url();
}

Result<SeriesSet> QueryRangeClient::FetchOne(const std::string& selector, int64_t start_ms,
                                             int64_t end_ms, FetchStats* stats,
                                             FetchBudget* budget) {
  HttpRequest req;
  req.method = "POST";
  req.content_type = "application/x-www-form-urlencoded";
  if (!options_.accept_gzip) req.headers.emplace_back("Accept-Encoding", "identity");
  if (step_ms_ > 0) {
    req.path = "/api/v1/query_range";
    req.body = "query=" + FormEscape(selector) + "&start=" + FormatApiTime(start_ms) +
               "&end=" + FormatApiTime(end_ms) + "&step=" + FormatApiTime(step_ms_);
  } else {
    // The range selector covers [time - range, time] in Prometheus 2.x but (time - range, time]
    // in VictoriaMetrics, which would drop a sample exactly at `start`: one millisecond more
    // keeps it on both, and samples outside [start, end] are dropped while decoding.
    int64_t range = std::max<int64_t>(1, end_ms - start_ms + 1);
    req.path = "/api/v1/query";
    req.body = "query=" + FormEscape(selector + "[" + std::to_string(range) + "ms]") +
               "&time=" + FormatApiTime(end_ms);
  }
  std::unique_ptr<JsonSink> sink;
  Status st = transport_->Send(
      req,
      [&]() -> ReplySink* {
        sink = std::make_unique<JsonSink>(options_.max_body_bytes);
        return sink.get();
      },
      stats, budget);
  if (!st.ok()) {
    // The API reports bad queries as 400/422 with a JSON error body; surface its text.
    return st;
  }
  auto t0 = Clock::now();
  SeriesSetBuilder builder;
  st = DecodeQueryJson(sink->body, start_ms, end_ms, &builder, options_.limits.max_series,
                       options_.limits.max_samples);
  sink.reset();
  if (!st.ok()) return st;
  auto out = builder.Finish();
  if (stats) stats->decode_seconds += Seconds(Clock::now() - t0);
  return out;
}

Result<SeriesSet> QueryRangeClient::Fetch(const std::vector<Matcher>& matchers, int64_t start_ms,
                                          int64_t end_ms, FetchStats* stats) {
  if (matchers.empty()) return Status::Error("query needs at least one matcher");
  auto out = FetchSelector(
      matchers, start_ms, end_ms, options_, step_ms_, step_ms_ > 0 ? "query_range" : "query",
      [this](const std::string& selector, int64_t s, int64_t e, FetchStats* st, FetchBudget* b) {
        return FetchOne(selector, s, e, st, b);
      },
      stats);
  if (!out.ok()) return out.status().WithContext(Describe());
  return out;
}

}  // namespace streamlens::remote_read
