// Replays every input under regressions/<target>/ (inputs the fuzzers found, and seeds) through
// the fuzz entry points, without libFuzzer, so fixed bugs stay fixed in ordinary test runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "exporter/jolokia/fuzz/fuzz_targets.h"

namespace streamlens::exporter::jolokia::fuzz {
namespace {

size_t Replay(const std::string& target, void (*fn)(const uint8_t*, size_t)) {
  std::filesystem::path dir = std::filesystem::path(STREAMLENS_JOLOKIA_FUZZ_REGRESSIONS) / target;
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++n;
  }
  return n;
}

TEST(JolokiaFuzzRegressionTest, ReplaysKeptInputsWithoutCrashing) {
  EXPECT_GT(Replay("bulk_reply", FuzzBulkReply), 0u);
  EXPECT_GT(Replay("jolokia_config", FuzzJolokiaConfig), 0u);
}

}  // namespace
}  // namespace streamlens::exporter::jolokia::fuzz
