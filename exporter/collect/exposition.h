// Fast Prometheus text-format (0.0.4) serialization of metric families, used to render each
// collector's snapshot once per collection.
//
// Output is what prometheus::TextSerializer writes for gauges, counters and untyped metrics
// (HELP and label values escaped, values in shortest round-trip form, NaN/+Inf/-Inf) but appends
// into one preallocated string instead of going through an ostream, which matters at 100k+
// series. Summary and histogram families are delegated to prometheus::TextSerializer.
// Pure function, thread-safe.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace streamlens::exporter {

void AppendExposition(const std::vector<prometheus::MetricFamily>& families, std::string* out);

}  // namespace streamlens::exporter
