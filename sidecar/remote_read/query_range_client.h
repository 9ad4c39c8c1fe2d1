// QueryRangeClient: a Source over the Prometheus-compatible JSON query API, for servers
// without remote read (VictoriaMetrics, and any Prometheus-compatible API).
//
// Two modes, chosen by `step`:
//  - step == 0 (raw): GET-style POST /api/v1/query with `{selector}[<end-start>ms]` at time=end.
//    Returns the stored samples, the same answer as remote read.
//  - step > 0: POST /api/v1/query_range with start, end, step: the selector evaluated at every
//    step (PromQL lookback applies; timestamps are the step times). Sub-queries are aligned to
//    the step so the evaluation points do not move.
// Thread-safe; see Source.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "sidecar/remote_read/source.h"

namespace streamlens::remote_read {

class HttpTransport;

class QueryRangeClient final : public Source {
 public:
  // base_url: the server's API root, e.g. http://host:9090 (or http://vm:8428/prometheus).
  static Result<std::unique_ptr<QueryRangeClient>> Create(const std::string& base_url,
                                                          const ClientOptions& options,
                                                          std::chrono::milliseconds step);
  ~QueryRangeClient() override;

  Result<SeriesSet> Fetch(const std::vector<Matcher>& matchers, int64_t start_ms, int64_t end_ms,
                          FetchStats* stats = nullptr) override;
  std::string Describe() const override;

 private:
  QueryRangeClient() = default;
  Result<SeriesSet> FetchOne(const std::string& selector, int64_t start_ms, int64_t end_ms,
                             FetchStats* stats, FetchBudget* budget);

  std::unique_ptr<HttpTransport> transport_;
  ClientOptions options_;
  int64_t step_ms_ = 0;
};

// "1700000000.123" for 1700000000123 ms (what the query API accepts as a time).
std::string FormatApiTime(int64_t ms);
// `s` escaped for an application/x-www-form-urlencoded body.
std::string FormEscape(std::string_view s);

}  // namespace streamlens::remote_read
