// Source: where the sidecar reads metric history from. Implemented by RemoteReadClient
// (POST /api/v1/read) and QueryRangeClient (Prometheus-compatible JSON query API), so the
// engine does not care which one a job uses.
//
// Fetch() returns every sample with start_ms <= t <= end_ms of every series the matchers
// select, as a SeriesSet, or an error that names the server/URL and what went wrong. Long
// ranges are split into sub-queries (ClientOptions::max_range / max_samples_per_query) run with
// bounded concurrency and merged in time order; callers see one answer.
//
// Implementations are thread-safe: several Fetch() calls may run at once on one Source.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/matcher.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

// How a client reaches its server. Shared by both source types. Secrets come from files so
// they never appear on a command line or in logs; files are re-read on every request so a
// rotated token is picked up.
struct ClientOptions {
  // Per HTTP attempt: connect timeout, and the longest wait for the next bytes of the reply.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Retries after a connection error or a 5xx reply (never after a 4xx), with exponential
  // backoff from retry_min_backoff doubling up to retry_max_backoff.
  int max_retries = 3;
  std::chrono::milliseconds retry_min_backoff{200};
  std::chrono::milliseconds retry_max_backoff{std::chrono::seconds(5)};

  std::string basic_auth_username;
  std::string basic_auth_password_file;
  std::string bearer_token_file;  // exclusive with basic auth
  std::string tls_ca_file;        // CA bundle to verify the server; system default when empty
  std::string tls_cert_file;      // client certificate (with tls_key_file) for mutual TLS
  std::string tls_key_file;
  bool tls_insecure_skip_verify = false;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::string user_agent = "streamlens-sidecar";
  // JSON replies (query API): ask for gzip. Saves bandwidth on real networks; on loopback the
  // server's compression time usually dominates, so benchmarks report both settings.
  bool accept_gzip = true;

  // Sub-query splitting: no sub-query spans more than max_range (0 = no limit); with
  // max_samples_per_query > 0 the first sub-query measures sample density and the rest are
  // sized to stay under it. A Prometheus "exceeded sample limit" reply is answered by halving
  // the sub-query's range and trying again.
  std::chrono::milliseconds max_range{std::chrono::hours(24)};
  int64_t max_samples_per_query = 0;
  int max_concurrency = 4;  // sub-queries in flight at once (>= 1)
  // Answer a remote-read "exceeded sample limit" reply by halving the sub-query (SAMPLES only
  // has a limit; streamed replies are not limited by Prometheus).
  bool split_on_sample_limit = true;

  // Bounds on what the server may send: one streamed frame, and one decoded (un-snappied or
  // JSON) body.
  size_t max_frame_bytes = size_t{64} << 20;
  size_t max_body_bytes = size_t{2} << 30;
  // Keep Prometheus' staleness markers (a special NaN) instead of dropping them as PromQL does.
  bool keep_stale_markers = false;

  // Named limits on one Fetch() (fetch_limits.h): series, samples, bytes, overall deadline.
  FetchLimits limits;
  // Cancelled at shutdown: in-flight requests are interrupted (their sockets shut down) and the
  // fetch fails at once. May be null.
  std::shared_ptr<const CancelToken> cancel;
};

// What a Fetch() did; optional out-parameter.
struct FetchStats {
  int requests = 0;     // HTTP requests sent, retries included
  int retries = 0;      // of which retries
  int sub_queries = 0;  // time sub-ranges fetched
  uint64_t bytes_received = 0;
  double fetch_seconds = 0;  // wall time of the whole Fetch()
  // Wall time spent decoding replies, summed over the sub-query threads (so it can exceed
  // fetch_seconds, and includes waiting for a core); for streamed chunks, reading and indexing
  // the frames as they arrive plus the final decode of the samples.
  double decode_seconds = 0;
  std::string response_type;  // "streamed_xor_chunks", "samples", "query", "query_range"
};

class Source {
 public:
  virtual ~Source() = default;
  // See the file comment. start_ms <= end_ms, else an error.
  virtual Result<SeriesSet> Fetch(const std::vector<Matcher>& matchers, int64_t start_ms,
                                  int64_t end_ms, FetchStats* stats = nullptr) = 0;
  // A short description for logs: the URL and kind.
  virtual std::string Describe() const = 0;
};

}  // namespace streamlens::remote_read
