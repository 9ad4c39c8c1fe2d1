// Test helper: parses Prometheus text exposition (as the exporter writes it: HELP/TYPE lines,
// `name{label="value",...} value`, escapes \\ \" \n) back into metric families, so tests can
// assert on series values whatever the collector's output path. Gauge, counter and untyped
// values only.
#pragma once

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <vector>

namespace streamlens {

inline std::vector<prometheus::MetricFamily> ParseExpositionForTest(std::string_view text) {
  std::vector<prometheus::MetricFamily> fams;
  auto family = [&fams](std::string_view name) -> prometheus::MetricFamily& {
    if (fams.empty() || fams.back().name != name) {
      fams.push_back({std::string(name), "", prometheus::MetricType::Untyped, {}});
    }
    return fams.back();
  };
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string_view rest = line.substr(7);
      const size_t sp = rest.find(' ');
      auto& f = family(rest.substr(0, sp));
      const std::string_view arg = rest.substr(sp + 1);
      if (line[2] == 'H') {
        f.help = std::string(arg);
      } else if (arg == "gauge") {
        f.type = prometheus::MetricType::Gauge;
      } else if (arg == "counter") {
        f.type = prometheus::MetricType::Counter;
      }
      continue;
    }
    const size_t name_end = line.find_first_of("{ ");
    auto& f = family(line.substr(0, name_end));
    prometheus::ClientMetric m;
    size_t i = name_end;
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        const size_t eq = line.find('=', i);
        prometheus::ClientMetric::Label l;
        l.name = std::string(line.substr(i, eq - i));
        i = eq + 2;  // skip ="
        while (line[i] != '"') {
          if (line[i] == '\\') {
            ++i;
            l.value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            l.value.push_back(line[i]);
          }
          ++i;
        }
        ++i;  // closing quote
        if (line[i] == ',') ++i;
        m.label.push_back(std::move(l));
      }
      ++i;  // }
    }
    const double v = std::stod(std::string(line.substr(i + 1)));
    if (f.type == prometheus::MetricType::Counter) {
      m.counter.value = v;
    } else if (f.type == prometheus::MetricType::Gauge) {
      m.gauge.value = v;
    } else {
      m.untyped.value = v;
    }
    f.metric.push_back(std::move(m));
  }
  return fams;
}

}  // namespace streamlens
