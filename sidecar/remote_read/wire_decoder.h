// Decoders for the bodies Prometheus sends back from POST /api/v1/read, writing straight into a
// SeriesSetBuilder (no per-sample or per-chunk heap objects; chunk bytes are read in place).
//
// - SnappyDecode: snappy *block* format with a limit on the decoded size.
// - DecodeReadResponse: a SAMPLES reply (ReadResponse protobuf, already un-snappied).
// - StreamedReadDecoder: a STREAMED_XOR_CHUNKS reply, fed in arbitrary pieces as it arrives:
//   frames of uvarint(len) | CRC32C big-endian | ChunkedReadResponse.
//
// All of them reject bad input with an error naming the frame/series and what was wrong;
// none reads out of bounds. Not thread-safe (one decoder per response).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

// Decodes a snappy block; fails for malformed input or a decoded size above max_bytes.
Result<std::string> SnappyDecode(std::string_view compressed, size_t max_bytes);
std::string SnappyEncode(std::string_view raw);

// Which samples to keep while decoding.
struct DecodeOptions {
  int64_t start_ms = INT64_MIN;  // keep samples with start_ms <= t <= end_ms
  int64_t end_ms = INT64_MAX;
  bool keep_stale_markers = false;  // PromQL drops Prometheus' stale markers; so do we by default
  // Named limits on one reply (fetch_limits.h), checked as series and chunks are decoded: the
  // decoder stops with LimitExceeded("max_series"/"max_samples") before holding more.
  size_t max_series = SIZE_MAX;
  size_t max_samples = SIZE_MAX;
};

// Decodes a ReadResponse holding exactly one QueryResult (we send one query per request).
Status DecodeReadResponse(std::string_view message, const DecodeOptions& options,
                          SeriesSetBuilder* out);

// Incremental decoder of a streamed chunked reply.
class StreamedReadDecoder {
 public:
  // `out` must outlive the decoder. Frames whose message exceeds max_frame_bytes are rejected.
  StreamedReadDecoder(const DecodeOptions& options, size_t max_frame_bytes, SeriesSetBuilder* out);

  // Consumes the next piece of the body. After an error the decoder stays failed.
  Status Feed(std::string_view bytes);
  // Call at end of body: fails if a frame was cut off.
  Status Finish();

  size_t frames() const { return frames_; }
  size_t chunks() const { return chunks_; }
  size_t bytes() const { return bytes_; }

 private:
  Status DecodeFrames(std::string_view data, size_t* consumed);
  Status DecodeMessage(std::string_view msg);

  DecodeOptions options_;
  size_t max_frame_bytes_;
  SeriesSetBuilder* out_;
  std::string pending_;  // bytes of an incomplete frame
  Status failed_;
  size_t frames_ = 0;
  size_t chunks_ = 0;
  size_t bytes_ = 0;
};

// Decodes one ChunkedReadResponse message (a frame's payload). `frame` is used in messages.
Status DecodeChunkedReadResponse(std::string_view msg, const DecodeOptions& options, size_t frame,
                                 SeriesSetBuilder* out, size_t* chunks);

}  // namespace streamlens::remote_read
