#include "exporter/jolokia/bulk_reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace streamlens::exporter::jolokia {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const JolokiaConfig> Config() {
  auto c = ParseJolokiaConfig(R"(
lowercaseOutputName: true
mbeans:
  - mbean: "kafka.server:type=BrokerTopicMetrics,*"
    attributes: [Count, OneMinuteRate]
  - mbean: "kafka.server:type=ReplicaManager,*"
    attributes: [Value]
  - mbean: "kafka.foo:type=Missing,*"
  - mbean: "java.lang:type=Memory"
    attributes: [HeapMemoryUsage]
  - mbean: "java.lang:type=Runtime"
    attributes: [Uptime]
rules:
  - pattern: '^kafka\.(\w+)<type=([^,]+), name=([^,]+)PerSec, ([^,=]+)=([^,]*)><>Count$'
    name: kafka_$1_$2_$3_total
    type: COUNTER
    labels: {"$4": "$5"}
  - pattern: '^kafka\.(\w+)<type=([^,]+), name=([^,]+)PerSec><>Count$'
    name: kafka_$1_$2_$3_total
    type: COUNTER
  - pattern: '^kafka\.(\w+)<type=([^,]+), name=([^,]+)><>Value$'
    name: kafka_$1_$2_$3
  - pattern: '^java\.lang<type=Memory><HeapMemoryUsage>(\w+)$'
    name: jvm_memory_bytes_$1
    labels: {area: heap}
  - pattern: '^java\.lang<type=Runtime><>Uptime$'
    name: jvm_uptime_milliseconds
)",
                              "test");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::make_shared<const JolokiaConfig>(std::move(*c));
}

// Shaped like jolokia-core 1.7.1's answer (captured from the test JVM), including a pattern read
// with a failing MBean under ignoreErrors, a 404 element, a composite and a bare value.
constexpr const char* kReply = R"json([
 {"request":{"mbean":"kafka.server:type=BrokerTopicMetrics,*","type":"read"},
  "value":{"kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=orders":{"OneMinuteRate":101.25,"Count":100},
           "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec":{"OneMinuteRate":201.25,"Count":200}},
  "timestamp":1795664558,"status":200},
 {"request":{"mbean":"kafka.server:type=ReplicaManager,*","type":"read"},
  "value":{"kafka.server:type=ReplicaManager,name=Broken":{"Value":"ERROR: java.lang.IllegalStateException: broken gauge (class javax.management.RuntimeMBeanException)"},
           "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions":{"Value":3.0},
           "kafka.server:type=ReplicaManager,name=IsShrinking":{"Value":true},
           "kafka.server:type=ReplicaManager,name=State":{"Value":"RUNNING"}},
  "timestamp":1795664558,"status":200},
 {"request":{"mbean":"kafka.foo:type=Missing,*","type":"read"},"stacktrace":"...",
  "error_type":"javax.management.InstanceNotFoundException",
  "error":"javax.management.InstanceNotFoundException : No MBean with pattern kafka.foo:type=Missing,* found","status":404},
 {"request":{"mbean":"java.lang:type=Memory","attribute":"HeapMemoryUsage","type":"read"},
  "value":{"HeapMemoryUsage":{"init":398458880,"committed":406847488,"max":6320816128,"used":8310784}},"status":200},
 {"request":{"mbean":"java.lang:type=Runtime","attribute":"Uptime","type":"read"},"value":12345,"status":200}
])json";

struct Fixture {
  std::shared_ptr<const JolokiaConfig> config = Config();
  MetricMapper mapper{config};
  BulkReplyParser parser;

  Result<BulkReplyStats> Parse(std::string body) {
    mapper.BeginCycle();
    return parser.Parse(&body, *config, &mapper);
  }
  std::string Text() {
    std::vector<prometheus::MetricFamily> families;
    FamilyMerger merger(&families);
    mapper.AppendFamilies("b1", &merger);
    return prometheus::TextSerializer().Serialize(families);
  }
};

TEST(BulkReplyTest, BuildsOneReadPerSpecWithErrorIsolation) {
  const std::string body = BuildBulkRequest(*Config());
  EXPECT_THAT(body, HasSubstr(R"({"type":"read","mbean":"kafka.server:type=BrokerTopicMetrics,*",)"
                              R"("attribute":["Count","OneMinuteRate"],)"
                              R"("config":{"ignoreErrors":true,"canonicalNaming":false}})"));
  EXPECT_THAT(body, HasSubstr(R"({"type":"read","mbean":"kafka.foo:type=Missing,*","config":)"));
  EXPECT_EQ(body.front(), '[');
  EXPECT_EQ(body.back(), ']');
}

TEST(BulkReplyTest, MapsEveryValueAndIsolatesFailures) {
  Fixture f;
  auto stats = f.Parse(kReply);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  // 4 BrokerTopicMetrics values (2 unmatched rates), 2 gauges incl. the boolean, 4 heap, 1 uptime.
  EXPECT_EQ(stats->values, 11u);
  EXPECT_EQ(stats->failed_reads, 1u);
  EXPECT_EQ(stats->failed_values, 1u);
  EXPECT_THAT(stats->first_error, HasSubstr("broken gauge"));
  const std::string text = f.Text();
  EXPECT_THAT(text, HasSubstr("kafka_server_brokertopicmetrics_bytesin_total{broker=\"b1\","
                              "topic=\"orders\"} 100\n"));
  EXPECT_THAT(text,
              HasSubstr("kafka_server_brokertopicmetrics_bytesin_total{broker=\"b1\"} 200\n"));
  EXPECT_THAT(
      text, HasSubstr("kafka_server_replicamanager_underreplicatedpartitions{broker=\"b1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("kafka_server_replicamanager_isshrinking{broker=\"b1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("jvm_memory_bytes_max{broker=\"b1\",area=\"heap\"} 6320816128\n"));
  EXPECT_THAT(text, HasSubstr("jvm_uptime_milliseconds{broker=\"b1\"} 12345\n"));
  EXPECT_THAT(text, Not(HasSubstr("broken")));
  const auto& skipped = f.mapper.skipped();
  EXPECT_EQ(skipped[static_cast<int>(SkipReason::kUnmatched)], 2u);  // the two OneMinuteRates
  EXPECT_EQ(skipped[static_cast<int>(SkipReason::kType)], 1u);       // "RUNNING"
}

TEST(BulkReplyTest, SecondCycleReusesBuffersAndGivesSameResult) {
  Fixture f;
  ASSERT_TRUE(f.Parse(kReply).ok());
  const std::string first = f.Text();
  ASSERT_TRUE(f.Parse(kReply).ok());
  EXPECT_EQ(f.Text(), first);
  EXPECT_EQ(f.mapper.skipped()[static_cast<int>(SkipReason::kDuplicate)], 0u);
}

TEST(BulkReplyTest, RejectsBodiesThatAreNotTheExpectedArray) {
  struct Case {
    std::string body;
    std::string message;
  };
  const Case cases[] = {
      {"<html>this is not JSON", "reply is not valid JSON: Invalid value. at byte 0"},
      {std::string(kReply).substr(0, 300), "reply is not valid JSON"},
      {"", "reply is not valid JSON"},
      {R"({"error":"java.lang.Exception : bad request","status":400})",
       "reply is not a JSON array of read results: java.lang.Exception : bad request"},
      {R"([{"status":200,"value":{}}])", "reply has 1 results for 5 reads"},
      {std::string(kReply) + " trailing", "reply is not valid JSON"},
      // 2 MB of '[' crashed the recursive parser (SIGSEGV on the thread's stack).
      {std::string(2 << 20, '['), "nested deeper than 64 levels"},
      {"[" + std::string(100, '{') + "\"a\":1" + std::string(100, '}') + "]", "nested deeper"},
      // Brackets inside strings do not nest.
      {"[\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"]",
       "reply has 1 results for 5 reads"},
  };
  for (const auto& c : cases) {
    Fixture f;
    auto stats = f.Parse(c.body);
    ASSERT_FALSE(stats.ok()) << c.body;
    EXPECT_THAT(stats.status().message(), HasSubstr(c.message)) << c.body;
  }
}

TEST(BulkReplyTest, MalformedElementsCostOnlyThemselves) {
  Fixture f;
  auto stats = f.Parse(R"([
    {"status":200,"value":{"kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec":{"Count":5}}},
    "not an object",
    {"status":200},
    {"status":200,"value":{"HeapMemoryUsage":{"used":1,"deep":{"a":{"b":{"c":{"d":1}}}},"list":[1,2]}}},
    {"status":200,"value":null}
  ])");
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->failed_reads, 2u);
  EXPECT_THAT(f.Text(),
              HasSubstr("kafka_server_brokertopicmetrics_bytesin_total{broker=\"b1\"} 5\n"));
  // deep nesting beyond kMaxCompositeDepth, the array and the null are type skips.
  EXPECT_EQ(f.mapper.skipped()[static_cast<int>(SkipReason::kType)], 3u);
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
