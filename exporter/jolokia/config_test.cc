#include "exporter/jolokia/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace streamlens::exporter::jolokia {
namespace {

using ::testing::HasSubstr;

TEST(ConfigTest, DefaultRulesParseAndCoverTheReferenceMBeans) {
  auto config = DefaultJolokiaConfig();
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->lowercase_output_name);
  std::vector<std::string> mbeans;
  for (const auto& m : config->mbeans) mbeans.push_back(m.mbean);
  for (const char* want :
       {"kafka.server:type=BrokerTopicMetrics,*", "kafka.network:type=RequestMetrics,*",
        "kafka.server:type=ReplicaManager,*", "kafka.controller:type=KafkaController,*",
        "kafka.controller:type=ControllerStats,*", "kafka.server:type=ReplicaFetcherManager,*",
        "kafka.server:type=DelayedOperationPurgatory,*", "kafka.network:type=SocketServer,*",
        "kafka.server:type=KafkaRequestHandlerPool,*", "kafka.log:type=LogFlushStats,*",
        "kafka.log:type=LogManager,*", "kafka.log:type=Log,name=Size,*",
        "java.lang:type=OperatingSystem,*", "java.lang:type=Memory,*",
        "java.lang:type=GarbageCollector,*"}) {
    EXPECT_THAT(mbeans, ::testing::Contains(std::string(want)));
  }
  // The YAML anchor expands to the timer attribute list.
  EXPECT_EQ(config->mbeans[1].attributes.size(), 12u);
  EXPECT_EQ(config->mbeans[1].attributes[6], "50thPercentile");
}

TEST(ConfigTest, ParsesEveryRuleField) {
  auto config = ParseJolokiaConfig(R"(
mbeans:
  - mbean: "a:type=B,*"
    attributes: [X]
rules:
  - pattern: 'a<type=(\w+)><>X'
    name: a_$1
    type: summary
    summaryPart: quantile
    labels: {k: "$1", quantile: "0.5"}
    help: "h $1"
    valueFactor: 0.001
)",
                                   "test");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const Rule& r = config->rules[0];
  EXPECT_EQ(r.type, MetricType::kSummary);
  EXPECT_EQ(r.summary_part, SummaryPart::kQuantile);
  EXPECT_EQ(r.value_factor, 0.001);
  ASSERT_EQ(r.labels.size(), 2u);
  EXPECT_EQ(r.labels[0].first, "k");
  EXPECT_EQ(r.help, "h $1");
  EXPECT_FALSE(config->lowercase_output_name);
}

struct BadCase {
  const char* yaml;
  const char* message;
};

TEST(ConfigTest, RejectsBadConfigsWithActionableErrors) {
  const std::string ok_mbeans = "mbeans: [{mbean: 'a:type=B'}]\n";
  const BadCase cases[] = {
      {"mbeans: []\nrules: [{pattern: x, name: y}]", "`mbeans` must be a non-empty list"},
      {"mbeans: [{mbean: nocolon}]\nrules: [{pattern: x, name: y}]", "is not an object name"},
      {"mbeans: [{mbean: 'a:b=c', attrs: [x]}]\nrules: [{pattern: x, name: y}]",
       "mbeans[0].attrs: unknown key (expected one of: mbean, attributes)"},
      {"rules: [{pattern: '(', name: y}]", "not a valid regular expression"},
      {"rules: [{pattern: x}]", "`pattern` and `name` are required"},
      {"rules: [{pattern: x, name: y, type: HISTOGRAM}]", "is not one of GAUGE"},
      {"rules: [{pattern: x, name: y, type: SUMMARY}]", "needs `summaryPart`"},
      {"rules: [{pattern: x, name: y, type: SUMMARY, summaryPart: quantile}]",
       "needs a `quantile` label"},
      {"rules: [{pattern: x, name: y, summaryPart: count}]", "only allowed with type SUMMARY"},
      {"rules: [{pattern: x, name: y, labels: {broker: z}}]", "label `broker` is reserved"},
      {"rules: [{pattern: x, name: y, valueFactor: abc}]", "`valueFactor` must be a number"},
      {"rules: [{pattern: x, name: y, nmae: z}]", "rules.yml:2:31: rules[0].nmae: unknown key"},
      {"rules: []", "`rules` must be a non-empty list"},
      {"rules: [{pattern: x, name: y}", "invalid YAML"},
  };
  for (const auto& c : cases) {
    std::string yaml = std::string(c.yaml).rfind("mbeans", 0) == 0 ? c.yaml : ok_mbeans + c.yaml;
    auto config = ParseJolokiaConfig(yaml, "rules.yml");
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(config.status().message(), HasSubstr(c.message)) << yaml;
    EXPECT_THAT(config.status().message(), HasSubstr("rules.yml")) << yaml;
  }
}

TEST(ConfigTest, MissingFileNamesTheFlag) {
  auto config = LoadJolokiaConfigFile("/nonexistent/rules.yml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(),
              HasSubstr("--jolokia.config=/nonexistent/rules.yml: cannot open file"));
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
