#include "sidecar/remote_read/fuzz/fuzz_targets.h"

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/remote_read/crc32c.h"
#include "sidecar/remote_read/export_json.h"
#include "sidecar/remote_read/matcher.h"
#include "sidecar/remote_read/query_json.h"
#include "sidecar/remote_read/wire_decoder.h"
#include "sidecar/remote_read/xor_chunk.h"

namespace streamlens::remote_read::fuzz {

namespace {
std::string_view View(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
}  // namespace

void FuzzStreamedReply(const uint8_t* data, size_t size) {
  if (size == 0) return;
  // First byte picks the decode window and how the body is split into network pieces.
  uint8_t ctl = data[0];
  std::string_view body = View(data + 1, size - 1);
  DecodeOptions opt;
  if (ctl & 1) {
    opt.start_ms = 1000;
    opt.end_ms = 100000;
  }
  opt.keep_stale_markers = ctl & 2;
  // With the top bit set, the rest is one ChunkedReadResponse message framed here with a valid
  // length and CRC, so mutations reach the protobuf and chunk decoders instead of the CRC check.
  std::string framed;
  if (ctl & 0x80) {
    uint64_t len = body.size();
    while (len >= 0x80) {
      framed.push_back(static_cast<char>(len | 0x80));
      len >>= 7;
    }
    framed.push_back(static_cast<char>(len));
    uint32_t crc = Crc32c(body);
    for (int shift = 24; shift >= 0; shift -= 8) framed.push_back(static_cast<char>(crc >> shift));
    framed.append(body);
    body = framed;
  }
  ChunkIndex index(opt);
  StreamedReadDecoder d(1 << 16, &index);
  size_t piece = 1 + ((ctl >> 2) & 0x1f) * 3;
  bool ok = true;
  for (size_t off = 0; off < body.size() && ok; off += piece) {
    ok = d.Feed(body.substr(off, piece)).ok();
  }
  if (ok && d.Finish().ok()) {
    std::vector<ChunkIndex> parts;
    parts.push_back(std::move(index));
    auto set = DecodeChunkIndexes(std::move(parts));
    if (set.ok()) {
      for (size_t i = 0; i < set->size(); ++i) {
        auto ts = set->timestamps(i);
        for (size_t k = 1; k < ts.size(); ++k) {
          if (ts[k] <= ts[k - 1]) std::abort();  // contract: strictly increasing
        }
        if (ts.empty()) std::abort();  // contract: no empty series
        (void)set->SeriesName(i);
      }
    }
  }
}

void FuzzXorChunk(const uint8_t* data, size_t size) {
  std::string_view chunk = View(data, size);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  auto n = AppendXorChunk(chunk, INT64_MIN, INT64_MAX, true, &ts, &vs);
  if (n.ok()) {
    if (ts.size() != *n || vs.size() != *n) std::abort();
    for (size_t k = 1; k < ts.size(); ++k) {
      if (ts[k] <= ts[k - 1]) std::abort();
    }
    // Re-encoding what was decoded must decode to the same samples.
    std::string again = EncodeXorChunk(ts, vs);
    std::vector<int64_t> t2(ts.size());
    std::vector<double> v2(vs.size());
    auto m = DecodeXorChunkInto(again, t2.data(), v2.data(), t2.size());
    if (!m.ok() || *m != ts.size() || t2 != ts) std::abort();
  } else if (!ts.empty()) {
    std::abort();  // on error the columns are left untouched
  }
}

void FuzzSamplesReply(const uint8_t* data, size_t size) {
  std::string_view body = View(data, size);
  SeriesSetBuilder b;
  (void)DecodeReadResponse(body, DecodeOptions{}, &b);
  auto raw = SnappyDecode(body, 1 << 20);
  if (raw.ok()) {
    SeriesSetBuilder b2;
    if (DecodeReadResponse(*raw, DecodeOptions{}, &b2).ok()) (void)b2.Finish();
  }
}

void FuzzQueryJson(const uint8_t* data, size_t size) {
  SeriesSetBuilder b;
  if (DecodeQueryJson(View(data, size), INT64_MIN, INT64_MAX, &b).ok()) (void)b.Finish();
}

// The first byte picks the piece size the rest is fed in; whole and pieces must agree, and the
// small limits must hold.
void FuzzExportJson(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const size_t piece = data[0] % 16 + 1;
  const std::string_view body = View(data + 1, size - 1);
  const ExportDecodeLimits limits{.max_series = 50, .max_samples = 2000, .max_line_bytes = 4096};
  SeriesSetBuilder whole;
  const bool whole_ok = DecodeExportJson(body, -1000, INT64_MAX, &whole, limits).ok();
  SeriesSetBuilder split;
  ExportJsonDecoder d(-1000, INT64_MAX, &split, limits);
  Status st = Status::Ok();
  for (size_t i = 0; i < body.size() && st.ok(); i += piece) st = d.Feed(body.substr(i, piece));
  if (st.ok()) st = d.Finish();
  if (st.ok() != whole_ok) std::abort();
  if (!whole_ok) return;
  if (whole.num_series() > 50 || whole.num_samples() > 2000) std::abort();
  auto a = whole.Finish();
  auto b = split.Finish();
  if (a.ok() != b.ok()) std::abort();
  if (!a.ok()) return;
  if (a->size() != b->size() || a->num_samples() != b->num_samples()) std::abort();
  for (size_t i = 0; i < a->size(); ++i) {
    if (a->SeriesName(i) != b->SeriesName(i)) std::abort();
    for (int64_t t : a->timestamps(i)) {
      if (t < -1000) std::abort();
    }
  }
}

void FuzzSelector(const uint8_t* data, size_t size) {
  auto m = ParseSelector(View(data, size));
  if (!m.ok()) return;
  auto again = ParseSelector(FormatSelector(*m));
  if (!again.ok() || *again != *m) std::abort();
}

}  // namespace streamlens::remote_read::fuzz
