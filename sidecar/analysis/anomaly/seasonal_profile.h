// SeasonalProfile: what a series usually does at this time of its cycle (a day, a week, ...),
// learnt from its last few cycles, for the anomaly detector.
//
// The cycle (of `period_ms`, counted from the series' first point) is cut into bins of `bin_ms`;
// for each of the last `cycles` complete cycles every bin keeps the maximum, minimum and mean of
// the values that fell in it. Expect(t) answers from complete cycles only (causal):
//   - the envelope [lo, hi]: per past cycle, the min / max over the bin of t and its two
//     neighbours (so a pattern that comes a bin early or late, like a daily batch that wanders by
//     a quarter of an hour, is still "usual"); hi is the upper median over cycles (the larger of
//     two), lo the lower median, so one odd cycle does not move them;
//   - the cycle-to-cycle spread of hi and of lo (scaled MAD over cycles; 0 with one cycle);
//   - mean: the median over cycles of the bin's mean.
// Bins a cycle never saw (gaps, the first partial cycle) are skipped. With `day_types` (a daily
// period aligned to UTC midnight) a weekend day (Saturday, Sunday) is compared only with past
// weekend days and a weekday only with past weekdays (the calendar's week); while no past day of
// its type is held, with every day, and the answer says so (`other_day_type`), so the caller can
// compare shapes rather than levels. Memory: about 14 bytes x bins x (cycles + 1). Not
// thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "common/binary_io.h"

namespace streamlens::analysis {

struct Expectation {
  bool ok = false;  // false: no complete cycle has a value near this phase
  double hi = std::numeric_limits<double>::quiet_NaN();
  double lo = std::numeric_limits<double>::quiet_NaN();
  double mean = std::numeric_limits<double>::quiet_NaN();
  double spread_hi = 0, spread_lo = 0;
  int cycles = 0;               // past cycles that answered
  bool other_day_type = false;  // answered from days of the other type (day_types only)
};

class SeasonalProfile {
 public:
  // period_ms >= 2 * bin_ms, bin_ms > 0, cycles >= 1; phases are counted from origin_ms (0: the
  // clock's, e.g. days from UTC midnight). day_types: see above (period must be one day).
  SeasonalProfile(int64_t period_ms, int64_t bin_ms, int cycles, int64_t origin_ms,
                  bool day_types = false);

  // Learns y (finite) at t_ms (non-decreasing, >= origin).
  void Add(int64_t t_ms, double y);
  Expectation Expect(int64_t t_ms) const;
  // Median over complete cycles of the mean of the bin containing t_ms; NaN when none.
  double ExpectedMean(int64_t t_ms) const;
  // Whether the answers for t_ms come from days of the other day type (see above).
  bool OtherDayType(int64_t t_ms) const;
  // Median over past cycles of the mean over [start_ms, end_ms) shifted back by whole periods (at
  // most one period long; with day types, only shifts that keep the type of both its first and
  // its last day); NaN when no cycle has a value there. A pattern that wanders inside the window (a
  // daily batch a few minutes late) does not move it.
  double ExpectedWindowMean(int64_t start_ms, int64_t end_ms) const;
  // The lower and upper median of the same cycles' means (equal for an odd count).
  std::pair<double, double> ExpectedWindowBand(int64_t start_ms, int64_t end_ms) const;

  int64_t period_ms() const { return period_ms_; }
  int64_t bin_ms() const { return bin_ms_; }
  int complete_cycles() const { return complete_; }

  void Save(StateWriter& w) const;
  bool Load(StateReader& r);
  size_t MemoryBytes() const;

 private:
  int Slot(int cycles_ago) const;  // ring slot of the cycle `cycles_ago` (0 = current)
  ptrdiff_t Cell(int64_t t_ms) const;
  uint8_t TypeOfCycle(int64_t cycle) const;  // 1: a weekend day (day_types only), else 0
  // Whether the complete cycle `cycles_ago` may answer for time t (same day type).
  bool Comparable(int cycles_ago, int64_t t_ms) const;
  int BinOf(int64_t t_ms) const;
  int64_t CycleOf(int64_t t_ms) const;
  void Advance(int64_t cycle);

  int64_t period_ms_, bin_ms_, origin_ms_;
  int bins_, cycles_;
  bool day_types_;
  int64_t cycle_ = -1;  // index of the cycle being filled (-1: nothing seen yet)
  int slot_ = 0;        // its ring slot
  int complete_ = 0;    // complete cycles held, <= cycles_
  // (cycles_ + 1) x bins_, slot-major.
  std::vector<float> max_, min_, sum_;
  std::vector<uint16_t> count_;
  std::vector<uint8_t> type_;  // per slot
  mutable std::vector<double> scratch_hi_, scratch_lo_, scratch_mean_;
  // The window answers' last results (not state: a pure function of the window and the cycles).
  struct WindowKey {
    int64_t start = -1, bins = 0, end_cycle = 0, cycle = -2;
    bool operator==(const WindowKey&) const = default;
  };
  struct WindowAnswer {
    WindowKey key;
    double mean = 0, lo = 0, hi = 0;
  };
  const WindowAnswer& Window(int64_t start_ms, int64_t end_ms) const;
  WindowAnswer ComputeWindow(int64_t start_ms, int64_t end_ms) const;
  mutable std::array<WindowAnswer, 4> window_cache_{};
  mutable size_t window_next_ = 0;
};

}  // namespace streamlens::analysis
