// Decoders for the bodies Prometheus sends back from POST /api/v1/read (no per-sample heap
// objects).
//
// - SnappyDecode: snappy *block* format with a limit on the decoded size.
// - DecodeReadResponse: a SAMPLES reply (ReadResponse protobuf, already un-snappied), into a
//   SeriesSetBuilder.
// - StreamedReadDecoder: a STREAMED_XOR_CHUNKS reply, fed in arbitrary pieces as it arrives:
//   frames of uvarint(len) | CRC32C big-endian | ChunkedReadResponse, checked and indexed into
//   a ChunkIndex (chunk_index.h), which decodes the samples once the fetch has all its replies.
//
// All of them reject bad input with an error naming the frame/series and what was wrong;
// none reads out of bounds. Not thread-safe (one decoder per response).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/remote_read/chunk_index.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

// Decodes a snappy block; fails for malformed input or a decoded size above max_bytes.
Result<std::string> SnappyDecode(std::string_view compressed, size_t max_bytes);
std::string SnappyEncode(std::string_view raw);

// Decodes a ReadResponse holding exactly one QueryResult (we send one query per request).
Status DecodeReadResponse(std::string_view message, const DecodeOptions& options,
                          SeriesSetBuilder* out);

// Incremental decoder of a streamed chunked reply.
class StreamedReadDecoder {
 public:
  // `out` (whose options say which chunks to keep) must outlive the decoder. Frames whose
  // message exceeds max_frame_bytes are rejected.
  StreamedReadDecoder(size_t max_frame_bytes, ChunkIndex* out);

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

  size_t max_frame_bytes_;
  ChunkIndex* out_;
  std::string pending_;  // bytes of an incomplete frame
  Status failed_;
  size_t frames_ = 0;
  size_t chunks_ = 0;
  size_t bytes_ = 0;
};

// Indexes one ChunkedReadResponse message (a frame's payload). `frame` is used in messages;
// *chunks counts the chunks read (kept or not).
Status DecodeChunkedReadResponse(std::string_view msg, size_t frame, ChunkIndex* out,
                                 size_t* chunks);

}  // namespace streamlens::remote_read
