#include "common/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/parse_exposition_for_test.h"

namespace streamlens {
namespace {

TEST(ExpositionTest, GaugeCounterUntypedWithEscaping) {
  std::vector<prometheus::MetricFamily> f(3);
  f[0] = {"g", "Help with \\ and\nnewline.", prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric m;
  m.label = {{"a", "x\"y"}, {"b", "back\\slash\nnl"}};
  m.gauge.value = 0.1;
  f[0].metric.push_back(m);
  m.label = {};
  m.gauge.value = 12345678901.0;
  f[0].metric.push_back(m);
  f[1] = {"c_total", "C.", prometheus::MetricType::Counter, {}};
  prometheus::ClientMetric c;
  c.counter.value = 3;
  f[1].metric.push_back(c);
  f[2] = {"u", "U.", prometheus::MetricType::Untyped, {}};
  prometheus::ClientMetric u;
  u.untyped.value = std::numeric_limits<double>::quiet_NaN();
  f[2].metric.push_back(u);
  u.untyped.value = -std::numeric_limits<double>::infinity();
  f[2].metric.push_back(u);
  std::string out;
  AppendExposition(f, &out);
  EXPECT_EQ(out,
            "# HELP g Help with \\\\ and\\nnewline.\n# TYPE g gauge\n"
            "g{a=\"x\\\"y\",b=\"back\\\\slash\\nnl\"} 0.1\ng 12345678901\n"
            "# HELP c_total C.\n# TYPE c_total counter\nc_total 3\n"
            "# HELP u U.\n# TYPE u untyped\nu NaN\nu -Inf\n");
}

TEST(ExpositionTest, ValuesRoundTrip) {
  std::vector<prometheus::MetricFamily> f(1);
  f[0] = {"g", "G.", prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric m;
  m.gauge.value = 1795665888.048592;
  f[0].metric.push_back(m);
  std::string out;
  AppendExposition(f, &out);
  const auto pos = out.rfind("g ");
  EXPECT_EQ(std::stod(out.substr(pos + 2)), 1795665888.048592);
}

TEST(TextFamilyTest, ByteIdenticalToAppendExpositionWithHelpSuffix) {
  prometheus::MetricFamily f{"g", "Help \\ x", prometheus::MetricType::Gauge, {}};
  prometheus::ClientMetric m;
  m.label = {{"consumergroup", "a\"b\\c\nd"}, {"partition", "7"}};
  m.gauge.value = 12.5;
  f.metric.push_back(m);
  m.label = {};
  m.gauge.value = -std::numeric_limits<double>::infinity();
  f.metric.push_back(m);
  f.help += " (suffix\n)";
  std::string want;
  AppendExposition(std::vector<prometheus::MetricFamily>{f}, &want);

  TextFamily t("g", "Help \\ x", prometheus::MetricType::Gauge);
  t.Add({{"consumergroup", "a\"b\\c\nd"}, {"partition", "7"}}, 12.5);
  t.Add({}, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(t.samples(), 2u);
  std::string got = "x 1\n";
  t.MoveTo(" (suffix\n)", &got);
  EXPECT_EQ(got, "x 1\n" + want);
  EXPECT_EQ(t.samples(), 0u);  // moved out
}

TEST(TextFamilyTest, EmptyFamilyWritesNothingAndCounterType) {
  TextFamily empty("e", "E.", prometheus::MetricType::Gauge);
  std::string out;
  empty.MoveTo(" (s)", &out);
  EXPECT_EQ(out, "");
  TextFamily c("c_total", "C.", prometheus::MetricType::Counter);
  c.Add({{"a", "1"}}, 3);
  c.MoveTo("", &out);
  EXPECT_EQ(out, "# HELP c_total C.\n# TYPE c_total counter\nc_total{a=\"1\"} 3\n");
}

TEST(AppendWithLabelsTest, AddsTheLabelToEverySampleAndKeepsComments) {
  const std::string text =
      "# HELP a Help.\n# TYPE a gauge\na 1\na{x=\"1\"} 2\n"
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n";
  const std::vector<std::pair<std::string, std::string>> labels = {{"cluster", "eu \"1\""}};
  std::string out = "prefix\n";
  AppendWithLabels(text, labels, &out);
  EXPECT_EQ(out,
            "prefix\n# HELP a Help.\n# TYPE a gauge\na{cluster=\"eu \\\"1\\\"\"} 1\n"
            "a{cluster=\"eu \\\"1\\\"\",x=\"1\"} 2\n# TYPE h histogram\n"
            "h_bucket{cluster=\"eu \\\"1\\\"\",le=\"+Inf\"} 3\n"
            "h_sum{cluster=\"eu \\\"1\\\"\"} 4\nh_count{cluster=\"eu \\\"1\\\"\"} 3\n");
  std::string same;
  AppendWithLabels(text, {}, &same);
  EXPECT_EQ(same, text);
  // Parses back with the label on every sample.
  std::string plain;
  AppendWithLabels("# TYPE b gauge\nb 5\n",
                   std::vector<std::pair<std::string, std::string>>{{"cluster", "c1"}}, &plain);
  auto fams = ParseExpositionForTest(plain);
  ASSERT_EQ(fams.size(), 1u);
  ASSERT_EQ(fams[0].metric.size(), 1u);
  ASSERT_EQ(fams[0].metric[0].label.size(), 1u);
  EXPECT_EQ(fams[0].metric[0].label[0].value, "c1");
}

TEST(TextFamilyTest, ConstLabelsComeFirstAndMatchAppendWithLabels) {
  const std::vector<std::pair<std::string, std::string>> cluster = {{"cluster", "eu \"1\""}};
  TextFamily plain("g", "Help.", prometheus::MetricType::Gauge);
  plain.Add({}, 1);
  plain.Add({{"topic", "orders"}}, 2);
  std::string text;
  plain.MoveTo("", &text);
  std::string expected;
  AppendWithLabels(text, cluster, &expected);
  TextFamily labelled("g", "Help.", prometheus::MetricType::Gauge);
  labelled.SetConstLabels(cluster);
  labelled.Add({}, 1);
  labelled.Add({{"topic", "orders"}}, 2);
  std::string got;
  labelled.MoveTo("", &got);
  EXPECT_EQ(got, expected);
}

TEST(ParseExpositionForTest, RoundTripsLabelsValuesAndTypes) {
  TextFamily t("g", "G.", prometheus::MetricType::Gauge);
  t.Add({{"a", "x\"y\\z\nw"}, {"b", ""}}, 0.25);
  TextFamily u("u", "U.", prometheus::MetricType::Untyped);
  u.Add({}, 4);
  std::string out;
  t.MoveTo("", &out);
  u.MoveTo("", &out);
  const auto fams = ParseExpositionForTest(out);
  ASSERT_EQ(fams.size(), 2u);
  EXPECT_EQ(fams[0].type, prometheus::MetricType::Gauge);
  ASSERT_EQ(fams[0].metric.size(), 1u);
  EXPECT_EQ(fams[0].metric[0].label[0].value, "x\"y\\z\nw");
  EXPECT_EQ(fams[0].metric[0].label[1].value, "");
  EXPECT_EQ(fams[0].metric[0].gauge.value, 0.25);
  EXPECT_EQ(fams[1].type, prometheus::MetricType::Untyped);
  EXPECT_EQ(fams[1].metric[0].untyped.value, 4);
}

}  // namespace
}  // namespace streamlens
