// libFuzzer target: FuzzSidecarConfig (see fuzz_targets.h).
#include "sidecar/engine/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamlens::engine::fuzz::FuzzSidecarConfig(data, size);
  return 0;
}
