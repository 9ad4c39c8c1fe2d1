#include "common/flags.h"

#include <gtest/gtest.h>

namespace streamlens {
namespace {

struct Fixture {
  std::string addr = ":9644";
  int64_t workers = 2;
  double ratio = 0.5;
  bool enabled = true;
  std::chrono::milliseconds interval{30'000};
  std::vector<std::string> servers = {"localhost:9092"};
  FlagSet flags{"prog", "desc"};
  Fixture() {
    flags.String("web.listen-address", &addr, "Address.");
    flags.Int("workers", &workers, "Workers.");
    flags.Double("ratio", &ratio, "Ratio.");
    flags.Bool("collector.kafka", &enabled, "Kafka collector.");
    flags.Duration("collect.interval", &interval, "Interval.");
    flags.StringList("kafka.server", &servers, "Servers.");
  }
  Status Parse(std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    return flags.Parse(static_cast<int>(args.size()), args.data());
  }
};

TEST(FlagSetTest, ParsesEveryTypeInBothForms) {
  Fixture f;
  ASSERT_TRUE(
      f.Parse({"--web.listen-address=:1", "--workers", "8", "--ratio=0.25", "--no-collector.kafka",
               "--collect.interval=1h30m", "--kafka.server=a:1", "--kafka.server", "b:2", "extra"})
          .ok());
  EXPECT_EQ(f.addr, ":1");
  EXPECT_EQ(f.workers, 8);
  EXPECT_DOUBLE_EQ(f.ratio, 0.25);
  EXPECT_FALSE(f.enabled);
  EXPECT_EQ(f.interval, std::chrono::milliseconds(5'400'000));
  EXPECT_EQ(f.servers, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(f.flags.positional(), (std::vector<std::string>{"extra"}));
}

TEST(FlagSetTest, BoolAcceptsExplicitValues) {
  Fixture f;
  ASSERT_TRUE(f.Parse({"--collector.kafka=false"}).ok());
  EXPECT_FALSE(f.enabled);
  ASSERT_TRUE(f.Parse({"--collector.kafka"}).ok());
  EXPECT_TRUE(f.enabled);
}

TEST(FlagSetTest, UnknownFlagIsNamed) {
  Fixture f;
  Status st = f.Parse({"--web.listen-adress=:1"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "unknown flag --web.listen-adress");
  EXPECT_FALSE(f.Parse({"-x"}).ok());
}

TEST(FlagSetTest, BadValuesNameTheFlagAndExpectation) {
  Fixture f;
  Status st = f.Parse({"--workers=many"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("flag --workers: expected an integer"), std::string::npos);
  st = f.Parse({"--collect.interval=30"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("flag --collect.interval: expected a duration"), std::string::npos);
  st = f.Parse({"--workers"});
  EXPECT_EQ(st.message(), "flag --workers needs a value");
  st = f.Parse({"--ratio=nan"});
  EXPECT_FALSE(st.ok());
}

TEST(FlagSetTest, DefaultsKeptWhenAbsentAndListedInUsage) {
  Fixture f;
  ASSERT_TRUE(f.Parse({}).ok());
  EXPECT_EQ(f.servers, (std::vector<std::string>{"localhost:9092"}));
  const std::string usage = f.flags.Usage();
  EXPECT_NE(usage.find("--web.listen-address=<string>"), std::string::npos);
  EXPECT_NE(usage.find("(default: :9644)"), std::string::npos);
  EXPECT_NE(usage.find("(default: 30s)"), std::string::npos);
  EXPECT_NE(usage.find("--no-collector.kafka"), std::string::npos);
  EXPECT_NE(usage.find("(default: localhost:9092) Repeatable."), std::string::npos);
}

TEST(FlagSetTest, HelpStopsParsing) {
  Fixture f;
  ASSERT_TRUE(f.Parse({"--help", "--bogus"}).ok());
  EXPECT_TRUE(f.flags.help_requested());
}

TEST(DurationTest, ParsesAndFormatsRoundTrip) {
  EXPECT_EQ(*ParseDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*ParseDuration("7d"), std::chrono::milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(*ParseDuration("1w"), std::chrono::milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(*ParseDuration("0"), std::chrono::milliseconds(0));
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_FALSE(ParseDuration("m5").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999y").ok());
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(5'400'500)), "1h30m500ms");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(0)), "0s");
}

}  // namespace
}  // namespace streamlens
