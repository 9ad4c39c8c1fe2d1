#include "sidecar/remote_read/victoria_export_client.h"

#include <chrono>

#include "sidecar/remote_read/export_json.h"
#include "sidecar/remote_read/http_transport.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/range_split.h"

namespace streamlens::remote_read {

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// One attempt's reply, decoded line by line as it arrives.
class ExportSink final : public ReplySink {
 public:
  ExportSink(int64_t start_ms, int64_t end_ms, const ClientOptions& o)
      : decoder_(start_ms, end_ms, &builder_,
                 ExportDecodeLimits{o.limits.max_series, o.limits.max_samples, o.max_frame_bytes}),
        max_bytes_(o.max_body_bytes) {}
  Status Begin(const std::string& content_type) override {
    if (content_type.find("json") == std::string::npos) {
      return Status::Error("unexpected reply Content-Type \"" + content_type +
                           "\" (expected JSON lines; is the URL VictoriaMetrics' base URL?)");
    }
    return Status::Ok();
  }
  Status Data(std::string_view piece) override {
    bytes_ += piece.size();
    if (bytes_ > max_bytes_) {
      return Status::Error("reply larger than the limit of " + std::to_string(max_bytes_) +
                           " bytes");
    }
    auto t0 = Clock::now();
    Status st = decoder_.Feed(piece);
    decode_ += Clock::now() - t0;
    return st;
  }
  Status End() override {
    auto t0 = Clock::now();
    Status st = decoder_.Finish();
    decode_ += Clock::now() - t0;
    return st;
  }
  SeriesSetBuilder& builder() { return builder_; }
  Clock::duration decode_time() const { return decode_; }

 private:
  SeriesSetBuilder builder_;
  ExportJsonDecoder decoder_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  Clock::duration decode_{};
};

}  // namespace

VictoriaExportClient::~VictoriaExportClient() = default;

Result<std::unique_ptr<VictoriaExportClient>> VictoriaExportClient::Create(
    const std::string& base_url, const ClientOptions& options) {
  auto t = HttpTransport::Create(base_url, options);
  if (!t.ok()) return t.status();
  std::unique_ptr<VictoriaExportClient> c(new VictoriaExportClient());
  c->transport_ = std::move(*t);
  c->options_ = options;
  return c;
}

std::string VictoriaExportClient::Describe() const {
  return "victoriametrics export " + transport_->url();
}

Result<SeriesSet> VictoriaExportClient::FetchOne(const std::string& selector, int64_t start_ms,
                                                 int64_t end_ms, FetchStats* stats,
                                                 FetchBudget* budget) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/v1/export";
  req.content_type = "application/x-www-form-urlencoded";
  if (!options_.accept_gzip) req.headers.emplace_back("Accept-Encoding", "identity");
  // VictoriaMetrics' export range is closed on both ends, in milliseconds.
  req.body = "match[]=" + FormEscape(selector) + "&start=" + FormatApiTime(start_ms) +
             "&end=" + FormatApiTime(end_ms);
  std::unique_ptr<ExportSink> sink;
  Status st = transport_->Send(
      req,
      [&]() -> ReplySink* {
        sink = std::make_unique<ExportSink>(start_ms, end_ms, options_);
        return sink.get();
      },
      stats, budget);
  if (!st.ok()) return st;
  auto t0 = Clock::now();
  auto out = sink->builder().Finish();
  if (stats) stats->decode_seconds += Seconds(sink->decode_time() + (Clock::now() - t0));
  return out;
}

Result<SeriesSet> VictoriaExportClient::Fetch(const std::vector<Matcher>& matchers,
                                              int64_t start_ms, int64_t end_ms, FetchStats* stats) {
  if (matchers.empty()) return Status::Error("export needs at least one matcher");
  auto out = FetchSelector(
      matchers, start_ms, end_ms, options_, 0, "export",
      [this](const std::string& selector, int64_t s, int64_t e, FetchStats* st, FetchBudget* b) {
        return FetchOne(selector, s, e, st, b);
      },
      stats);
  if (!out.ok()) return out.status().WithContext(Describe());
  return out;
}

}  // namespace streamlens::remote_read
