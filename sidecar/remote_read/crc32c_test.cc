#include "sidecar/remote_read/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace streamlens::remote_read {
namespace {

TEST(Crc32cTest, MatchesKnownVectors) {
  // RFC 3720 (iSCSI) test vectors and the classic "123456789" check value.
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(inc), 0x46dd794eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

}  // namespace
}  // namespace streamlens::remote_read
