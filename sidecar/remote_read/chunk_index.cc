#include "sidecar/remote_read/chunk_index.h"

#include <sys/mman.h>

#include <cstdint>
#include <thread>

#include "sidecar/remote_read/xor_chunk.h"

namespace streamlens::remote_read {

ChunkIndex::ChunkIndex(const DecodeOptions& options) : options_(options) {}

Status ChunkIndex::BeginSeries(
    std::span<const std::pair<std::string_view, std::string_view>> labels) {
  current_ = SIZE_MAX;
  auto interned = labels_.Intern(labels);
  if (!interned.ok()) return interned.status();
  if (interned->is_new) series_.emplace_back();
  current_ = interned->series;
  return Status::Ok();
}

Status ChunkIndex::AddChunk(int64_t min_t, int64_t max_t, std::string_view data, size_t frame) {
  if (max_t < options_.start_ms || min_t > options_.end_ms) return Status::Ok();
  if (current_ == SIZE_MAX) return Status::Error("chunk before any series");
  auto count = XorChunkSampleCount(data);
  if (!count.ok()) return count.status();
  sample_bound_ += *count;
  series_[current_].chunks.push_back({data_.size(), static_cast<uint32_t>(data.size()),
                                      static_cast<uint32_t>(frame), min_t, max_t});
  data_.append(data);
  ++num_chunks_;
  return Status::Ok();
}

std::string ChunkIndex::SeriesText(size_t series) const {
  std::string s = "{";
  const auto symbols = labels_.symbols();
  for (const LabelRef& l : labels_.labels(series)) {
    if (s.size() > 1) s += ",";
    s += symbols[l.name];
    s += "=";
    AppendQuoted(&s, symbols[l.value]);
  }
  return s + "}";
}

namespace {

// Below this many bytes per array the answer's pages are faulted in by the decoder alone.
constexpr size_t kPrefaultMinBytes = size_t{2} << 20;

// Faults in the pages of [begin, begin + bytes) as the first write to each would (zeroed,
// writable), without writing: MADV_POPULATE_WRITE. A kernel without it (< 5.14) ignores it.
void PrefaultPages(const void* begin, size_t bytes) {
  constexpr uintptr_t kPage = 4096;
  const uintptr_t b = (reinterpret_cast<uintptr_t>(begin) + kPage - 1) & ~(kPage - 1);
  const uintptr_t e = (reinterpret_cast<uintptr_t>(begin) + bytes) & ~(kPage - 1);
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_POPULATE_WRITE);
}

std::string ChunkText(const ChunkIndex& part, size_t series, size_t frame, int64_t min_t,
                      int64_t max_t) {
  return "frame " + std::to_string(frame) + ": series " + part.SeriesText(series) + ": chunk [" +
         std::to_string(min_t) + "," + std::to_string(max_t) + "]";
}

}  // namespace

Result<SeriesSet> DecodeChunkIndexes(std::vector<ChunkIndex> parts) {
  std::vector<PartLabels> labels(parts.size());
  size_t bound = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    labels[p].symbols = parts[p].labels_.symbols();
    for (uint32_t i = 0; i < parts[p].series_.size(); ++i) {
      labels[p].series.push_back(parts[p].labels_.labels(i));
    }
    bound += parts[p].sample_bound_;
  }
  SeriesJoin join = JoinSeries(labels);
  SeriesSet out;
  out.symbols_ = std::move(join.symbols);
  // Sized once from the chunk headers (reserved, not resized: each page is first touched by
  // the decoder writing its samples).
  out.timestamps_.reserve(bound);
  out.values_.reserve(bound);
  // The kernel providing fresh pages is about half the cost of filling the arrays: while this
  // thread decodes into their first halves, another one faults in their second halves (joined
  // on every return, before `out` can be freed).
  std::jthread prefault;
  if (bound * sizeof(int64_t) >= kPrefaultMinBytes) {
    const size_t half = bound / 2;
    const int64_t* ts_rest = out.timestamps_.data() + half;
    const double* vs_rest = out.values_.data() + half;
    const size_t rest_bytes = (bound - half) * sizeof(int64_t);
    prefault = std::jthread([=] {
      PrefaultPages(ts_rest, rest_bytes);
      PrefaultPages(vs_rest, rest_bytes);
    });
  }
  out.sample_offsets_.reserve(join.series.size() + 1);
  out.label_offsets_.reserve(join.series.size() + 1);
  out.sample_offsets_.push_back(0);
  out.label_offsets_.push_back(0);
  std::vector<int64_t>& ts = out.timestamps_;
  std::vector<double>& vs = out.values_;
  for (const JoinedSeries& j : join.series) {
    const size_t series_begin = ts.size();
    size_t last_part = SIZE_MAX;
    for (const auto& [p, i] : j.slices) {
      const ChunkIndex& part = parts[p];
      const DecodeOptions& o = part.options_;
      for (const ChunkIndex::ChunkRef& c : part.series_[i].chunks) {
        const int64_t last = ts.size() > series_begin ? ts.back() : INT64_MIN;
        const size_t before = ts.size();
        int64_t first_t = 0, last_t = 0;
        // The whole chunk is decoded so its first/last timestamps can be checked against its
        // stated range (a lying sample count shows up there); trimmed afterwards.
        auto n =
            AppendXorChunkChecked(std::string_view(part.data_).substr(c.offset, c.size), o.start_ms,
                                  o.end_ms, o.keep_stale_markers, &ts, &vs, &first_t, &last_t);
        if (n.ok() && (first_t != c.min_t || (last_t != c.max_t && c.max_t != INT64_MAX))) {
          ts.resize(before);
          vs.resize(before);
          n = Status::Error("decoded samples span [" + std::to_string(first_t) + "," +
                            std::to_string(last_t) +
                            "], not the chunk's stated range (sample count wrong?)");
        }
        if (!n.ok()) {
          return Status::Error(ChunkText(part, i, c.frame, c.min_t, c.max_t) + ": " +
                               n.status().message());
        }
        if (*n > 0 && ts[before] <= last) {
          return Status::Error(
              ChunkText(part, i, c.frame, c.min_t, c.max_t) +
              (last_part == p ? " overlaps the previous chunk"
                              : ": samples of consecutive sub-queries overlap in time") +
              " (timestamp " + std::to_string(ts[before]) + " after " + std::to_string(last) + ")");
        }
        if (*n > 0) last_part = p;
      }
    }
    if (ts.size() == series_begin) continue;  // no samples in range: absent, as in PromQL
    out.sample_offsets_.push_back(ts.size());
    out.label_refs_.insert(out.label_refs_.end(), j.labels.begin(), j.labels.end());
    out.label_offsets_.push_back(static_cast<uint32_t>(out.label_refs_.size()));
  }
  if (out.sample_offsets_.size() == 1) {
    out.sample_offsets_.clear();
    out.label_offsets_.clear();
  }
  return out;
}

}  // namespace streamlens::remote_read
