// RemoteReadClient: a Source reading raw samples over Prometheus' remote-read API
// (POST /api/v1/read; also served by Thanos, Cortex/Mimir).
//
// Sends one query per HTTP request (protobuf ReadRequest, snappy block). In kAuto mode it asks
// for STREAMED_XOR_CHUNKS first with SAMPLES as the fallback, so a server that only offers
// SAMPLES still answers. Streamed frames are checked (CRC32C, protobuf, chunk headers, limits)
// and indexed while they arrive; their chunks are decoded once every sub-query has answered,
// each sample written once into the answer's arrays (chunk_index.h). Chunks are trimmed to
// the asked range and stale markers are dropped (unless ClientOptions::keep_stale_markers), so
// the answer equals what PromQL's `selector[range]` evaluated at end returns.
//
// Thread-safe; see Source.
#pragma once

#include <memory>
#include <string>

#include "sidecar/remote_read/source.h"

namespace streamlens::remote_read {

class HttpTransport;
struct ReadReply;

enum class ResponseType {
  kAuto,            // accept streamed chunks, else samples
  kStreamedChunks,  // accept only STREAMED_XOR_CHUNKS
  kSamples,         // accept only SAMPLES
};

class RemoteReadClient final : public Source {
 public:
  // url: the full endpoint, e.g. http://host:9090/api/v1/read. Fails for a bad URL or options.
  static Result<std::unique_ptr<RemoteReadClient>> Create(const std::string& url,
                                                          const ClientOptions& options,
                                                          ResponseType type = ResponseType::kAuto);
  ~RemoteReadClient() override;

  Result<SeriesSet> Fetch(const std::vector<Matcher>& matchers, int64_t start_ms, int64_t end_ms,
                          FetchStats* stats = nullptr) override;
  std::string Describe() const override;

  // Encodes the request body (snappy block of ReadRequest) for one query; exposed for tests.
  static std::string EncodeRequest(const std::vector<Matcher>& matchers, int64_t start_ms,
                                   int64_t end_ms, ResponseType type);

 private:
  RemoteReadClient() = default;
  Result<ReadReply> FetchOne(const std::vector<Matcher>& matchers, int64_t start_ms, int64_t end_ms,
                             FetchStats* stats, int depth, FetchBudget* budget);

  std::unique_ptr<HttpTransport> transport_;
  ClientOptions options_;
  ResponseType type_ = ResponseType::kAuto;
};

}  // namespace streamlens::remote_read
