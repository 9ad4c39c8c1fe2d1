#include "common/gzip_stream.h"

#include <zlib.h>

#include <algorithm>
#include <optional>

namespace streamlens {

namespace {

// Runs deflate over `text` with a fresh raw-deflate state and finishes with `flush`
// (Z_SYNC_FLUSH: byte-aligned, no final block; Z_FINISH: ends with the final block). nullopt
// only when zlib cannot allocate its state.
std::optional<std::string> RawDeflate(std::string_view text, int level, int flush) {
  z_stream z{};
  level = std::clamp(level, Z_BEST_SPEED, Z_BEST_COMPRESSION);
  // windowBits -15: raw deflate (no zlib/gzip wrapper); memLevel 8 is zlib's default.
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  constexpr size_t kSlice = size_t{1} << 30;  // zlib counts in uInt
  // Exposition text compresses to a few percent: start small and grow, rather than reserving
  // deflateBound (more than the text itself) for the snapshot's lifetime.
  std::string out(std::min<size_t>(deflateBound(&z, text.size()) + 16, text.size() / 8 + 4096),
                  '\0');
  const char* in = text.data();
  size_t left = text.size();
  size_t produced = 0;
  for (;;) {
    if (z.avail_in == 0 && left > 0) {
      const size_t n = std::min(left, kSlice);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      z.avail_in = static_cast<uInt>(n);
      in += n;
      left -= n;
    }
    if (produced == out.size()) out.resize(out.size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(std::min(out.size() - produced, kSlice));
    const uInt room = z.avail_out;
    const bool last = left == 0;
    const int rc = deflate(&z, last ? flush : Z_NO_FLUSH);
    produced += room - z.avail_out;
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&z);
      return std::nullopt;
    }
    if (last && z.avail_in == 0) {
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z.avail_out != 0) break;
    }
  }
  deflateEnd(&z);
  out.resize(produced);
  out.shrink_to_fit();
  return out;
}

void PutLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t Crc(std::string_view text) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!text.empty()) {
    const uInt n = static_cast<uInt>(std::min<size_t>(text.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(text.data()), n);
    text.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

DeflateSegment DeflateSegmentOf(std::string_view text, int level) {
  DeflateSegment s;
  auto bytes = RawDeflate(text, level, Z_SYNC_FLUSH);
  if (!bytes) return s;
  s.bytes = std::make_shared<const std::string>(std::move(*bytes));
  s.crc32 = Crc(text);
  s.length = text.size();
  return s;
}

std::vector<std::shared_ptr<const std::string>> AssembleGzip(
    const std::vector<const DeflateSegment*>& segments, std::string_view tail, int level) {
  std::vector<std::shared_ptr<const std::string>> pieces;
  pieces.reserve(segments.size() + 2);
  // Magic, CM=deflate, no flags, no mtime, XFL 0, OS 255 (unknown).
  static const auto kHeader = std::make_shared<const std::string>(
      std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10));
  pieces.push_back(kHeader);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t length = 0;
  for (const DeflateSegment* s : segments) {
    if (s == nullptr || s->length == 0) continue;
    if (!s->bytes) return {};
    pieces.push_back(s->bytes);
    crc = crc32_combine(crc, s->crc32, static_cast<z_off_t>(s->length));
    length += s->length;
  }
  auto finished = RawDeflate(tail, level, Z_FINISH);
  if (!finished) return {};
  std::string end = std::move(*finished);
  crc = crc32_combine(crc, Crc(tail), static_cast<z_off_t>(tail.size()));
  length += tail.size();
  PutLe32(static_cast<uint32_t>(crc), &end);
  PutLe32(static_cast<uint32_t>(length & 0xffffffffu), &end);  // ISIZE: length modulo 2^32
  pieces.push_back(std::make_shared<const std::string>(std::move(end)));
  return pieces;
}

}  // namespace streamlens
