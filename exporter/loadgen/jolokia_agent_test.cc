#include "exporter/loadgen/jolokia_agent.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace streamlens::exporter::loadgen {
namespace {

TEST(JolokiaAgentTest, ObjectNamePatternsMatchAsJmxDoes) {
  const std::string in = "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders";
  EXPECT_TRUE(ObjectNameMatches("kafka.server:type=BrokerTopicMetrics,*", in));
  EXPECT_TRUE(ObjectNameMatches("kafka.server:name=BytesInPerSec,type=BrokerTopicMetrics,*", in));
  EXPECT_TRUE(ObjectNameMatches("kafka.*:type=BrokerTopicMetrics,name=Bytes*,topic=orders", in));
  EXPECT_TRUE(ObjectNameMatches(in, in));
  // Without the wildcard property the key sets must be equal.
  EXPECT_FALSE(ObjectNameMatches("kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec", in));
  EXPECT_FALSE(ObjectNameMatches("kafka.network:type=BrokerTopicMetrics,*", in));
  EXPECT_FALSE(ObjectNameMatches("kafka.server:type=BrokerTopicMetrics,topic=clicks,*", in));
  EXPECT_TRUE(
      ObjectNameMatches("java.lang:type=OperatingSystem,*", "java.lang:type=OperatingSystem"));
  EXPECT_FALSE(ObjectNameMatches("not a name", in));
}

TEST(JolokiaAgentTest, AnswersBulkReadsInRequestOrder) {
  const std::vector<MBean> beans = {
      {"kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec",
       {{"Count", 10}, {"OneMinuteRate", 2}}},
      {"kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=a", {{"Count", 4}}},
      {"java.lang:type=OperatingSystem", {{"ProcessCpuLoad", 0.25}}},
  };
  const std::string body = R"([
    {"type":"read","mbean":"kafka.server:type=BrokerTopicMetrics,*","attribute":["Count"],
     "config":{"ignoreErrors":true}},
    {"type":"read","mbean":"java.lang:type=OperatingSystem"},
    {"type":"read","mbean":"kafka.log:type=Log,*"},
    {"type":"exec","mbean":"java.lang:type=Memory","operation":"gc"}
  ])";
  auto reply = AnswerJolokiaRead(body, beans, 1700000000);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  rapidjson::Document d;
  d.Parse(reply->c_str());
  ASSERT_TRUE(d.IsArray()) << *reply;
  ASSERT_EQ(d.Size(), 4u);
  EXPECT_EQ(d[0]["status"].GetInt(), 200);
  const auto& v0 = d[0]["value"];
  ASSERT_TRUE(v0.IsObject());
  EXPECT_EQ(v0.MemberCount(), 2u);
  EXPECT_DOUBLE_EQ(
      v0["kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec"]["Count"].GetDouble(), 10);
  EXPECT_FALSE(
      v0["kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec"].HasMember("OneMinuteRate"));
  EXPECT_DOUBLE_EQ(d[1]["value"]["ProcessCpuLoad"].GetDouble(), 0.25);
  EXPECT_EQ(d[2]["status"].GetInt(), 404);
  EXPECT_STREQ(d[2]["error_type"].GetString(), "javax.management.InstanceNotFoundException");
  EXPECT_EQ(d[3]["status"].GetInt(), 400);
  EXPECT_EQ(d[0]["request"]["mbean"], "kafka.server:type=BrokerTopicMetrics,*");
}

TEST(JolokiaAgentTest, ASingleRequestGetsASingleAnswerAndGarbageAnError) {
  const std::vector<MBean> beans = {{"java.lang:type=OperatingSystem", {{"ProcessCpuLoad", 0.5}}}};
  auto one =
      AnswerJolokiaRead(R"({"type":"read","mbean":"java.lang:type=OperatingSystem"})", beans, 0);
  ASSERT_TRUE(one.ok());
  rapidjson::Document d;
  d.Parse(one->c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["status"].GetInt(), 200);
  EXPECT_FALSE(AnswerJolokiaRead("[[[", beans, 0).ok());
  EXPECT_FALSE(AnswerJolokiaRead("42", beans, 0).ok());
}

}  // namespace
}  // namespace streamlens::exporter::loadgen
