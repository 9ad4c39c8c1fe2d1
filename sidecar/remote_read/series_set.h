// SeriesSet: a compact, columnar, immutable set of float time series, as read from Prometheus.
//
// Layout: every label name and value is interned once in a symbol table; each series holds a
// sorted run of (name_id, value_id) pairs; all timestamps (int64 milliseconds) live in one
// array and all values (double) in another, each series' samples contiguous and in increasing
// timestamp order. There is no heap object per sample: memory is 16 bytes per sample plus the
// per-series offsets and the distinct strings.
//
// Series are ordered by their label sets (byte-wise on name, then value, the Prometheus order),
// and no two series have equal label sets.
//
// Built with SeriesSetBuilder (not thread-safe). A finished SeriesSet is a plain value: copyable,
// movable, and safe to read from many threads at once.
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

namespace streamlens::remote_read {

// A label as text, used when building or comparing.
struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

class ChunkIndex;

class SeriesSet {
 public:
  SeriesSet() = default;

  // Number of series.
  size_t size() const { return sample_offsets_.empty() ? 0 : sample_offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  // Total number of samples over all series.
  size_t num_samples() const { return timestamps_.size(); }

  // Samples of series i (i < size()): timestamps in ms, strictly increasing, and values.
  std::span<const int64_t> timestamps(size_t i) const {
    return {timestamps_.data() + sample_offsets_[i], timestamps_.data() + sample_offsets_[i + 1]};
  }
  std::span<const double> values(size_t i) const {
    return {values_.data() + sample_offsets_[i], values_.data() + sample_offsets_[i + 1]};
  }
  // Labels of series i, sorted by name.
  std::span<const LabelRef> labels(size_t i) const {
    return {label_refs_.data() + label_offsets_[i], label_refs_.data() + label_offsets_[i + 1]};
  }
  // The text of an interned symbol (a LabelRef's name or value).
  std::string_view symbol(uint32_t id) const { return symbols_[id]; }
  // Value of label `name` on series i, or "" when the series has no such label.
  std::string_view label_value(size_t i, std::string_view name) const;
  // Labels of series i as text.
  std::vector<Label> label_set(size_t i) const;
  // Canonical text of series i's labels, as Prometheus prints them:
  // `name{a="x",b="y"}` (or `{a="x"}` without __name__), values escaped like Go's %q.
  std::string SeriesName(size_t i) const;
  // Index of the series whose label set equals `labels` (any order), or -1.
  ptrdiff_t Find(const std::vector<Label>& labels) const;

  // Bytes held by this set (arrays and strings), for memory accounting.
  size_t MemoryBytes() const;

 private:
  friend class SeriesSetBuilder;
  friend Result<SeriesSet> ConcatenateInTime(std::vector<SeriesSet> parts);
  friend Result<SeriesSet> DecodeChunkIndexes(std::vector<ChunkIndex> parts);
  std::vector<std::string> symbols_;
  std::vector<LabelRef> label_refs_;
  std::vector<uint32_t> label_offsets_;  // size()+1 entries once non-empty
  std::vector<int64_t> timestamps_;
  std::vector<double> values_;
  std::vector<size_t> sample_offsets_;  // size()+1 entries once non-empty
};

// Builds a SeriesSet series by series. Samples are appended to the series most recently begun.
//
// BeginSeries() accepts label sets in any order; Finish() sorts the series by labels. If the same
// label set is begun twice (e.g. a series continued in a later sub-query), the samples are
// merged in the order appended; series left without samples are dropped; Finish() fails if the
// merged timestamps are not strictly increasing. Not thread-safe.
class SeriesSetBuilder {
 public:
  SeriesSetBuilder() = default;

  // Starts (or resumes) the series with these labels. Labels need not be sorted; a duplicate
  // label name is an error. Empty label values are dropped (Prometheus treats them as absent).
  Status BeginSeries(std::span<const std::pair<std::string_view, std::string_view>> labels);
  Status BeginSeries(const std::vector<Label>& labels);

  // Appends to the current series. Must follow a successful BeginSeries().
  void Append(int64_t timestamp_ms, double value) {
    timestamps_.push_back(timestamp_ms);
    values_.push_back(value);
  }
  // Reserves capacity for `n` more samples.
  void ReserveSamples(size_t n) {
    timestamps_.reserve(timestamps_.size() + n);
    values_.reserve(values_.size() + n);
  }
  size_t num_samples() const { return timestamps_.size(); }
  size_t num_series() const { return series_.size(); }
  // Last timestamp appended to the current run of the current series, or INT64_MIN when the
  // run is empty (decoders use it to reject chunks that go back in time).
  int64_t last_timestamp_in_run() const {
    return in_series_ && timestamps_.size() > run_begin_ ? timestamps_.back() : INT64_MIN;
  }

  // Copies every series of `set` into this builder (series with equal labels are merged).
  Status AppendSet(const SeriesSet& set);

  // Produces the set; the builder is left empty. Fails when a merged series' timestamps are
  // not strictly increasing.
  Result<SeriesSet> Finish();

 private:
  struct Run {
    uint32_t series;  // index into series_
    size_t begin;     // sample index range [begin, end) in the columns
    size_t end;
  };
  struct PendingSeries {
    std::vector<uint32_t> runs;  // indices into runs_
  };
  void CloseRun();

  LabelInterner labels_;               // series_[i]'s labels are labels_.labels(i)
  std::vector<PendingSeries> series_;  // by the label set's number in labels_
  std::vector<Run> runs_;
  bool in_series_ = false;
  uint32_t current_ = 0;
  size_t run_begin_ = 0;
  std::vector<int64_t> timestamps_;
  std::vector<double> values_;
};

// Concatenates sets that cover consecutive time ranges (`parts` in time order, e.g. the
// sub-queries of one fetch) into one set: series with equal labels are joined part by part.
// Sizes are counted first, so every sample is copied exactly once into arrays of the exact final
// size (no growth, no second copy). Fails, naming the series, when a series' samples in a later
// part do not come strictly after those of an earlier part. `parts` is consumed.
Result<SeriesSet> ConcatenateInTime(std::vector<SeriesSet> parts);

// The label sets of several parts (e.g. the answers of one fetch's sub-queries) under one
// symbol table, series with equal label sets joined. Shared by ConcatenateInTime and
// DecodeChunkIndexes.
struct PartLabels {
  std::span<const std::string> symbols;           // the part's symbol table
  std::vector<std::span<const LabelRef>> series;  // each series' labels, sorted by name text
};
struct JoinedSeries {
  std::vector<LabelRef> labels;                       // ids into SeriesJoin::symbols
  std::vector<std::pair<uint32_t, uint32_t>> slices;  // (part, series in part), in part order
};
struct SeriesJoin {
  std::vector<std::string> symbols;
  std::vector<JoinedSeries> series;  // in label order (byte-wise on name, then value)
};
SeriesJoin JoinSeries(std::span<const PartLabels> parts);

// Appends `text` quoted and escaped like Go's strconv.Quote (as Prometheus prints label values).
void AppendQuoted(std::string* out, std::string_view text);

}  // namespace streamlens::remote_read
