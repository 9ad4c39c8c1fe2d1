// libFuzzer target: FuzzHttpRequest (see fuzz_targets.h).
#include "common/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamlens::fuzz::FuzzHttpRequest(data, size);
  return 0;
}
