// DetectorSpec: the few parameters of streamlens' anomaly detector (detector.h), each a span of
// time, a fraction of time or a multiple of the series' own scale, never a count of points, so
// one setting holds for 15-second and 1-hour series alike.
//
// Specs are written as "key=value,key=value" (`streamlens-sidecar backtest --detector
// custom:...`, the daemon's `anomaly.detector` key) and parsed from one table of typed,
// validated keys; an unknown key or a malformed value is an error naming it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/stats/esd.h"  // Direction

namespace streamlens::analysis {

struct DetectorSpec {
  // Deviations in this direction are anomalies (the other direction scores 0).
  Direction direction = Direction::kBoth;
  // An excursion must hold this long to count: shorter ones are blips. A point stands for the
  // step it ends, so with steps of at least this long one point suffices.
  int64_t min_duration_ms = 5 * 60'000;
  // Levels: the mean deviation over each of these spans is a channel of its own, so a shift too
  // small to leave the usual envelope shows once it has lasted.
  std::vector<int64_t> level_spans_ms = {3'600'000, 4 * 3'600'000};
  // Without a seasonal model: the expected value is the median of the values of this span.
  int64_t local_span_ms = 3'600'000;
  // Seasonal periods to consider. Empty: the clock's hour, day and week (those at least 8 steps
  // long) plus a period found in the series' autocorrelation; each is used only while it predicts
  // the series better than the models without it.
  std::vector<int64_t> periods_ms;
  // Past cycles remembered per seasonal model (the envelope is their upper/lower median).
  int cycles = 7;
  // Memory of everything learnt from the series itself (noise scale, usual deviations,
  // model choice): weights fall by a factor e over this span.
  int64_t memory_ms = 7 * 86'400'000;
  // Nothing is judged before the series has been seen for this long.
  int64_t warmup_ms = 86'400'000;
  // The usual large deviation of each channel is the one the series shows about once per this
  // span, counted over completed spans only (block_maxima.h). A day: a week's extreme deviation
  // (a rebalance spike at a quiet hour) hides running lag incidents; usual=7d scores higher on
  // the corpora with the threshold swept and lower at score 1 (docs/anomaly-detection.md).
  int64_t usual_ms = 86'400'000;
  // ... and a deviation is anomalous (score > 1) beyond this multiple of it.
  double sensitivity = 3.0;
  // Deviations smaller than these never score above 1 (absolute, and relative to |expected|).
  double min_abs_dev = 0;
  double min_rel_dev = 0;
  // NAB output: a score is reported only when it exceeds every score of this span before it, so
  // one excursion is one detection at its start.
  int64_t onset_ms = 12 * 3'600'000;
};

// Parses "key=value,..." over `base` (keys: direction=above|below|both, min_duration, levels
// (durations joined by '+', or "none"), local, periods ('+'-joined durations, or "clock"), cycles,
// memory, warmup, usual, sensitivity, min_abs_dev, min_rel_dev, onset; durations like 90s,
// 15m, 4h, 7d).
Result<DetectorSpec> ParseDetectorSpec(std::string_view text, DetectorSpec base = {});
// Checks ranges; errors name the field.
Status ValidateDetectorSpec(const DetectorSpec& spec);
// The spec as "key=value,..." text that ParseDetectorSpec reads back to the same spec.
std::string FormatDetectorSpec(const DetectorSpec& spec);

// Named detectors for `backtest --detector`: "streamlens" (the default spec), "custom:<spec>".
std::vector<std::string> DetectorNames();
Result<DetectorSpec> FindDetector(std::string_view name);

}  // namespace streamlens::analysis
