#include "sidecar/remote_read/matcher.h"

#include <gtest/gtest.h>

namespace streamlens::remote_read {
namespace {

TEST(ParseSelectorTest, ParsesAllFourMatcherTypes) {
  auto m = ParseSelector(
      R"(kafka_consumergroup_lag{consumergroup=~"pay.*", topic!="x",partition!~'1|2', env = `a\b`,})");
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::vector<Matcher> want = {{MatchType::kEqual, "__name__", "kafka_consumergroup_lag"},
                               {MatchType::kRegexMatch, "consumergroup", "pay.*"},
                               {MatchType::kNotEqual, "topic", "x"},
                               {MatchType::kRegexNoMatch, "partition", "1|2"},
                               {MatchType::kEqual, "env", "a\\b"}};
  EXPECT_EQ(*m, want);
}

TEST(ParseSelectorTest, ParsesBareNameBracesOnlyAndEscapes) {
  auto a = ParseSelector("up");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (std::vector<Matcher>{{MatchType::kEqual, "__name__", "up"}}));
  auto b = ParseSelector(R"({__name__=~"job:.*", x="q\"\n\u00e9\x41"})");
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[1].value,
            "q\"\n\xc3\xa9"
            "A");
}

TEST(ParseSelectorTest, ErrorsNameTheColumn) {
  auto e = ParseSelector(R"(m{topic "x"})");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 9: expected one of = != =~ !~ after label name "
                                      "\"topic\""),
            std::string::npos)
      << e.status().message();
  auto u = ParseSelector(R"(m{a="x)");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("unterminated quoted string"), std::string::npos);
  auto r = ParseSelector("m[5m]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 2: range selectors"), std::string::npos)
      << r.status().message();
  auto empty = ParseSelector(R"({a=~".*"})");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("does not match the empty string"), std::string::npos);
  EXPECT_FALSE(ParseSelector("").ok());
  EXPECT_FALSE(ParseSelector("m{1a=\"x\"}").ok());
  EXPECT_FALSE(ParseSelector("m{a=\"x\" b=\"y\"}").ok());
}

TEST(FormatSelectorTest, RoundTripsThroughTheParser) {
  std::vector<Matcher> m = {{MatchType::kEqual, "__name__", "m"},
                            {MatchType::kRegexNoMatch, "a", "x\"y\\z\n"},
                            {MatchType::kNotEqual, "b", ""}};
  std::string text = FormatSelector(m);
  EXPECT_EQ(text, R"({__name__="m",a!~"x\"y\\z\n",b!=""})");
  auto back = ParseSelector(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, m);
}

}  // namespace
}  // namespace streamlens::remote_read
