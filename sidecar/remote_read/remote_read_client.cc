#include "sidecar/remote_read/remote_read_client.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>

#include "sidecar/remote_read/http_transport.h"
#include "sidecar/remote_read/range_split.h"
#include "sidecar/remote_read/remote_read.pb.h"
#include "sidecar/remote_read/wire_decoder.h"

namespace streamlens::remote_read {

// One sub-query's reply: streamed chunks (checked and indexed, not decoded yet) or SAMPLES.
struct ReadReply {
  bool chunked = false;
  ChunkIndex chunks;
  SeriesSet samples;
  // An upper bound for chunks (their headers), exact for samples; sizes density-split pieces.
  size_t num_samples() const { return chunked ? chunks.sample_bound() : samples.num_samples(); }
};

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Decodes one reply, whichever type the server picked: SAMPLES into a builder, streamed chunks
// into a ChunkIndex (decoded when the fetch has all its replies).
class ReadSink final : public ReplySink {
 public:
  ReadSink(const DecodeOptions& decode, const ClientOptions& options, ResponseType asked)
      : decode_(decode),
        options_(options),
        asked_(asked),
        chunks_(decode),
        streamed_(options.max_frame_bytes, &chunks_) {}

  Status Begin(const std::string& content_type) override {
    if (content_type.rfind("application/x-streamed-protobuf", 0) == 0) {
      if (content_type.find("proto=prometheus.ChunkedReadResponse") == std::string::npos) {
        return Status::Error("unexpected streamed reply type \"" + content_type + "\"");
      }
      if (asked_ == ResponseType::kSamples) {
        return Status::Error("server sent streamed chunks although only SAMPLES was accepted");
      }
      streamed = true;
      return Status::Ok();
    }
    if (content_type.rfind("application/x-protobuf", 0) == 0) {
      if (asked_ == ResponseType::kStreamedChunks) {
        return Status::Error(
            "server answered with SAMPLES although only STREAMED_XOR_CHUNKS was "
            "accepted");
      }
      streamed = false;
      return Status::Ok();
    }
    return Status::Error("unexpected reply Content-Type \"" + content_type +
                         "\" (is the URL a remote-read endpoint such as /api/v1/read?)");
  }
  Status Data(std::string_view piece) override {
    if (!streamed) {
      if (body_.size() + piece.size() > options_.max_body_bytes) {
        return Status::Error("reply larger than the limit of " +
                             std::to_string(options_.max_body_bytes) + " bytes");
      }
      body_.append(piece);
      return Status::Ok();
    }
    auto t0 = Clock::now();
    Status st = streamed_.Feed(piece);
    decode_seconds += Seconds(Clock::now() - t0);
    return st;
  }
  Status End() override {
    auto t0 = Clock::now();
    Status st;
    if (streamed) {
      st = streamed_.Finish();
    } else {
      auto raw = SnappyDecode(body_, options_.max_body_bytes);
      std::string().swap(body_);
      if (!raw.ok()) {
        st = raw.status().WithContext("SAMPLES reply");
      } else {
        st = DecodeReadResponse(*raw, decode_, &builder_).WithContext("SAMPLES reply");
      }
    }
    decode_seconds += Seconds(Clock::now() - t0);
    return st;
  }

  // The reply; call once, after End() succeeded.
  Result<ReadReply> TakeReply() {
    ReadReply r;
    r.chunked = streamed;
    if (streamed) {
      r.chunks = std::move(chunks_);
    } else {
      auto set = builder_.Finish();
      if (!set.ok()) return set.status();
      r.samples = std::move(*set);
    }
    return r;
  }
  bool streamed = false;
  double decode_seconds = 0;

 private:
  DecodeOptions decode_;
  const ClientOptions& options_;
  ResponseType asked_;
  SeriesSetBuilder builder_;
  ChunkIndex chunks_;
  StreamedReadDecoder streamed_;
  std::string body_;
};

// Decodes and joins the sub-queries' replies (in time order). Chunked replies are decoded
// straight into the answer; a mix with SAMPLES replies (only from a server that changes its
// mind between requests) decodes each one first and joins the sets.
Result<SeriesSet> MergeReplies(std::vector<ReadReply> parts) {
  if (std::all_of(parts.begin(), parts.end(), [](const ReadReply& r) { return r.chunked; })) {
    std::vector<ChunkIndex> chunks;
    chunks.reserve(parts.size());
    for (ReadReply& r : parts) chunks.push_back(std::move(r.chunks));
    return DecodeChunkIndexes(std::move(chunks));
  }
  std::vector<SeriesSet> sets;
  sets.reserve(parts.size());
  for (ReadReply& r : parts) {
    if (r.chunked) {
      std::vector<ChunkIndex> one;
      one.push_back(std::move(r.chunks));
      auto set = DecodeChunkIndexes(std::move(one));
      if (!set.ok()) return set.status();
      sets.push_back(std::move(*set));
    } else {
      sets.push_back(std::move(r.samples));
    }
  }
  return ConcatenateInTime(std::move(sets));
}

bool IsSampleLimitError(const Status& st) {
  return st.message().find("exceeded sample limit") != std::string::npos;
}

}  // namespace

RemoteReadClient::~RemoteReadClient() = default;

Result<std::unique_ptr<RemoteReadClient>> RemoteReadClient::Create(const std::string& url,
                                                                   const ClientOptions& options,
                                                                   ResponseType type) {
  auto t = HttpTransport::Create(url, options);
  if (!t.ok()) return t.status();
  std::unique_ptr<RemoteReadClient> c(new RemoteReadClient());
  c->transport_ = std::move(*t);
  c->options_ = options;
  c->type_ = type;
  return c;
}

std::string RemoteReadClient::Describe() const { return "remote-read " + transport_->url(); }

std::string RemoteReadClient::EncodeRequest(const std::vector<Matcher>& matchers, int64_t start_ms,
                                            int64_t end_ms, ResponseType type) {
  prometheus::ReadRequest req;
  prometheus::Query* q = req.add_queries();
  q->set_start_timestamp_ms(start_ms);
  q->set_end_timestamp_ms(end_ms);
  for (const Matcher& m : matchers) {
    prometheus::LabelMatcher* lm = q->add_matchers();
    lm->set_type(static_cast<prometheus::LabelMatcher::Type>(m.type));
    lm->set_name(m.name);
    lm->set_value(m.value);
  }
  if (type != ResponseType::kSamples) {
    req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  }
  if (type != ResponseType::kStreamedChunks) {
    req.add_accepted_response_types(prometheus::ReadRequest::SAMPLES);
  }
  return SnappyEncode(req.SerializeAsString());
}

Result<ReadReply> RemoteReadClient::FetchOne(const std::vector<Matcher>& matchers, int64_t start_ms,
                                             int64_t end_ms, FetchStats* stats, int depth,
                                             FetchBudget* budget) {
  HttpRequest req;
  req.method = "POST";
  req.content_type = "application/x-protobuf";
  req.headers = {{"Content-Encoding", "snappy"},
                 {"Accept-Encoding", "snappy"},
                 {"X-Prometheus-Remote-Read-Version", "0.1.0"}};
  req.body = EncodeRequest(matchers, start_ms, end_ms, type_);
  DecodeOptions decode;
  decode.start_ms = start_ms;
  decode.end_ms = end_ms;
  decode.keep_stale_markers = options_.keep_stale_markers;
  decode.max_series = options_.limits.max_series;
  decode.max_samples = options_.limits.max_samples;
  std::unique_ptr<ReadSink> sink;
  FetchStats local;
  Status st = transport_->Send(
      req,
      [&]() -> ReplySink* {
        sink = std::make_unique<ReadSink>(decode, options_, type_);
        return sink.get();
      },
      &local, budget);
  if (stats) {
    stats->requests += local.requests;
    stats->retries += local.retries;
    stats->bytes_received += local.bytes_received;
  }
  if (!st.ok()) {
    // Prometheus refuses SAMPLES replies above --storage.remote.read-sample-limit: halve.
    if (options_.split_on_sample_limit && IsSampleLimitError(st) && end_ms > start_ms &&
        depth < 20) {
      int64_t mid = start_ms + (end_ms - start_ms) / 2;
      std::vector<ReadReply> halves;
      for (auto [s, e] : {std::pair{start_ms, mid}, std::pair{mid + 1, end_ms}}) {
        auto half = FetchOne(matchers, s, e, stats, depth + 1, budget);
        if (!half.ok()) return half.status();
        halves.push_back(std::move(*half));
      }
      auto merged = MergeReplies(std::move(halves));
      if (!merged.ok()) return merged.status();
      ReadReply r;
      r.samples = std::move(*merged);
      return r;
    }
    return st;
  }
  if (stats) {
    stats->decode_seconds += sink->decode_seconds;
    stats->response_type = sink->streamed ? "streamed_xor_chunks" : "samples";
  }
  return sink->TakeReply();
}

Result<SeriesSet> RemoteReadClient::Fetch(const std::vector<Matcher>& matchers, int64_t start_ms,
                                          int64_t end_ms, FetchStats* stats) {
  auto t0 = Clock::now();
  if (matchers.empty()) return Status::Error("remote read needs at least one matcher");
  std::mutex mu;
  FetchStats total;
  FetchBudget budget(options_.limits, options_.cancel.get());
  std::function<Result<ReadReply>(const TimeRange&)> fetch =
      [&](const TimeRange& r) -> Result<ReadReply> {
    FetchStats s;
    auto out = FetchOne(matchers, r.start_ms, r.end_ms, &s, 0, &budget);
    std::lock_guard<std::mutex> lock(mu);
    total.requests += s.requests;
    total.retries += s.retries;
    total.bytes_received += s.bytes_received;
    total.decode_seconds += s.decode_seconds;
    if (!s.response_type.empty()) total.response_type = s.response_type;
    return out;
  };
  // The replies are decoded here, on the calling thread, once all have arrived.
  std::function<Result<SeriesSet>(std::vector<ReadReply>)> merge =
      [&](std::vector<ReadReply> parts) {
        auto t1 = Clock::now();
        auto set = MergeReplies(std::move(parts));
        total.decode_seconds += Seconds(Clock::now() - t1);
        return set;
      };
  auto out = FetchPiecesAndMerge<ReadReply>(start_ms, end_ms, options_.max_range.count(),
                                            options_.max_samples_per_query,
                                            options_.max_concurrency, 0, fetch, merge, &total);
  total.fetch_seconds = Seconds(Clock::now() - t0);
  if (stats) *stats = total;
  if (out.ok()) out = CheckMergedLimits(std::move(*out), options_.limits);
  if (!out.ok()) return out.status().WithContext(Describe());
  return out;
}

}  // namespace streamlens::remote_read
