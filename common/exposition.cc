#include "common/exposition.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace streamlens {

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

void AppendExposition(std::span<const prometheus::MetricFamily> families, std::string* out) {
  size_t estimate = 0;
  for (const auto& f : families) {
    estimate += f.help.size() + 2 * f.name.size() + 32;
    if (!f.metric.empty()) {
      size_t labels = 0;
      for (const auto& l : f.metric.front().label) labels += l.name.size() + l.value.size() + 4;
      estimate += f.metric.size() * (f.name.size() + labels + 24);
    }
  }
  // Geometric growth: callers may append family by family.
  if (out->size() + estimate > out->capacity()) {
    out->reserve(std::max(out->size() + estimate, 2 * out->capacity()));
  }
  for (const auto& f : families) {
    if (f.type == prometheus::MetricType::Summary || f.type == prometheus::MetricType::Histogram) {
      out->append(prometheus::TextSerializer().Serialize(std::vector<prometheus::MetricFamily>{f}));
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

void AppendWithLabels(std::string_view text,
                      std::span<const std::pair<std::string, std::string>> labels,
                      std::string* out) {
  std::string rendered;
  for (const auto& [name, value] : labels) {
    if (!rendered.empty()) rendered.push_back(',');
    rendered.append(name).append("=\"");
    AppendEscaped(value, true, &rendered);
    rendered.push_back('"');
  }
  if (rendered.empty()) {
    out->append(text);
    return;
  }
  size_t samples = 0;
  for (char ch : text) samples += ch == '\n';
  out->reserve(out->size() + text.size() + samples * (rendered.size() + 3));
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line =
        text.substr(0, eol == std::string_view::npos ? text.size() : eol + 1);
    text.remove_prefix(line.size());
    if (line.empty() || line[0] == '#' || line[0] == '\n') {
      out->append(line);
      continue;
    }
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) {
      out->append(line);
      continue;
    }
    out->append(line.substr(0, name_end)).push_back('{');
    out->append(rendered);
    if (line[name_end] == '{') {
      if (line.size() > name_end + 1 && line[name_end + 1] != '}') out->push_back(',');
      out->append(line.substr(name_end + 1));
    } else {
      out->push_back('}');
      out->append(line.substr(name_end));
    }
  }
}

TextFamily::TextFamily(std::string name, std::string help, prometheus::MetricType type)
    : name_(std::move(name)), help_(std::move(help)), type_(type) {}

void TextFamily::AppendLabel(std::string_view name, std::string_view value, bool first) {
  body_.push_back(first ? '{' : ',');
  body_.append(name).append("=\"");
  AppendEscaped(value, true, &body_);
  body_.push_back('"');
}

void TextFamily::EndSample(bool had_labels, double value) {
  if (had_labels) body_.push_back('}');
  body_.push_back(' ');
  AppendValue(value, &body_);
  body_.push_back('\n');
  ++samples_;
}

void TextFamily::SetConstLabels(std::span<const std::pair<std::string, std::string>> labels) {
  const_labels_.clear();
  for (const auto& [name, value] : labels) {
    if (!const_labels_.empty()) const_labels_.push_back(',');
    const_labels_.append(name).append("=\"");
    AppendEscaped(value, true, &const_labels_);
    const_labels_.push_back('"');
  }
}

void TextFamily::Add(Labels labels, double value) { Add({}, labels, value); }

void TextFamily::Add(std::span<const std::pair<std::string, std::string>> base, Labels extra,
                     double value) {
  body_.append(name_);
  bool first = true;
  if (!const_labels_.empty()) {
    body_.push_back('{');
    body_.append(const_labels_);
    first = false;
  }
  for (const auto& [name, v] : base) {
    AppendLabel(name, v, first);
    first = false;
  }
  for (const auto& [name, v] : extra) {
    AppendLabel(name, v, first);
    first = false;
  }
  EndSample(!first, value);
}

void TextFamily::AppendHeader(std::string_view help_suffix, std::string* out) const {
  out->append("# HELP ").append(name_).push_back(' ');
  AppendEscaped(help_, false, out);
  AppendEscaped(help_suffix, false, out);
  out->append("\n# TYPE ").append(name_).push_back(' ');
  out->append(TypeName(type_)).push_back('\n');
}

std::string TextFamily::TakeSamples() {
  samples_ = 0;
  return std::exchange(body_, std::string());
}

void TextFamily::MoveTo(std::string_view help_suffix, std::string* out) {
  if (samples_ > 0) {
    const size_t need =
        out->size() + body_.size() + 2 * name_.size() + help_.size() + help_suffix.size() + 32;
    if (need > out->capacity()) out->reserve(std::max(need, 2 * out->capacity()));
    AppendHeader(help_suffix, out);
    out->append(body_);
  }
  std::string().swap(body_);
  samples_ = 0;
}

}  // namespace streamlens
