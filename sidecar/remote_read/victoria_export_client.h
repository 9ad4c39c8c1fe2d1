// VictoriaExportClient: a Source over VictoriaMetrics' export API (POST /api/v1/export with
// match[], start, end), which returns the stored samples as JSON lines, one series per line.
// Same answer as QueryRangeClient's raw mode (step 0), cheaper to decode (no quoted values, no
// float seconds) and decoded as it streams in (export_json.h): the reply is never held whole.
// Tested against single-node VictoriaMetrics (base URL http://vm:8428).
//
// Long ranges are split into sub-queries (ClientOptions::max_range) fetched with bounded
// concurrency and concatenated in time order; each line is bounded by max_frame_bytes, each
// decoded reply by max_body_bytes, and series and samples by the FetchLimits. Thread-safe; see
// Source.
#pragma once

#include <memory>
#include <string>

#include "sidecar/remote_read/source.h"

namespace streamlens::remote_read {

class HttpTransport;

class VictoriaExportClient final : public Source {
 public:
  // base_url: the server's API root, e.g. http://vm:8428.
  static Result<std::unique_ptr<VictoriaExportClient>> Create(const std::string& base_url,
                                                              const ClientOptions& options);
  ~VictoriaExportClient() override;

  Result<SeriesSet> Fetch(const std::vector<Matcher>& matchers, int64_t start_ms, int64_t end_ms,
                          FetchStats* stats = nullptr) override;
  std::string Describe() const override;

 private:
  VictoriaExportClient() = default;
  Result<SeriesSet> FetchOne(const std::string& selector, int64_t start_ms, int64_t end_ms,
                             FetchStats* stats, FetchBudget* budget);

  std::unique_ptr<HttpTransport> transport_;
  ClientOptions options_;
};

}  // namespace streamlens::remote_read
