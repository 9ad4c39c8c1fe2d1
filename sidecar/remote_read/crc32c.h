// CRC32C (Castagnoli), as used by Prometheus' streamed remote-read frames.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace streamlens::remote_read {

uint32_t Crc32c(std::string_view data);

}  // namespace streamlens::remote_read
