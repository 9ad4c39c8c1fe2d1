// Fast Prometheus text-format (0.0.4) serialization of metric families, used to render each
// collector's snapshot once per collection.
//
// Output is what prometheus::TextSerializer writes for gauges, counters and untyped metrics
// (HELP and label values escaped, values in shortest round-trip form, NaN/+Inf/-Inf) but appends
// into one preallocated string instead of going through an ostream, which matters at 100k+
// series. Summary and histogram families are delegated to prometheus::TextSerializer.
// AppendExposition is a pure function, thread-safe.
#pragma once

#include <prometheus/metric_family.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamlens {

void AppendExposition(std::span<const prometheus::MetricFamily> families, std::string* out);

// Appends exposition `text` to `out` with the given labels added to every sample (first in the
// label set), e.g. a `cluster` target label set by an exporter option. Comment lines are copied
// as they are. Label values are escaped. Pure, thread-safe; one pass over the text.
void AppendWithLabels(std::string_view text,
                      std::span<const std::pair<std::string, std::string>> labels,
                      std::string* out);

// One gauge, counter or untyped family written straight to exposition text as samples are added,
// for collectors with 100k+ series: no MetricFamily/ClientMetric objects and no heap allocation
// per sample (the body string grows geometrically). Output is byte-identical to
// AppendExposition() for the same family. Not thread-safe; one per family and cycle.
class TextFamily {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  // `type` must be Gauge, Counter or Untyped.
  TextFamily(std::string name, std::string help, prometheus::MetricType type);
  // Appends one sample; label values are escaped, names are written as given.
  void Add(Labels labels, double value);
  // Same, with the labels in two parts: `base` (e.g. an input series' own labels), then `extra`.
  void Add(std::span<const std::pair<std::string, std::string>> base, Labels extra, double value);
  // Labels written first on every sample added from now on (e.g. a `cluster` target label), so
  // a collector can apply them while rendering instead of in a second pass (AppendWithLabels).
  void SetConstLabels(std::span<const std::pair<std::string, std::string>> labels);
  size_t samples() const { return samples_; }
  void Reserve(size_t bytes) { body_.reserve(bytes); }
  // Upper bound of what MoveTo(help_suffix, ...) appends, to size the output once.
  size_t BoundSize(std::string_view help_suffix) const {
    return samples_ == 0
               ? 0
               : body_.size() + 2 * name_.size() + 2 * (help_.size() + help_suffix.size()) + 32;
  }
  // Appends HELP (help + help_suffix), TYPE and the samples to `out`, then frees the body.
  // Appends nothing for a family without samples.
  void MoveTo(std::string_view help_suffix, std::string* out);
  // For bodies assembled from sample chunks rendered apart (one family's samples from several
  // sources): the HELP and TYPE lines alone, and the sample lines alone (moved out; the family
  // is then empty).
  void AppendHeader(std::string_view help_suffix, std::string* out) const;
  std::string TakeSamples();

 private:
  void AppendLabel(std::string_view name, std::string_view value, bool first);
  void EndSample(bool had_labels, double value);

  std::string name_;
  std::string help_;
  prometheus::MetricType type_;
  std::string body_;
  std::string const_labels_;  // rendered `a="x",b="y"`; empty: none
  size_t samples_ = 0;
};

}  // namespace streamlens
