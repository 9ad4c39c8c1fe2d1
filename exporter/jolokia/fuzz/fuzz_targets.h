// Fuzz entry points for what the exporter reads about Jolokia: the bulk read reply of a broker's
// agent (untrusted network input) and the rules/config YAML (--jolokia.config). Each must never
// crash, hang or read out of bounds for any input. Called by the libFuzzer mains (fuzz_*.cc,
// -DSTREAMLENS_FUZZ=ON) and by JolokiaFuzzRegressionTest, which replays regressions/<target>/*.
#pragma once

#include <cstddef>
#include <cstdint>

namespace streamlens::exporter::jolokia::fuzz {

void FuzzBulkReply(const uint8_t* data, size_t size);      // reply to the built-in rules' request
void FuzzJolokiaConfig(const uint8_t* data, size_t size);  // rules/config YAML

}  // namespace streamlens::exporter::jolokia::fuzz
