// Fuzz entry points for what the sidecar reads from files: its YAML configuration
// (--config.file) and the job state files under --storage.path (which a crash, a full disk or a
// bad copy can corrupt). Each must never crash, hang or read out of bounds for any input. Called
// by the libFuzzer mains (fuzz_*.cc, -DSTREAMLENS_FUZZ=ON) and by EngineFuzzRegressionTest,
// which replays regressions/<target>/*.
#pragma once

#include <cstddef>
#include <cstdint>

namespace streamlens::engine::fuzz {

void FuzzSidecarConfig(const uint8_t* data, size_t size);  // sidecar config YAML
// The input is decoded as a whole state file, and also as the payload of a state file with a
// valid header and checksum (so the fuzzer reaches the series layout behind the CRC). The
// models are a test double that reads a bounded list of doubles; the real analyses' Load() of
// their own blobs is not covered here.
void FuzzStateFile(const uint8_t* data, size_t size);

}  // namespace streamlens::engine::fuzz
