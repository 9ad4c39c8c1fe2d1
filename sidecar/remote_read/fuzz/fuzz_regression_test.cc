// Replays every input under regressions/<target>/ (crashes the fuzzer found, and seeds) through
// the fuzz entry points, without libFuzzer, so fixed bugs stay fixed in ordinary test runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sidecar/remote_read/fuzz/fuzz_targets.h"

namespace streamlens::remote_read::fuzz {
namespace {

size_t Replay(const std::string& target, void (*fn)(const uint8_t*, size_t)) {
  std::filesystem::path dir = std::filesystem::path(STREAMLENS_FUZZ_REGRESSIONS) / target;
  size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++n;
  }
  return n;
}

TEST(FuzzRegressionTest, ReplaysKeptInputsWithoutCrashing) {
  size_t total = Replay("streamed_reply", FuzzStreamedReply) + Replay("xor_chunk", FuzzXorChunk) +
                 Replay("samples_reply", FuzzSamplesReply) + Replay("query_json", FuzzQueryJson) +
                 Replay("selector", FuzzSelector) + Replay("export_json", FuzzExportJson);
  EXPECT_GT(total, 0u) << "no regression inputs found under " << STREAMLENS_FUZZ_REGRESSIONS;
}

}  // namespace
}  // namespace streamlens::remote_read::fuzz
