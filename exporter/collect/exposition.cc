#include "exporter/collect/exposition.h"

#include <prometheus/text_serializer.h>

#include <charconv>
#include <cmath>

namespace streamlens::exporter {

namespace {

void AppendEscaped(std::string_view s, bool quote, std::string* out) {
  for (char c : s) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, res.ptr);
  }
}

const char* TypeName(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Summary:
      return "summary";
    case prometheus::MetricType::Histogram:
      return "histogram";
    default:
      return "untyped";
  }
}

}  // namespace

void AppendExposition(const std::vector<prometheus::MetricFamily>& families, std::string* out) {
  size_t estimate = 0;
  for (const auto& f : families) {
    estimate += f.help.size() + 2 * f.name.size() + 32;
    if (!f.metric.empty()) {
      size_t labels = 0;
      for (const auto& l : f.metric.front().label) labels += l.name.size() + l.value.size() + 4;
      estimate += f.metric.size() * (f.name.size() + labels + 24);
    }
  }
  out->reserve(out->size() + estimate);
  for (const auto& f : families) {
    if (f.type == prometheus::MetricType::Summary || f.type == prometheus::MetricType::Histogram) {
      out->append(prometheus::TextSerializer().Serialize({f}));
      continue;
    }
    out->append("# HELP ").append(f.name).push_back(' ');
    AppendEscaped(f.help, false, out);
    out->append("\n# TYPE ").append(f.name).push_back(' ');
    out->append(TypeName(f.type)).push_back('\n');
    for (const auto& m : f.metric) {
      out->append(f.name);
      if (!m.label.empty()) {
        out->push_back('{');
        for (size_t i = 0; i < m.label.size(); ++i) {
          if (i) out->push_back(',');
          out->append(m.label[i].name).append("=\"");
          AppendEscaped(m.label[i].value, true, out);
          out->push_back('"');
        }
        out->push_back('}');
      }
      out->push_back(' ');
      const double v = f.type == prometheus::MetricType::Counter ? m.counter.value
                       : f.type == prometheus::MetricType::Gauge ? m.gauge.value
                                                                 : m.untyped.value;
      AppendValue(v, out);
      if (m.timestamp_ms != 0) out->append(" ").append(std::to_string(m.timestamp_ms));
      out->push_back('\n');
    }
  }
}

}  // namespace streamlens::exporter
