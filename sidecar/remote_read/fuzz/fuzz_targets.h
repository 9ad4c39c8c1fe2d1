// Fuzz entry points for the decoders that read untrusted server replies. Each must never crash,
// hang or read out of bounds, for any input; the libFuzzer mains (fuzz_*.cc) and the regression
// test (fuzz_regression_test.cc, replaying regressions/<target>/*) call these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace streamlens::remote_read::fuzz {

void FuzzStreamedReply(const uint8_t* data, size_t size);  // frames + CRC + ChunkedReadResponse
void FuzzXorChunk(const uint8_t* data, size_t size);       // one XOR chunk
void FuzzSamplesReply(const uint8_t* data, size_t size);   // snappy + ReadResponse
void FuzzQueryJson(const uint8_t* data, size_t size);      // query API JSON
void FuzzSelector(const uint8_t* data, size_t size);
void FuzzExportJson(
    const uint8_t* data,
    size_t size);  // export API JSON lines, in pieces       // selector parse/format round trip

}  // namespace streamlens::remote_read::fuzz
