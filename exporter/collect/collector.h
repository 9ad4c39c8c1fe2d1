// Collector: one source of exporter metrics (kafka, jolokia, ...), run in the background by the
// collection scheduler every --collect.interval.
//
// Collect() gathers a complete, self-consistent set of families; the scheduler publishes it as
// that collector's part of the snapshot only when Collect() returns OK, so a failing source keeps
// (or, past a staleness bound, drops) its last good families and never blanks the other
// collectors'. Collect() must not throw, must honour its own timeouts, and is never called
// concurrently with itself (different collectors run concurrently).
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace streamlens::exporter {

class Collector {
 public:
  virtual ~Collector() = default;
  // Stable name used in the `collector` label and in --collector.<name> flags.
  virtual std::string Name() const = 0;
  // A collector implements one of the two methods below; the scheduler calls CollectText().
  //
  // Appends this cycle's families to `out`. On error, `out` may be partially filled and is
  // discarded. Sources that are partly up (e.g. one of three Jolokia brokers) return OK with what
  // they got and report per-source health (jolokia_up{broker}) in the families.
  // Default: an error saying the collector only renders text.
  virtual Status Collect(std::vector<prometheus::MetricFamily>* out);
  // Appends this cycle's families to `out` as exposition text, with `help_suffix` appended to
  // every HELP text; same error contract as Collect(). Default: Collect() serialized with
  // AppendExposition(). Collectors with very many series override it and write text directly
  // (TextFamily), which avoids a heap object per series.
  virtual Status CollectText(std::string_view help_suffix, std::string* out);
  // Target labels (e.g. cluster="prod") for every sample. A collector that renders them itself
  // returns true; otherwise (default) the scheduler adds them to its text in a second pass.
  // Called once, before the first collection.
  virtual bool ApplyTargetLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
    (void)labels;
    return false;
  }
};

}  // namespace streamlens::exporter
