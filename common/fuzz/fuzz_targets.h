// Fuzz entry points for what the daemons' HTTP side reads from outside: the web config file and
// HTTP requests (request line, headers, query parameters, basic-auth credentials). Each must
// never crash, hang or read out of bounds for any input. Called by the libFuzzer mains
// (fuzz_*.cc, built with -DSTREAMLENS_FUZZ=ON) and by HttpFuzzRegressionTest, which replays
// regressions/<target>/* in every test run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace streamlens::fuzz {

void FuzzWebConfig(const uint8_t* data, size_t size);    // exporter-toolkit web config YAML
void FuzzHttpRequest(const uint8_t* data, size_t size);  // request head, query, Authorization

}  // namespace streamlens::fuzz
