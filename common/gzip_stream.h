// Gzip bodies assembled from independently compressed pieces, so a large pre-rendered snapshot is
// compressed once per collection and each scrape only compresses its small changing tail.
//
// A DeflateSegment is raw deflate data of one text that ends on a byte boundary without a final
// block (Z_SYNC_FLUSH) and never refers back before its own start, so segments can be
// concatenated in any order into one deflate stream (the technique pigz uses). AssembleGzip()
// wraps segments plus a compressed tail into a single-member gzip stream (RFC 1952): header,
// segments, tail ending with the final block, and a trailer whose CRC-32 is combined from the
// segments' CRCs with crc32_combine. Any gzip reader (Go's, curl's, zlib's) sees one member
// whose content is the concatenation of the texts.
//
// Pure functions of their inputs; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace streamlens {

struct DeflateSegment {
  std::shared_ptr<const std::string> bytes;  // raw deflate, sync-flushed, no final block
  uint32_t crc32 = 0;                        // CRC-32 of the uncompressed text
  uint64_t length = 0;                       // uncompressed length
};

// Compresses `text` at zlib `level` (1 fastest .. 9 smallest, clamped) into a standalone
// segment. `bytes` is null only when zlib could not allocate its state.
DeflateSegment DeflateSegmentOf(std::string_view text, int level);

// The pieces of one gzip stream whose uncompressed content is the segments' texts in order,
// followed by `tail` (compressed here at `level`). The segments' bytes are shared, not copied.
// Empty segments are skipped. Returns no pieces when a non-empty segment has no bytes or zlib
// could not allocate its state (callers then serve plain text).
std::vector<std::shared_ptr<const std::string>> AssembleGzip(
    const std::vector<const DeflateSegment*>& segments, std::string_view tail, int level);

}  // namespace streamlens
