// libFuzzer target: FuzzBulkReply (see fuzz_targets.h).
#include "exporter/jolokia/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  streamlens::exporter::jolokia::fuzz::FuzzBulkReply(data, size);
  return 0;
}
