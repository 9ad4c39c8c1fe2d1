#include "exporter/collect/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace streamlens::exporter {
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

}  // namespace
}  // namespace streamlens::exporter
