// libFuzzer target: FuzzWebConfig (see fuzz_targets.h).
#include "common/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamlens::fuzz::FuzzWebConfig(data, size);
  return 0;
}
