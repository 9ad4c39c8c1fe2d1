// libFuzzer target: FuzzExportJson (see fuzz_targets.h).
#include "sidecar/remote_read/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamlens::remote_read::fuzz::FuzzExportJson(data, size);
  return 0;
}
