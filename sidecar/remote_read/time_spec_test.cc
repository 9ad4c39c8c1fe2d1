#include "sidecar/remote_read/time_spec.h"

#include <gtest/gtest.h>

namespace streamlens::remote_read {
namespace {

TEST(ParseTimeSpecTest, AcceptsRfc3339UnixAndRelative) {
  const int64_t now = 1'764'000'000'000;
  EXPECT_EQ(*ParseTimeSpec("2026-11-20T00:00:00Z", now), 1'795'132'800'000);
  EXPECT_EQ(*ParseTimeSpec("2026-11-20T01:30:00.25+02:00", now),
            1'795'132'800'000 - 1'800'000 + 250);
  EXPECT_EQ(*ParseTimeSpec("1970-01-01T00:00:00Z", now), 0);
  EXPECT_EQ(*ParseTimeSpec("1700000000", now), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeSpec("1700000000.5", now), 1'700'000'000'500);
  EXPECT_EQ(*ParseTimeSpec("now", now), now);
  EXPECT_EQ(*ParseTimeSpec("now-7d", now), now - 7 * 86'400'000);
  EXPECT_EQ(*ParseTimeSpec("now+1h30m", now), now + 5'400'000);
}

TEST(ParseTimeSpecTest, RejectsBadInputWithAHint) {
  for (const char* bad : {"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-20T00:00:00", "now-", "now*2", "12abc"}) {
    auto r = ParseTimeSpec(bad, 0);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected RFC 3339"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace streamlens::remote_read
