#include "sidecar/remote_read/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace streamlens::remote_read {

namespace {

inline uint64_t LoadBE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// MSB-first bit reader over a byte range. Peek() returns the next bits left-aligned in a
// 64-bit word with at least 57 valid bits; bits past the end read as zero, and callers check
// overrun() once per sample instead of on every read.
class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size), total_bits_(size * 8) {}

  inline uint64_t Peek() const {
    size_t byte = pos_ >> 3;
    uint64_t w;
    if (__builtin_expect(byte + 8 <= size_, 1)) {
      w = LoadBE64(data_ + byte);
    } else {
      w = 0;
      for (size_t i = 0; byte + i < size_ && i < 8; ++i) {
        w |= static_cast<uint64_t>(data_[byte + i]) << (56 - 8 * i);
      }
    }
    return w << (pos_ & 7);
  }
  inline void Skip(unsigned n) { pos_ += n; }
  // Reads n bits, 1 <= n <= 57.
  inline uint64_t ReadShort(unsigned n) {
    uint64_t w = Peek();
    pos_ += n;
    return w >> (64 - n);
  }
  // Reads n bits, 0 <= n <= 64.
  inline uint64_t Read(unsigned n) {
    if (n == 0) return 0;
    if (n <= 57) return ReadShort(n);
    uint64_t hi = ReadShort(32);
    return (hi << (n - 32)) | ReadShort(n - 32);
  }
  bool overrun() const { return pos_ > total_bits_; }
  size_t pos() const { return pos_; }
  size_t total_bits() const { return total_bits_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t total_bits_;
  size_t pos_ = 0;
};

struct XorState {
  size_t pos = 0;
  uint64_t vbits = 0;
  int64_t delta = 0;
  unsigned leading = 0;  // as Prometheus' reader: no window yet means 64 significant bits
  unsigned trailing = 0;
};

// Next bits at `pos`, left-aligned, at least 57 valid. kSafe checks the end of the data (bits
// past it read as zero); the unsafe form needs 8 readable bytes at pos / 8.
template <bool kSafe>
__attribute__((always_inline)) inline uint64_t PeekBits(const uint8_t* data, size_t size,
                                                        size_t pos) {
  size_t byte = pos >> 3;
  uint64_t w;
  if (!kSafe || __builtin_expect(byte + 8 <= size, 1)) {
    w = LoadBE64(data + byte);
  } else {
    w = 0;
    for (size_t i = 0; byte + i < size && i < 8; ++i) {
      w |= static_cast<uint64_t>(data[byte + i]) << (56 - 8 * i);
    }
  }
  return w << (pos & 7);
}

template <bool kSafe>
__attribute__((always_inline)) inline uint64_t ReadBits(const uint8_t* data, size_t size,
                                                        size_t& pos, unsigned n) {
  if (n == 0) return 0;
  if (n <= 57) {
    uint64_t w = PeekBits<kSafe>(data, size, pos);
    pos += n;
    return w >> (64 - n);
  }
  uint64_t hi = PeekBits<kSafe>(data, size, pos) >> 32;
  pos += 32;
  uint64_t lo = PeekBits<kSafe>(data, size, pos) >> (64 - (n - 32));
  pos += n - 32;
  return (hi << (n - 32)) | lo;
}

// Decodes one XOR-encoded value whose first bits are in w (>= 56 valid bits).
template <bool kSafe>
__attribute__((always_inline)) inline bool DecodeValue(const uint8_t* data, size_t size,
                                                       XorState& st, uint64_t w) {
  if (__builtin_expect(!(w >> 63), 1)) {  // value unchanged
    st.pos += 1;
    return true;
  }
  unsigned sig;
  if (!((w >> 62) & 1)) {  // reuse the previous window
    sig = 64 - st.leading - st.trailing;
    if (__builtin_expect(sig <= 54, 1)) {
      st.vbits ^= ((w << 2) >> (64 - sig)) << st.trailing;
      st.pos += 2 + sig;
      return true;
    }
    st.pos += 2;
  } else {
    unsigned lead = static_cast<unsigned>((w >> 57) & 0x1f);
    unsigned mbits = static_cast<unsigned>((w >> 51) & 0x3f);
    if (mbits == 0) mbits = 64;
    if (lead + mbits > 64) return false;
    st.leading = lead;
    sig = mbits;
    st.trailing = 64 - lead - mbits;
    if (sig <= 43) {
      st.vbits ^= ((w << 13) >> (64 - sig)) << st.trailing;
      st.pos += 13 + sig;
      return true;
    }
    st.pos += 13;
  }
  uint64_t bits = ReadBits<kSafe>(data, size, st.pos, sig);
  st.vbits ^= sig == 64 ? bits : (bits << st.trailing);
  return true;
}

// Decodes sample n >= 2: delta-of-delta timestamp into t, value into st.vbits.
template <bool kSafe>
__attribute__((always_inline)) inline bool DecodeSample(const uint8_t* data, size_t size,
                                                        XorState& st, int64_t& t) {
  uint64_t w = PeekBits<kSafe>(data, size, st.pos);
  if (__builtin_expect(!(w >> 63), 1)) {  // dod == 0: the common case
    w <<= 1;
    st.pos += 1;
  } else {
    int ones = std::countl_one(w);
    int64_t dod;
    if (ones == 1) {
      uint64_t bits = (w << 2) >> 50;
      dod = bits > 8192 ? static_cast<int64_t>(bits) - 16384 : static_cast<int64_t>(bits);
      st.pos += 16;
    } else if (ones == 2) {
      uint64_t bits = (w << 3) >> 47;
      dod = bits > 65536 ? static_cast<int64_t>(bits) - 131072 : static_cast<int64_t>(bits);
      st.pos += 20;
    } else if (ones == 3) {
      uint64_t bits = (w << 4) >> 44;
      dod = bits > 524288 ? static_cast<int64_t>(bits) - 1048576 : static_cast<int64_t>(bits);
      st.pos += 24;
    } else {
      st.pos += 4;
      dod = static_cast<int64_t>(ReadBits<kSafe>(data, size, st.pos, 64));
    }
    st.delta = static_cast<int64_t>(static_cast<uint64_t>(st.delta) + static_cast<uint64_t>(dod));
    w = PeekBits<kSafe>(data, size, st.pos);
  }
  t = static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(st.delta));
  return DecodeValue<kSafe>(data, size, st, w);
}

std::string SampleError(size_t i, size_t n, const std::string& what) {
  return "sample " + std::to_string(i + 1) + " of " + std::to_string(n) + ": " + what;
}

}  // namespace

Result<size_t> XorChunkSampleCount(std::string_view data) {
  if (data.size() < 2) {
    return Status::Error("XOR chunk of " + std::to_string(data.size()) +
                         " bytes is shorter than its 2-byte header");
  }
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  return static_cast<size_t>((p[0] << 8) | p[1]);
}

Result<size_t> DecodeXorChunkInto(std::string_view data, int64_t* ts, double* values,
                                  size_t capacity) {
  auto count_or = XorChunkSampleCount(data);
  if (!count_or.ok()) return count_or.status();
  const size_t n = *count_or;
  if (n > capacity) return Status::Error("XOR chunk output buffer too small");
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t body_bits = (data.size() - 2) * 8;
  if (n == 0) {
    if (data.size() > 2) {
      return Status::Error("XOR chunk claims 0 samples but carries " +
                           std::to_string(data.size() - 2) + " bytes of data");
    }
    return size_t{0};
  }
  // Every sample costs at least 2 bits after the first two (which cost at least 72 and 9).
  if (n > 2 && (n - 2) * 2 + 81 > body_bits) {
    return Status::Error("XOR chunk claims " + std::to_string(n) + " samples but has only " +
                         std::to_string(data.size()) + " bytes");
  }
  BitReader r(p + 2, data.size() - 2);

  // Sample 0: zigzag varint timestamp, then 64 raw bits.
  uint64_t ux = 0;
  int shift = 0;
  for (int i = 0;; ++i) {
    if (i == 10)
      return Status::Error(SampleError(0, n, "timestamp varint is longer than 10 bytes"));
    uint64_t b = r.ReadShort(8);
    if (r.overrun()) return Status::Error(SampleError(0, n, "chunk data ends early"));
    if (i == 9 && b > 1) return Status::Error(SampleError(0, n, "timestamp varint overflows"));
    ux |= (b & 0x7f) << shift;
    shift += 7;
    if (b < 0x80) break;
  }
  int64_t t = static_cast<int64_t>(ux >> 1);
  if (ux & 1) t = ~t;
  uint64_t vbits = r.Read(64);
  if (r.overrun()) return Status::Error(SampleError(0, n, "chunk data ends early"));
  ts[0] = t;
  values[0] = std::bit_cast<double>(vbits);
  if (n == 1) {
    if (r.total_bits() - r.pos() >= 16) {
      return Status::Error("XOR chunk claims 1 sample but carries more data (sample count wrong?)");
    }
    return size_t{1};
  }

  // Sample 1: uvarint delta.
  uint64_t udelta = 0;
  shift = 0;
  for (int i = 0;; ++i) {
    if (i == 10) return Status::Error(SampleError(1, n, "timestamp delta varint too long"));
    uint64_t b = r.ReadShort(8);
    if (r.overrun()) return Status::Error(SampleError(1, n, "chunk data ends early"));
    if (i == 9 && b > 1)
      return Status::Error(SampleError(1, n, "timestamp delta varint overflows"));
    udelta |= (b & 0x7f) << shift;
    shift += 7;
    if (b < 0x80) break;
  }
  int64_t delta = static_cast<int64_t>(udelta);

  // Hot loop state lives in locals (registers); output stores cannot alias it.
  XorState st;
  st.pos = r.pos();
  st.vbits = vbits;
  st.delta = delta;
  const uint8_t* body = p + 2;
  const size_t body_size = data.size() - 2;

  const int64_t t0 = t;
  t = static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(delta));
  ts[1] = t;
  if (!DecodeValue<true>(body, body_size, st, PeekBits<true>(body, body_size, st.pos))) {
    return Status::Error(SampleError(1, n, "leading zeros plus significant bits exceed 64"));
  }
  if (st.pos > body_bits) return Status::Error(SampleError(1, n, "chunk data ends early"));
  values[1] = std::bit_cast<double>(st.vbits);
  if (t <= t0) return Status::Error(SampleError(1, n, "timestamp does not increase"));

  // One sample needs at most 68 + 77 bits (< 24 bytes): while that much remains, reads need no
  // bounds checks.
  const size_t fast_end_bits = body_size >= 24 ? (body_size - 24) * 8 : 0;
  size_t i = 2;
  for (; i < n && st.pos < fast_end_bits; ++i) {
    const int64_t prev = t;
    if (__builtin_expect(!DecodeSample<false>(body, body_size, st, t), 0)) {
      return Status::Error(SampleError(i, n, "leading zeros plus significant bits exceed 64"));
    }
    ts[i] = t;
    values[i] = std::bit_cast<double>(st.vbits);
    if (__builtin_expect(t <= prev, 0)) {  // also catches a wrap past INT64_MAX
      return Status::Error(SampleError(i, n, "timestamp does not increase"));
    }
  }
  for (; i < n; ++i) {
    const int64_t prev = t;
    if (!DecodeSample<true>(body, body_size, st, t)) {
      return Status::Error(SampleError(i, n, "leading zeros plus significant bits exceed 64"));
    }
    ts[i] = t;
    values[i] = std::bit_cast<double>(st.vbits);
    if (st.pos > body_bits) return Status::Error(SampleError(i, n, "chunk data ends early"));
    if (t <= prev) return Status::Error(SampleError(i, n, "timestamp does not increase"));
  }
  r.Skip(static_cast<unsigned>(st.pos - r.pos()));
  // Prometheus' own chunks may end with one spare byte; more than that means the count lies.
  if (r.total_bits() - r.pos() >= 16) {
    return Status::Error("XOR chunk claims " + std::to_string(n) + " samples but " +
                         std::to_string((r.total_bits() - r.pos()) / 8) +
                         " whole bytes follow the last one (sample count wrong?)");
  }
  return n;
}

Result<size_t> AppendXorChunk(std::string_view data, int64_t min_t, int64_t max_t, bool keep_stale,
                              std::vector<int64_t>* ts, std::vector<double>* values) {
  int64_t first = 0, last = 0;
  return AppendXorChunkChecked(data, min_t, max_t, keep_stale, ts, values, &first, &last);
}

Result<size_t> AppendXorChunkChecked(std::string_view data, int64_t min_t, int64_t max_t,
                                     bool keep_stale, std::vector<int64_t>* ts,
                                     std::vector<double>* values, int64_t* first_t,
                                     int64_t* last_t) {
  auto count_or = XorChunkSampleCount(data);
  if (!count_or.ok()) return count_or.status();
  const size_t n = *count_or;
  const size_t base = ts->size();
  ts->resize(base + n);
  values->resize(base + n);
  auto decoded = DecodeXorChunkInto(data, ts->data() + base, values->data() + base, n);
  if (!decoded.ok()) {
    ts->resize(base);
    values->resize(base);
    return decoded.status();
  }
  int64_t* t = ts->data() + base;
  double* v = values->data() + base;
  if (n > 0) {
    *first_t = t[0];
    *last_t = t[n - 1];
  }
  // Trim to [min_t, max_t]; timestamps are increasing, so the kept part is one run.
  size_t lo = 0, hi = n;
  if (n > 0 && (t[0] < min_t || t[n - 1] > max_t)) {
    lo = static_cast<size_t>(std::lower_bound(t, t + n, min_t) - t);
    hi = static_cast<size_t>(std::upper_bound(t, t + n, max_t) - t);
    if (hi < lo) hi = lo;
  }
  size_t out = 0;
  if (!keep_stale) {
    for (size_t i = lo; i < hi; ++i) {
      if (std::bit_cast<uint64_t>(v[i]) == kStaleNaNBits) goto compact;
    }
  }
  if (lo > 0) {
    std::memmove(t, t + lo, (hi - lo) * sizeof(int64_t));
    std::memmove(v, v + lo, (hi - lo) * sizeof(double));
  }
  out = hi - lo;
  ts->resize(base + out);
  values->resize(base + out);
  return out;
compact:
  for (size_t i = lo; i < hi; ++i) {
    if (std::bit_cast<uint64_t>(v[i]) == kStaleNaNBits) continue;
    t[out] = t[i];
    v[out] = v[i];
    ++out;
  }
  ts->resize(base + out);
  values->resize(base + out);
  return out;
}

namespace {

class BitWriter {
 public:
  void WriteBit(bool b) { WriteBits(b ? 1 : 0, 1); }
  void WriteBits(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      if (bits_ % 8 == 0) bytes_.push_back(0);
      if ((v >> i) & 1) bytes_.back() |= static_cast<char>(0x80 >> (bits_ % 8));
      ++bits_;
    }
  }
  void WriteByte(uint8_t b) { WriteBits(b, 8); }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
  size_t bits_ = 0;
};

bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

}  // namespace

std::string EncodeXorChunk(std::span<const int64_t> ts, std::span<const double> values) {
  BitWriter w;
  const size_t n = std::min<size_t>(std::min(ts.size(), values.size()), 65535);
  w.WriteBits(n, 16);
  int64_t prev_t = 0;
  uint64_t prev_delta = 0;
  uint64_t prev_v = 0;
  unsigned leading = 0xff, trailing = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t t = ts[i];
    uint64_t v = std::bit_cast<uint64_t>(values[i]);
    uint64_t tdelta = 0;
    if (i == 0) {
      uint64_t ux = static_cast<uint64_t>(t) << 1;
      if (t < 0) ux = ~ux;
      while (ux >= 0x80) {
        w.WriteByte(static_cast<uint8_t>(ux | 0x80));
        ux >>= 7;
      }
      w.WriteByte(static_cast<uint8_t>(ux));
      w.WriteBits(v, 64);
    } else {
      tdelta = static_cast<uint64_t>(t - prev_t);
      if (i == 1) {
        uint64_t ux = tdelta;
        while (ux >= 0x80) {
          w.WriteByte(static_cast<uint8_t>(ux | 0x80));
          ux >>= 7;
        }
        w.WriteByte(static_cast<uint8_t>(ux));
      } else {
        int64_t dod = static_cast<int64_t>(tdelta - prev_delta);
        if (dod == 0) {
          w.WriteBit(false);
        } else if (BitRange(dod, 14)) {
          w.WriteBits(0b10, 2);
          w.WriteBits(static_cast<uint64_t>(dod), 14);
        } else if (BitRange(dod, 17)) {
          w.WriteBits(0b110, 3);
          w.WriteBits(static_cast<uint64_t>(dod), 17);
        } else if (BitRange(dod, 20)) {
          w.WriteBits(0b1110, 4);
          w.WriteBits(static_cast<uint64_t>(dod), 20);
        } else {
          w.WriteBits(0b1111, 4);
          w.WriteBits(static_cast<uint64_t>(dod), 64);
        }
      }
      uint64_t delta = v ^ prev_v;
      if (delta == 0) {
        w.WriteBit(false);
      } else {
        w.WriteBit(true);
        unsigned nl = static_cast<unsigned>(std::countl_zero(delta));
        unsigned nt = static_cast<unsigned>(std::countr_zero(delta));
        if (nl >= 32) nl = 31;
        if (leading != 0xff && nl >= leading && nt >= trailing) {
          w.WriteBit(false);
          w.WriteBits(delta >> trailing, 64 - leading - trailing);
        } else {
          leading = nl;
          trailing = nt;
          w.WriteBit(true);
          w.WriteBits(nl, 5);
          unsigned sig = 64 - nl - nt;
          w.WriteBits(sig & 0x3f, 6);
          w.WriteBits(delta >> nt, static_cast<int>(sig));
        }
      }
    }
    prev_t = t;
    prev_v = v;
    prev_delta = tdelta;
  }
  return std::move(w.bytes());
}

}  // namespace streamlens::remote_read
