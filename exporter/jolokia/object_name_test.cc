#include "exporter/jolokia/object_name.h"

#include <gtest/gtest.h>

namespace streamlens::exporter::jolokia {
namespace {

std::string Prefix(std::string_view name) {
  std::string out;
  if (!AppendMatchPrefix(name, &out)) return "<malformed>";
  return out;
}

TEST(ObjectNameTest, KeepsRegistrationOrderWithTypeAndNameFirst) {
  EXPECT_EQ(Prefix("kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders"),
            "kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec, topic=orders>");
  // Canonical (sorted) names as some agents return them still put type and name first.
  EXPECT_EQ(Prefix("kafka.network:name=TotalTimeMs,request=Produce,type=RequestMetrics"),
            "kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce>");
  EXPECT_EQ(Prefix("kafka.log:partition=3,topic=t,type=Log,name=Size"),
            "kafka.log<type=Log, name=Size, partition=3, topic=t>");
  EXPECT_EQ(Prefix("java.lang:type=Memory"), "java.lang<type=Memory>");
}

TEST(ObjectNameTest, KeepsQuotedValuesWithCommasVerbatim) {
  EXPECT_EQ(Prefix("kafka.server:type=X,clientId=\"a,b\\\"c\",name=Y"),
            "kafka.server<type=X, name=Y, clientId=\"a,b\\\"c\">");
}

TEST(ObjectNameTest, RejectsMalformedNames) {
  EXPECT_EQ(Prefix("no-colon"), "<malformed>");
  EXPECT_EQ(Prefix(":type=X"), "<malformed>");
  EXPECT_EQ(Prefix("d:type"), "<malformed>");
  EXPECT_EQ(Prefix("d:type=X,"), "<malformed>");
  EXPECT_EQ(Prefix("d:type=\"unterminated"), "<malformed>");
  EXPECT_EQ(Prefix("d:"), "<malformed>");
}

TEST(ObjectNameTest, DetectsPatternsOutsideQuotes) {
  EXPECT_TRUE(IsObjectNamePattern("kafka.server:type=ReplicaManager,*"));
  EXPECT_TRUE(IsObjectNamePattern("kafka.*:type=X"));
  EXPECT_TRUE(IsObjectNamePattern("d:name=Size?"));
  EXPECT_FALSE(IsObjectNamePattern("java.lang:type=Memory"));
  EXPECT_FALSE(IsObjectNamePattern("d:k=\"a*b\""));
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
