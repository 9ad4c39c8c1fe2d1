// ChunkIndex: the XOR chunks of one streamed remote-read reply, kept as received (compressed,
// about 2.4 bytes per sample) and indexed by series; DecodeChunkIndexes() turns the indexes of
// a fetch's sub-queries into one SeriesSet, decoding every sample exactly once into arrays
// allocated once at their final size.
//
// Why not decode while the reply arrives: the sub-queries of one fetch cover consecutive time
// ranges, and the answer stores each series' samples contiguously, so samples decoded per
// sub-query would have to be copied again into the joined arrays (and the per-reply arrays
// grown while decoding). Counting first (a chunk's header says how many samples it holds) and
// decoding last writes each sample once, which on 10 M samples is most of the client's work.
//
// BeginSeries/AddChunk check labels and chunk headers as the reply arrives (the reply's decoder,
// StreamedReadDecoder, checks the named limits against num_series() and sample_bound()); the
// chunk contents are checked by DecodeChunkIndexes, whose errors name the frame, the series and
// the chunk. Not thread-safe; movable, not copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/label_interner.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

// Which samples to keep while decoding a reply.
struct DecodeOptions {
  int64_t start_ms = INT64_MIN;  // keep samples with start_ms <= t <= end_ms
  int64_t end_ms = INT64_MAX;
  bool keep_stale_markers = false;  // PromQL drops Prometheus' stale markers; so do we by default
  // Named limits on one reply (fetch_limits.h), checked as series and chunks arrive: the
  // reply's decoder stops with LimitExceeded("max_series"/"max_samples") before holding more. For
  // chunked replies max_samples counts the samples of the chunks that overlap [start_ms, end_ms]
  // (their headers), which exceeds the answer by the samples trimmed at the range's ends.
  size_t max_series = SIZE_MAX;
  size_t max_samples = SIZE_MAX;
};

class ChunkIndex {
 public:
  explicit ChunkIndex(const DecodeOptions& options = DecodeOptions{});
  ChunkIndex(ChunkIndex&&) = default;
  ChunkIndex& operator=(ChunkIndex&&) = default;
  ChunkIndex(const ChunkIndex&) = delete;
  ChunkIndex& operator=(const ChunkIndex&) = delete;

  // Starts (or resumes) the series with these labels (any order; empty values dropped). Fails
  // for an empty or repeated label name.
  Status BeginSeries(std::span<const std::pair<std::string_view, std::string_view>> labels);
  // Adds an XOR chunk claiming samples in [min_t, max_t] to the current series (copying its
  // bytes), or skips it when that span misses the options' range. `frame` is quoted in errors.
  // Fails for a kept chunk shorter than its 2-byte header.
  Status AddChunk(int64_t min_t, int64_t max_t, std::string_view data, size_t frame);

  const DecodeOptions& options() const { return options_; }
  size_t num_series() const { return series_.size(); }
  size_t num_chunks() const { return num_chunks_; }
  // Samples the kept chunks claim: an upper bound of what decoding yields.
  size_t sample_bound() const { return sample_bound_; }
  // The series' labels as text, `{a="x",b="y"}` (sorted by name), for error messages.
  std::string SeriesText(size_t series) const;

 private:
  friend Result<SeriesSet> DecodeChunkIndexes(std::vector<ChunkIndex> parts);
  struct ChunkRef {
    size_t offset;  // into data_
    uint32_t size;
    uint32_t frame;
    int64_t min_t;
    int64_t max_t;
  };
  struct IndexedSeries {
    std::vector<ChunkRef> chunks;  // in arrival order
  };

  DecodeOptions options_;
  LabelInterner labels_;               // series_[i]'s labels are labels_.labels(i)
  std::vector<IndexedSeries> series_;  // by the label set's number in labels_
  size_t current_ = SIZE_MAX;          // index into series_
  std::string data_;                   // the kept chunks' bytes, back to back
  size_t num_chunks_ = 0;
  size_t sample_bound_ = 0;
};

// Decodes `parts` (the replies for consecutive time ranges, in time order; each trimmed to its
// own options' range) into one SeriesSet: series with equal labels are joined in part order,
// stale markers dropped unless kept, series without samples left out. The sample arrays are
// sized once from the chunk headers. Fails, naming the frame, series and chunk, for a chunk
// whose data is malformed or whose decoded timestamps do not match its stated range, and for
// samples that do not strictly increase within a series (within a reply or across parts).
// `parts` is consumed.
Result<SeriesSet> DecodeChunkIndexes(std::vector<ChunkIndex> parts);

}  // namespace streamlens::remote_read
