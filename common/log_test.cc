#include "common/log.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace streamlens {
namespace {

TEST(LoggerTest, LogfmtIsOneLineWithQuotedValues) {
  std::ostringstream out;
  Logger log(&out, LogLevel::kInfo, LogFormat::kLogfmt);
  log.With({{"collector", "kafka"}})
      .Info("collection failed", {{"err", "broker 1: timed out\nretrying"}, {"n", 3}});
  const std::string line = out.str();
  EXPECT_TRUE(
      std::regex_match(line, std::regex(R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info )"
                                        R"(msg="collection failed" collector=kafka )"
                                        R"(err="broker 1: timed out\\nretrying" n=3\n)")))
      << line;
}

TEST(LoggerTest, LevelFiltersBelowThreshold) {
  std::ostringstream out;
  Logger log(&out, LogLevel::kWarn, LogFormat::kLogfmt);
  log.Debug("d");
  log.Info("i");
  log.Warn("w");
  log.Error("e");
  const std::string s = out.str();
  EXPECT_EQ(s.find("msg=d"), std::string::npos);
  EXPECT_EQ(s.find("msg=i"), std::string::npos);
  EXPECT_NE(s.find("level=warn msg=w"), std::string::npos);
  EXPECT_NE(s.find("level=error msg=e"), std::string::npos);
}

TEST(LoggerTest, JsonEscapesAndIsOneObjectPerLine) {
  std::ostringstream out;
  Logger log(&out, LogLevel::kDebug, LogFormat::kJson);
  log.Debug("say \"hi\"", {{"ratio", 0.5}, {"ok", true}});
  const std::string s = out.str();
  EXPECT_NE(s.find(R"("level":"debug","msg":"say \"hi\"","ratio":"0.5","ok":"true"})"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.front(), '{');
  EXPECT_EQ(s.back(), '\n');
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_NE(ParseLogLevel("verbose").status().message().find("debug, info, warn, error"),
            std::string::npos);
  EXPECT_FALSE(ParseLogFormat("text").ok());
}

}  // namespace
}  // namespace streamlens
