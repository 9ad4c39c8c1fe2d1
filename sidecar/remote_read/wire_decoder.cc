#include "sidecar/remote_read/wire_decoder.h"

#include <snappy.h>

#include <bit>
#include <cstring>
#include <vector>

#include "sidecar/remote_read/crc32c.h"
#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/xor_chunk.h"

namespace streamlens::remote_read {

namespace {

// One protobuf field as read off the wire.
struct Field {
  uint32_t number = 0;
  uint32_t wire_type = 0;
  uint64_t varint = 0;     // wire type 0, 1 (raw 64 bits), 5 (raw 32 bits)
  std::string_view bytes;  // wire type 2
};

inline bool ReadVarint(const char*& p, const char* end, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p == end) return false;
    uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      if (shift == 63 && b > 1) return false;
      *out = v;
      return true;
    }
  }
  return false;
}

// Iterates the fields of one message. Next() returns 1 for a field, 0 at the end, -1 on
// malformed input (then error() says what).
class FieldReader {
 public:
  explicit FieldReader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  int Next(Field* f) {
    if (p_ == end_) return 0;
    uint64_t key;
    if (!ReadVarint(p_, end_, &key)) return Fail("truncated field key");
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire_type = static_cast<uint32_t>(key & 7);
    if (f->number == 0 || (key >> 3) > 0x1fffffff) return Fail("invalid field number 0");
    switch (f->wire_type) {
      case 0:
        if (!ReadVarint(p_, end_, &f->varint)) return Fail("truncated varint");
        return 1;
      case 1:
        if (end_ - p_ < 8) return Fail("truncated 64-bit field");
        std::memcpy(&f->varint, p_, 8);
        p_ += 8;
        return 1;
      case 5: {
        if (end_ - p_ < 4) return Fail("truncated 32-bit field");
        uint32_t v;
        std::memcpy(&v, p_, 4);
        f->varint = v;
        p_ += 4;
        return 1;
      }
      case 2: {
        uint64_t len;
        if (!ReadVarint(p_, end_, &len)) return Fail("truncated length");
        if (len > static_cast<uint64_t>(end_ - p_)) {
          return Fail("field " + std::to_string(f->number) + " claims " + std::to_string(len) +
                      " bytes but only " + std::to_string(end_ - p_) + " remain");
        }
        f->bytes = std::string_view(p_, len);
        p_ += len;
        return 1;
      }
      default:
        return Fail("unsupported wire type " + std::to_string(f->wire_type) + " for field " +
                    std::to_string(f->number));
    }
  }
  const std::string& error() const { return error_; }

 private:
  int Fail(std::string msg) {
    error_ = "malformed protobuf: " + std::move(msg);
    return -1;
  }
  const char* p_;
  const char* end_;
  std::string error_;
};

using LabelPairs = std::vector<std::pair<std::string_view, std::string_view>>;

Status ParseLabel(std::string_view msg, LabelPairs* labels) {
  FieldReader r(msg);
  Field f;
  std::string_view name, value;
  int rc;
  while ((rc = r.Next(&f)) > 0) {
    if (f.number == 1 && f.wire_type == 2) name = f.bytes;
    if (f.number == 2 && f.wire_type == 2) value = f.bytes;
  }
  if (rc < 0) return Status::Error("label: " + r.error());
  if (name.empty()) return Status::Error("label with an empty name");
  labels->emplace_back(name, value);
  return Status::Ok();
}

std::string SeriesText(const LabelPairs& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) s += ",";
    s.append(labels[i].first);
    s += "=";
    AppendQuoted(&s, labels[i].second);
  }
  return s + "}";
}

// Reads the labels (field 1) of a TimeSeries or ChunkedSeries message.
Status ParseSeriesLabels(std::string_view msg, LabelPairs* labels) {
  FieldReader r(msg);
  Field f;
  int rc;
  while ((rc = r.Next(&f)) > 0) {
    if (f.number == 1 && f.wire_type == 2) STREAMLENS_RETURN_IF_ERROR(ParseLabel(f.bytes, labels));
  }
  if (rc < 0) return Status::Error("series: " + r.error());
  return Status::Ok();
}

// One Chunk message into the index (its samples are decoded later, by DecodeChunkIndexes).
Status IndexChunk(std::string_view msg, const LabelPairs& labels, size_t frame, ChunkIndex* out) {
  FieldReader cr(msg);
  Field cf;
  int crc;
  int64_t min_t = 0, max_t = 0;
  uint64_t type = 0;
  std::string_view data;
  while ((crc = cr.Next(&cf)) > 0) {
    switch (cf.number) {
      case 1:
        min_t = static_cast<int64_t>(cf.varint);
        break;
      case 2:
        max_t = static_cast<int64_t>(cf.varint);
        break;
      case 3:
        type = cf.varint;
        break;
      case 4:
        data = cf.bytes;
        break;
      default:
        break;
    }
  }
  if (crc < 0) return Status::Error("series " + SeriesText(labels) + ": chunk: " + cr.error());
  // The text is built only for an error: this runs once per chunk.
  auto where = [&] {
    return "series " + SeriesText(labels) + ": chunk [" + std::to_string(min_t) + "," +
           std::to_string(max_t) + "]";
  };
  if (type != 1) {
    return Status::Error(where() + " has encoding " + std::to_string(type) +
                         ", only XOR (1) float chunks are supported");
  }
  Status st = out->AddChunk(min_t, max_t, data, frame);
  if (!st.ok()) return Status::Error(where() + ": " + st.message());
  if (out->sample_bound() > out->options().max_samples) {
    return LimitExceeded("max_samples", out->options().max_samples, "the reply has more samples");
  }
  return Status::Ok();
}

// Reads the labels of a series message into `labels` and begins that series in `out` (a
// ChunkIndex or a SeriesSetBuilder). Fails, naming the series, for malformed or invalid labels,
// and with LimitExceeded("max_series") when `out` then holds more than `max_series` series.
template <typename Out>
Status BeginSeries(std::string_view msg, size_t max_series, Out* out, LabelPairs* labels) {
  STREAMLENS_RETURN_IF_ERROR(ParseSeriesLabels(msg, labels));
  Status st = out->BeginSeries(*labels);
  if (!st.ok()) return Status::Error("series " + SeriesText(*labels) + ": " + st.message());
  if (out->num_series() > max_series) {
    return LimitExceeded("max_series", max_series,
                         "the reply has more series (at " + SeriesText(*labels) + ")");
  }
  return Status::Ok();
}

// Calls each(bytes) for every field 2 of a series message (its chunks, or its samples), which
// must be a message; errors name the series.
template <typename Each>
Status ForEachSeriesItem(std::string_view msg, const LabelPairs& labels, Each each) {
  FieldReader r(msg);
  Field f;
  int rc;
  while ((rc = r.Next(&f)) > 0) {
    if (f.number != 2) continue;
    if (f.wire_type != 2) {
      return Status::Error("series " + SeriesText(labels) + ": field 2 has wire type " +
                           std::to_string(f.wire_type) + ", expected a message");
    }
    STREAMLENS_RETURN_IF_ERROR(each(f.bytes));
  }
  if (rc < 0) return Status::Error("series " + SeriesText(labels) + ": " + r.error());
  return Status::Ok();
}

Status IndexChunkedSeries(std::string_view msg, size_t frame, ChunkIndex* out, size_t* chunks) {
  LabelPairs labels;
  STREAMLENS_RETURN_IF_ERROR(BeginSeries(msg, out->options().max_series, out, &labels));
  return ForEachSeriesItem(msg, labels, [&](std::string_view chunk) {
    ++*chunks;
    return IndexChunk(chunk, labels, frame, out);
  });
}

Status DecodeSampleSeries(std::string_view msg, const DecodeOptions& options,
                          SeriesSetBuilder* out) {
  LabelPairs labels;
  STREAMLENS_RETURN_IF_ERROR(BeginSeries(msg, options.max_series, out, &labels));
  return ForEachSeriesItem(msg, labels, [&](std::string_view sample) -> Status {
    FieldReader cr(sample);
    Field cf;
    int crc;
    double v = 0;
    int64_t t = 0;
    while ((crc = cr.Next(&cf)) > 0) {
      if (cf.number == 1 && cf.wire_type == 1) v = std::bit_cast<double>(cf.varint);
      if (cf.number == 2 && cf.wire_type == 0) t = static_cast<int64_t>(cf.varint);
    }
    if (crc < 0) return Status::Error("series " + SeriesText(labels) + ": sample: " + cr.error());
    if (t < options.start_ms || t > options.end_ms) return Status::Ok();
    if (!options.keep_stale_markers && std::bit_cast<uint64_t>(v) == kStaleNaNBits) {
      return Status::Ok();
    }
    int64_t last = out->last_timestamp_in_run();
    if (t <= last) {
      return Status::Error("series " + SeriesText(labels) + ": sample timestamp " +
                           std::to_string(t) + " does not increase (previous " +
                           std::to_string(last) + ")");
    }
    out->Append(t, v);
    if (out->num_samples() > options.max_samples) {
      return LimitExceeded("max_samples", options.max_samples, "the reply has more samples");
    }
    return Status::Ok();
  });
}

}  // namespace

Result<std::string> SnappyDecode(std::string_view compressed, size_t max_bytes) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &n)) {
    return Status::Error("malformed snappy block: bad length header");
  }
  if (n > max_bytes) {
    return Status::Error("snappy block would decode to " + std::to_string(n) +
                         " bytes, above the limit of " + std::to_string(max_bytes));
  }
  std::string out;
  out.resize(n);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
    return Status::Error("malformed snappy block (" + std::to_string(compressed.size()) +
                         " bytes)");
  }
  return out;
}

std::string SnappyEncode(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

Status DecodeReadResponse(std::string_view message, const DecodeOptions& options,
                          SeriesSetBuilder* out) {
  FieldReader r(message);
  Field f;
  int rc;
  size_t results = 0;
  while ((rc = r.Next(&f)) > 0) {
    if (f.number != 1) continue;
    if (f.wire_type != 2) return Status::Error("ReadResponse: results field is not a message");
    if (++results > 1) return Status::Error("ReadResponse: more results than queries sent (1)");
    FieldReader qr(f.bytes);
    Field qf;
    int qrc;
    while ((qrc = qr.Next(&qf)) > 0) {
      if (qf.number != 1) continue;
      if (qf.wire_type != 2) return Status::Error("QueryResult: timeseries field is not a message");
      STREAMLENS_RETURN_IF_ERROR(DecodeSampleSeries(qf.bytes, options, out));
    }
    if (qrc < 0) return Status::Error("QueryResult: " + qr.error());
  }
  if (rc < 0) return Status::Error("ReadResponse: " + r.error());
  return Status::Ok();
}

Status DecodeChunkedReadResponse(std::string_view msg, size_t frame, ChunkIndex* out,
                                 size_t* chunks) {
  FieldReader r(msg);
  Field f;
  int rc;
  while ((rc = r.Next(&f)) > 0) {
    if (f.number == 2 && f.wire_type == 0 && f.varint != 0) {
      return Status::Error("frame " + std::to_string(frame) + ": query_index " +
                           std::to_string(f.varint) + " but only query 0 was sent");
    }
    if (f.number != 1) continue;
    if (f.wire_type != 2) {
      return Status::Error("frame " + std::to_string(frame) + ": chunked_series is not a message");
    }
    Status st = IndexChunkedSeries(f.bytes, frame, out, chunks);
    if (!st.ok()) return Status::Error("frame " + std::to_string(frame) + ": " + st.message());
  }
  if (rc < 0) return Status::Error("frame " + std::to_string(frame) + ": " + r.error());
  return Status::Ok();
}

StreamedReadDecoder::StreamedReadDecoder(size_t max_frame_bytes, ChunkIndex* out)
    : max_frame_bytes_(max_frame_bytes), out_(out) {}

Status StreamedReadDecoder::DecodeFrames(std::string_view data, size_t* consumed) {
  size_t pos = 0;
  while (pos < data.size()) {
    const char* p = data.data() + pos;
    const char* end = data.data() + data.size();
    uint64_t len;
    const char* q = p;
    if (!ReadVarint(q, end, &len)) {
      if (end - p >= 10) {
        return Status::Error("frame " + std::to_string(frames_ + 1) + ": malformed length varint");
      }
      break;  // length not complete yet
    }
    if (len > max_frame_bytes_) {
      return Status::Error("frame " + std::to_string(frames_ + 1) + " is " + std::to_string(len) +
                           " bytes, above the limit of " + std::to_string(max_frame_bytes_) +
                           " (--remote-read.max-frame-bytes)");
    }
    size_t header = static_cast<size_t>(q - p) + 4;
    if (static_cast<size_t>(end - p) < header + len) break;
    const auto* c = reinterpret_cast<const uint8_t*>(q);
    uint32_t want = (uint32_t{c[0]} << 24) | (uint32_t{c[1]} << 16) | (uint32_t{c[2]} << 8) | c[3];
    std::string_view msg(q + 4, len);
    ++frames_;
    uint32_t got = Crc32c(msg);
    if (got != want) {
      return Status::Error("frame " + std::to_string(frames_) + ": CRC32C mismatch (frame says " +
                           std::to_string(want) + ", data has " + std::to_string(got) + ")");
    }
    STREAMLENS_RETURN_IF_ERROR(DecodeChunkedReadResponse(msg, frames_, out_, &chunks_));
    pos += header + len;
  }
  *consumed = pos;
  return Status::Ok();
}

Status StreamedReadDecoder::Feed(std::string_view bytes) {
  if (!failed_.ok()) return failed_;
  bytes_ += bytes.size();
  size_t consumed = 0;
  Status st;
  if (pending_.empty()) {
    st = DecodeFrames(bytes, &consumed);
    if (st.ok()) pending_.assign(bytes.substr(consumed));
  } else {
    pending_.append(bytes);
    st = DecodeFrames(pending_, &consumed);
    if (st.ok()) pending_.erase(0, consumed);
  }
  if (!st.ok()) failed_ = st;
  return st;
}

Status StreamedReadDecoder::Finish() {
  if (!failed_.ok()) return failed_;
  if (!pending_.empty()) {
    return Status::Error("streamed reply ends inside frame " + std::to_string(frames_ + 1) + " (" +
                         std::to_string(pending_.size()) + " bytes of it received)");
  }
  return Status::Ok();
}

}  // namespace streamlens::remote_read
