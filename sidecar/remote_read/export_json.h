// Streaming decoder for VictoriaMetrics' export API (GET/POST /api/v1/export), as served by
// Debian's victoria-metrics 1.79: JSON lines, one object per series,
//   {"metric":{"__name__":"m","a":"x"},"values":[1.5,+Inf,0.00001],"timestamps":[1700000000000,..]}
// timestamps in integer milliseconds, values as bare numbers (VictoriaMetrics writes +Inf, -Inf
// and NaN unquoted; newer versions write null, "Infinity" and "-Infinity", also accepted).
// Internal to remote_read; exposed for tests and the fuzzer.
//
// Bytes are fed in pieces as they arrive (any split, across lines too); each complete line is
// decoded at once into a SeriesSetBuilder, so the reply is never held whole: memory is the
// builder's columns plus one line. A series on several lines is merged by the builder (its
// Finish() rejects samples that go back in time). No heap object per sample: values and
// timestamps of a line go through two scratch arrays reused across lines.
//
// Errors name the line and byte ("export reply line 3: malformed JSON reply at byte 40: ...");
// a line longer than max_line_bytes, more than max_series series or max_samples samples stop
// the decoding with LimitExceeded (fetch_limits.h). Pure, no I/O. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

struct ExportDecodeLimits {
  size_t max_series = SIZE_MAX;
  size_t max_samples = SIZE_MAX;
  size_t max_line_bytes = size_t{64} << 20;  // ClientOptions::max_frame_bytes
};

class ExportJsonDecoder {
 public:
  // Keeps samples with start_ms <= t <= end_ms. `out` must outlive the decoder.
  ExportJsonDecoder(int64_t start_ms, int64_t end_ms, SeriesSetBuilder* out,
                    const ExportDecodeLimits& limits = {});

  // Decodes every line completed by `piece`; keeps the unfinished rest. After an error the
  // decoder must not be fed again.
  Status Feed(std::string_view piece);
  // Decodes a last line without a newline. Call once, after the last Feed().
  Status Finish();

  size_t lines() const { return line_no_; }

 private:
  Status Line(std::string_view line);
  Status ParseLine(std::string_view line);
  Status LineTooLong(size_t bytes) const;

  int64_t start_ms_;
  int64_t end_ms_;
  SeriesSetBuilder* out_;
  ExportDecodeLimits limits_;
  size_t line_no_ = 0;
  std::string partial_;  // the unfinished line across pieces
  // Scratch reused across lines.
  std::vector<std::pair<std::string, std::string>> labels_;
  size_t num_labels_ = 0;
  std::vector<std::pair<std::string_view, std::string_view>> label_views_;
  std::vector<double> values_;
  std::vector<int64_t> timestamps_;
  std::string key_;
  std::string text_;
};

// Decodes a whole reply (Feed + Finish); for tests and the fuzzer.
Status DecodeExportJson(std::string_view body, int64_t start_ms, int64_t end_ms,
                        SeriesSetBuilder* out, const ExportDecodeLimits& limits = {});

}  // namespace streamlens::remote_read
