#include "exporter/jolokia/metric_mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace streamlens::exporter::jolokia {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const JolokiaConfig> Defaults() {
  auto c = DefaultJolokiaConfig();
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::make_shared<const JolokiaConfig>(std::move(*c));
}

std::string Emit(const MetricMapper& mapper, const std::string& broker = "b1") {
  std::vector<prometheus::MetricFamily> families;
  FamilyMerger merger(&families);
  mapper.AppendFamilies(broker, &merger);
  return prometheus::TextSerializer().Serialize(families);
}

TEST(MetricMapperTest, DefaultRulesGiveJmxExporterNames) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  m.Record("kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec, topic=orders><>Count", 100);
  m.Record("kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec, topic=orders><>OneMinuteRate",
           101.25);
  m.Record("kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec><>Count", 7);
  m.Record("kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value", 3);
  m.Record("kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value", 1);
  m.Record(
      "kafka.network<type=RequestMetrics, name=ErrorsPerSec, request=Produce, "
      "error=NONE><>Count",
      12);
  m.Record("kafka.log<type=Log, name=Size, topic=orders, partition=3><>Value", 4096);
  const std::string text = Emit(m);
  EXPECT_THAT(text, HasSubstr("# TYPE kafka_server_brokertopicmetrics_bytesin_total counter\n"));
  EXPECT_THAT(text, HasSubstr("kafka_server_brokertopicmetrics_bytesin_total{broker=\"b1\","
                              "topic=\"orders\"} 100\n"));
  EXPECT_THAT(text,
              HasSubstr("# TYPE kafka_server_brokertopicmetrics_bytesin_oneminuterate gauge"));
  EXPECT_THAT(text, HasSubstr("kafka_server_brokertopicmetrics_bytesin_oneminuterate{broker=\"b1\","
                              "topic=\"orders\"} 101.25\n"));
  EXPECT_THAT(text,
              HasSubstr("kafka_server_brokertopicmetrics_messagesin_total{broker=\"b1\"} 7\n"));
  EXPECT_THAT(
      text, HasSubstr("kafka_server_replicamanager_underreplicatedpartitions{broker=\"b1\"} 3\n"));
  EXPECT_THAT(
      text, HasSubstr("kafka_controller_kafkacontroller_activecontrollercount{broker=\"b1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("kafka_network_requestmetrics_errors_total{broker=\"b1\","
                              "request=\"Produce\",error=\"NONE\"} 12\n"));
  EXPECT_THAT(text, HasSubstr("kafka_log_log_size{broker=\"b1\",topic=\"orders\",partition=\"3\"} "
                              "4096\n"));
  EXPECT_EQ(m.skipped()[static_cast<int>(SkipReason::kUnmatched)], 0u);
}

TEST(MetricMapperTest, TimersBecomeOneSummaryWithQuantilesCountAndSum) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  const std::string p = "kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce><>";
  m.Record(p + "99thPercentile", 104);
  m.Record(p + "50thPercentile", 55);
  m.Record(p + "999thPercentile", 104.9);
  m.Record(p + "Count", 5);
  m.Record(p + "Mean", 15.5);
  const std::string text = Emit(m);
  EXPECT_THAT(text, HasSubstr("# TYPE kafka_network_requestmetrics_totaltimems summary\n"));
  EXPECT_THAT(text, HasSubstr("kafka_network_requestmetrics_totaltimems_count{broker=\"b1\","
                              "request=\"Produce\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("kafka_network_requestmetrics_totaltimems_sum{broker=\"b1\","
                              "request=\"Produce\"} 77.5\n"));
  // Quantiles sorted ascending whatever the reply order.
  EXPECT_THAT(text, HasSubstr("kafka_network_requestmetrics_totaltimems{broker=\"b1\","
                              "request=\"Produce\",quantile=\"0.5\"} 55\n"
                              "kafka_network_requestmetrics_totaltimems{broker=\"b1\","
                              "request=\"Produce\",quantile=\"0.99\"} 104\n"
                              "kafka_network_requestmetrics_totaltimems{broker=\"b1\","
                              "request=\"Produce\",quantile=\"0.999\"} 104.9\n"));
}

TEST(MetricMapperTest, SummaryWithoutCountIsNotEmitted) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  m.Record("kafka.log<type=LogFlushStats, name=LogFlushRateAndTimeMs><>99thPercentile", 3);
  EXPECT_THAT(Emit(m), Not(HasSubstr("logflushrateandtimems")));
}

TEST(MetricMapperTest, JvmCompositesAndGcSummary) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  m.Record("java.lang<type=Memory><HeapMemoryUsage>used", 8310784);
  m.Record("java.lang<type=Memory><NonHeapMemoryUsage>committed", 1000);
  m.Record("java.lang<type=GarbageCollector, name=G1 Young Generation><>CollectionCount", 4);
  m.Record("java.lang<type=GarbageCollector, name=G1 Young Generation><>CollectionTime", 250);
  m.Record("java.lang<type=OperatingSystem><>ProcessCpuLoad", 0.25);
  const std::string text = Emit(m);
  EXPECT_THAT(text, HasSubstr("# HELP jvm_memory_bytes_used JVM heap memory used in bytes."));
  EXPECT_THAT(text, HasSubstr("jvm_memory_bytes_used{broker=\"b1\",area=\"heap\"} 8310784\n"));
  EXPECT_THAT(text, HasSubstr("jvm_memory_bytes_committed{broker=\"b1\",area=\"nonheap\"} 1000\n"));
  EXPECT_THAT(text, HasSubstr("jvm_gc_collection_seconds_count{broker=\"b1\","
                              "gc=\"G1 Young Generation\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("jvm_gc_collection_seconds_sum{broker=\"b1\","
                              "gc=\"G1 Young Generation\"} 0.25\n"));
  EXPECT_THAT(text, HasSubstr("java_lang_operatingsystem_processcpuload{broker=\"b1\"} 0.25\n"));
}

TEST(MetricMapperTest, CountsUnmatchedDuplicateAndConflict) {
  auto config = ParseJolokiaConfig(R"(
mbeans: [{mbean: 'a:type=X,*'}]
rules:
  - pattern: 'a<type=X, name=(\w+)><>Value'
    name: same
  - pattern: 'a<type=Y, name=(\w+)><>Value'
    name: same
    type: COUNTER
  - pattern: 'a<type=Z, name=(\w+)><>Value'
    name: 'bad name $1'
    labels: {"$1": v}
)",
                                   "t");
  ASSERT_TRUE(config.ok()) << config.status().message();
  MetricMapper m(std::make_shared<const JolokiaConfig>(std::move(*config)));
  m.BeginCycle();
  m.Record("a<type=X, name=one><>Value", 1);
  m.Record("a<type=X, name=two><>Value", 2);     // same series as the first: duplicate
  m.Record("a<type=Y, name=one><>Value", 3);     // same name, other type: conflict
  m.Record("a<type=W, name=one><>Value", 4);     // no rule: unmatched
  m.Record("a<type=Z, name=9lives><>Value", 5);  // name sanitised, label name gets '_' prefix
  const auto& s = m.skipped();
  EXPECT_EQ(s[static_cast<int>(SkipReason::kDuplicate)], 1u);
  EXPECT_EQ(s[static_cast<int>(SkipReason::kConflict)], 1u);
  EXPECT_EQ(s[static_cast<int>(SkipReason::kUnmatched)], 1u);
  const std::string text = Emit(m);
  EXPECT_THAT(text, HasSubstr("same{broker=\"b1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("bad_name_9lives{broker=\"b1\",_9lives=\"v\"} 5\n"));
  EXPECT_EQ(m.rule_hits(), (std::vector<uint64_t>{1, 0, 1}));
}

TEST(MetricMapperTest, OnlyThisCyclesSeriesAreEmittedAndCacheIsReused) {
  MetricMapper m(Defaults());
  const std::string a = "kafka.server<type=ReplicaManager, name=LeaderCount><>Value";
  const std::string b = "kafka.server<type=ReplicaManager, name=PartitionCount><>Value";
  m.BeginCycle();
  m.Record(a, 1);
  m.Record(b, 2);
  EXPECT_EQ(m.cache_size(), 2u);
  m.BeginCycle();
  m.Record(a, 10);
  const std::string text = Emit(m);
  EXPECT_THAT(text, HasSubstr("kafka_server_replicamanager_leadercount{broker=\"b1\"} 10\n"));
  EXPECT_THAT(text, Not(HasSubstr("partitioncount")));
  EXPECT_EQ(m.cache_size(), 2u);
  EXPECT_EQ(m.skipped()[static_cast<int>(SkipReason::kDuplicate)], 0u);
  m.DiscardCycle();
  EXPECT_THAT(Emit(m), Not(HasSubstr("leadercount")));
}

TEST(MetricMapperTest, CacheIsDroppedWhenMBeansChurn) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  for (int i = 0; i < 5000; ++i) {
    m.Record("kafka.log<type=Log, name=Size, topic=t" + std::to_string(i) + ", partition=0><>Value",
             i);
  }
  m.BeginCycle();
  m.Record("kafka.log<type=Log, name=Size, topic=new, partition=0><>Value", 1);
  EXPECT_EQ(m.cache_size(), 5001u);  // last cycle saw 5000 distinct values: keep
  m.BeginCycle();                    // last cycle saw 1: 5001 > 2 * 1 + 4096 -> dropped
  EXPECT_EQ(m.cache_size(), 0u);
  m.Record("kafka.log<type=Log, name=Size, topic=t1, partition=0><>Value", 1);
  EXPECT_THAT(Emit(m),
              HasSubstr("kafka_log_log_size{broker=\"b1\",topic=\"t1\",partition=\"0\"} 1\n"));
}

TEST(MetricMapperTest, MergerCombinesBrokersIntoOneFamily) {
  auto config = Defaults();
  MetricMapper b1(config), b2(config);
  const std::string g = "kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value";
  b1.BeginCycle();
  b1.Record(g, 1);
  b2.BeginCycle();
  b2.Record(g, 0);
  std::vector<prometheus::MetricFamily> families;
  FamilyMerger merger(&families);
  EXPECT_EQ(b1.AppendFamilies("b1", &merger), 1u);
  EXPECT_EQ(b2.AppendFamilies("b2", &merger), 1u);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].metric.size(), 2u);
}

TEST(MetricMapperTest, DefaultRulesSnakeCaseCamelCaseKeys) {
  MetricMapper m(Defaults());
  m.BeginCycle();
  m.Record(
      "kafka.server<type=DelayedOperationPurgatory, name=PurgatorySize, "
      "delayedOperation=Produce><>Value",
      8);
  EXPECT_THAT(Emit(m), HasSubstr("kafka_server_delayedoperationpurgatory_purgatorysize{broker="
                                 "\"b1\",delayed_operation=\"Produce\"} 8\n"));
  EXPECT_EQ(SnakeCase("clientId"), "client_id");
  EXPECT_EQ(SnakeCase("topic"), "topic");
  EXPECT_EQ(SnakeCase("ABCName"), "abcname");
  EXPECT_EQ(SnakeCase("v2Name"), "v2_name");
}

TEST(MetricMapperTest, SafeNameMatchesJmxExporter) {
  EXPECT_EQ(SafeName("kafka.server:a--b", true), "kafka_server:a_b");
  EXPECT_EQ(SafeName("kafka.server:a", false), "kafka_server_a");
  EXPECT_EQ(SafeName("1abc", false), "_1abc");
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
