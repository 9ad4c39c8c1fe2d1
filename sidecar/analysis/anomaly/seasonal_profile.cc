#include "sidecar/analysis/anomaly/seasonal_profile.h"

#include <algorithm>
#include <cmath>

#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The k-th smallest (0-based) of v; v is reordered.
double Kth(std::vector<double>& v, size_t k) {
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

double ScaledMad(std::vector<double>& v) {
  if (v.size() < 2) return 0;
  return Mad(v, Median(v));
}

}  // namespace

SeasonalProfile::SeasonalProfile(int64_t period_ms, int64_t bin_ms, int cycles, int64_t origin_ms,
                                 bool day_types)
    : period_ms_(period_ms),
      bin_ms_(bin_ms),
      origin_ms_(origin_ms),
      bins_(static_cast<int>((period_ms + bin_ms - 1) / bin_ms)),
      cycles_(cycles),
      day_types_(day_types && period_ms == 86'400'000) {
  const size_t n = static_cast<size_t>(bins_) * static_cast<size_t>(cycles_ + 1);
  max_.assign(n, 0.0f);
  min_.assign(n, 0.0f);
  sum_.assign(n, 0.0f);
  count_.assign(n, 0);
  type_.assign(static_cast<size_t>(cycles_ + 1), 0);
}

uint8_t SeasonalProfile::TypeOfCycle(int64_t cycle) const {
  if (!day_types_) return 0;
  const int64_t day = cycle + origin_ms_ / period_ms_;  // days since 1970-01-01, a Thursday
  const int64_t dow = ((day + 3) % 7 + 7) % 7;          // Monday = 0
  return dow >= 5 ? 1 : 0;
}

bool SeasonalProfile::OtherDayType(int64_t t_ms) const {
  if (!day_types_) return false;
  const uint8_t type = TypeOfCycle(CycleOf(t_ms));
  for (int ago = 1; ago <= complete_; ++ago) {
    if (type_[static_cast<size_t>(Slot(ago))] == type) return false;
  }
  return true;
}

bool SeasonalProfile::Comparable(int cycles_ago, int64_t t_ms) const {
  return !day_types_ ||
         type_[static_cast<size_t>(Slot(cycles_ago))] == TypeOfCycle(CycleOf(t_ms)) ||
         OtherDayType(t_ms);
}

int SeasonalProfile::Slot(int cycles_ago) const {
  return (slot_ - cycles_ago + 2 * (cycles_ + 1)) % (cycles_ + 1);
}

int SeasonalProfile::BinOf(int64_t t_ms) const {
  const int64_t phase = (t_ms - origin_ms_) % period_ms_;
  return static_cast<int>((phase < 0 ? phase + period_ms_ : phase) / bin_ms_);
}

int64_t SeasonalProfile::CycleOf(int64_t t_ms) const { return (t_ms - origin_ms_) / period_ms_; }

void SeasonalProfile::Advance(int64_t cycle) {
  if (cycle_ < 0) {
    cycle_ = cycle;
    type_[static_cast<size_t>(slot_)] = TypeOfCycle(cycle);
    return;
  }
  const int64_t steps = std::min<int64_t>(cycle - cycle_, cycles_ + 1);
  for (int64_t s = 0; s < steps; ++s) {
    slot_ = (slot_ + 1) % (cycles_ + 1);
    const size_t base = static_cast<size_t>(slot_) * static_cast<size_t>(bins_);
    std::fill_n(count_.begin() + static_cast<ptrdiff_t>(base), bins_, 0);
    std::fill_n(sum_.begin() + static_cast<ptrdiff_t>(base), bins_, 0.0f);
    type_[static_cast<size_t>(slot_)] = TypeOfCycle(cycle - steps + 1 + s);
  }
  complete_ = static_cast<int>(std::min<int64_t>(complete_ + (cycle - cycle_), cycles_));
  cycle_ = cycle;
}

void SeasonalProfile::Add(int64_t t_ms, double y) {
  const int64_t cycle = CycleOf(t_ms);
  if (cycle < cycle_) return;  // out of order: ignored
  if (cycle != cycle_) Advance(cycle);
  const size_t i =
      static_cast<size_t>(slot_) * static_cast<size_t>(bins_) + static_cast<size_t>(BinOf(t_ms));
  const float v = static_cast<float>(y);
  if (count_[i] == 0) {
    max_[i] = min_[i] = v;
  } else {
    max_[i] = std::max(max_[i], v);
    min_[i] = std::min(min_[i], v);
  }
  sum_[i] += v;
  if (count_[i] < UINT16_MAX) ++count_[i];
}

// The cell (slot x bin) holding time t if t lies in a complete cycle still held; -1 otherwise.
ptrdiff_t SeasonalProfile::Cell(int64_t t_ms) const {
  const int64_t ago = cycle_ - CycleOf(t_ms);
  if (ago < 1 || ago > complete_) return -1;
  return static_cast<ptrdiff_t>(Slot(static_cast<int>(ago))) * bins_ + BinOf(t_ms);
}

// Per past cycle (the same time 1, 2, ... periods ago, when comparable): the extremes over the bin
// of t and its neighbours (which may lie in the cycle before or after), and the bin's mean.
Expectation SeasonalProfile::Expect(int64_t t_ms) const {
  Expectation e;
  scratch_hi_.clear();
  scratch_lo_.clear();
  scratch_mean_.clear();
  for (int ago = 1; ago <= complete_; ++ago) {
    if (!Comparable(ago, t_ms)) continue;
    const int64_t then = t_ms - ago * period_ms_;
    bool any = false;
    double hi = 0, lo = 0;
    for (int d = -1; d <= 1; ++d) {
      const ptrdiff_t i = Cell(then + d * bin_ms_);
      if (i < 0 || count_[static_cast<size_t>(i)] == 0) continue;
      const size_t k = static_cast<size_t>(i);
      hi = any ? std::max<double>(hi, max_[k]) : max_[k];
      lo = any ? std::min<double>(lo, min_[k]) : min_[k];
      any = true;
    }
    if (!any) continue;
    scratch_hi_.push_back(hi);
    scratch_lo_.push_back(lo);
    const ptrdiff_t c = Cell(then);
    if (c >= 0 && count_[static_cast<size_t>(c)] > 0) {
      scratch_mean_.push_back(sum_[static_cast<size_t>(c)] / count_[static_cast<size_t>(c)]);
    }
  }
  const size_t m = scratch_hi_.size();
  if (m == 0) return e;
  e.ok = true;
  e.cycles = static_cast<int>(m);
  e.other_day_type = OtherDayType(t_ms);
  e.hi = Kth(scratch_hi_, m / 2);        // upper median
  e.lo = Kth(scratch_lo_, (m - 1) / 2);  // lower median
  e.spread_hi = ScaledMad(scratch_hi_);
  e.spread_lo = ScaledMad(scratch_lo_);
  e.mean = scratch_mean_.empty() ? (e.hi + e.lo) / 2 : Median(scratch_mean_);
  return e;
}

double SeasonalProfile::ExpectedMean(int64_t t_ms) const {
  const int b = BinOf(t_ms);
  scratch_mean_.clear();
  for (int ago = 1; ago <= complete_; ++ago) {
    if (!Comparable(ago, t_ms)) continue;
    const size_t i =
        static_cast<size_t>(Slot(ago)) * static_cast<size_t>(bins_) + static_cast<size_t>(b);
    if (count_[i] > 0) scratch_mean_.push_back(sum_[i] / count_[i]);
  }
  return scratch_mean_.empty() ? kNaN : Median(scratch_mean_);
}

double SeasonalProfile::ExpectedWindowMean(int64_t start_ms, int64_t end_ms) const {
  return Window(start_ms, end_ms).mean;
}

std::pair<double, double> SeasonalProfile::ExpectedWindowBand(int64_t start_ms,
                                                              int64_t end_ms) const {
  const WindowAnswer& a = Window(start_ms, end_ms);
  return {a.lo, a.hi};
}

const SeasonalProfile::WindowAnswer& SeasonalProfile::Window(int64_t start_ms,
                                                             int64_t end_ms) const {
  end_ms = std::min(end_ms, start_ms + period_ms_);
  // The answer depends on the window only through its start, the number of bins it reads and the
  // day of its end, and on the profile only through the complete cycles: the detector asks the
  // same question at every point of a bin, so the last answers are kept.
  const WindowKey key{start_ms, (end_ms - start_ms + bin_ms_ - 1) / bin_ms_, CycleOf(end_ms - 1),
                      cycle_};
  for (const WindowAnswer& a : window_cache_) {
    if (a.key == key) return a;
  }
  WindowAnswer& slot = window_cache_[window_next_];
  slot = ComputeWindow(start_ms, end_ms);
  slot.key = key;
  window_next_ = (window_next_ + 1) % window_cache_.size();
  return slot;
}

SeasonalProfile::WindowAnswer SeasonalProfile::ComputeWindow(int64_t start_ms,
                                                             int64_t end_ms) const {
  scratch_mean_.clear();
  auto type = [&](int64_t t) { return TypeOfCycle(CycleOf(t)); };
  for (int ago = 1; ago <= complete_; ++ago) {
    const int64_t shift = ago * period_ms_;
    // A window across midnight is compared only with windows whose both days are of the same
    // types (Friday evening into Saturday with the same a week before).
    if (type(start_ms - shift) != type(start_ms) || type(end_ms - 1 - shift) != type(end_ms - 1)) {
      continue;
    }
    // Only a window the profile holds whole (a window across the oldest cycle would be compared
    // with part of itself).
    double sum = 0, count = 0;
    bool whole = true;
    for (int64_t t = start_ms - shift; t < end_ms - shift && whole; t += bin_ms_) {
      const ptrdiff_t i = Cell(t);
      whole = i >= 0;
      if (!whole) break;
      sum += sum_[static_cast<size_t>(i)];
      count += count_[static_cast<size_t>(i)];
    }
    if (whole && count > 0) scratch_mean_.push_back(sum / count);
  }
  WindowAnswer a;
  if (scratch_mean_.empty()) {
    a.mean = a.lo = a.hi = kNaN;
    return a;
  }
  // The median is derived from the two middle values, as Median computes it.
  const size_t n = scratch_mean_.size();
  a.hi = Kth(scratch_mean_, n / 2);
  a.lo = n % 2 == 1 ? a.hi : Kth(scratch_mean_, n / 2 - 1);
  a.mean = n % 2 == 1 ? a.hi : 0.5 * (a.lo + a.hi);
  return a;
}

void SeasonalProfile::Save(StateWriter& w) const {
  w.I64(period_ms_);
  w.I64(bin_ms_);
  w.I64(origin_ms_);
  w.U32(static_cast<uint32_t>(cycles_));
  w.I64(cycle_);
  w.U32(static_cast<uint32_t>(slot_));
  w.U32(static_cast<uint32_t>(complete_));
  w.F32s(max_);
  w.F32s(min_);
  w.F32s(sum_);
  w.U16s(count_);
  std::vector<uint16_t> types(type_.begin(), type_.end());
  w.U16s(types);
}

bool SeasonalProfile::Load(StateReader& r) {
  window_cache_ = {};
  int64_t period, bin, origin, cycle;
  uint32_t cycles, slot, complete;
  std::vector<float> mx, mn, sm;
  std::vector<uint16_t> ct, types;
  if (!r.I64(&period) || !r.I64(&bin) || !r.I64(&origin) || !r.U32(&cycles) || !r.I64(&cycle) ||
      !r.U32(&slot) || !r.U32(&complete) || !r.F32s(&mx) || !r.F32s(&mn) || !r.F32s(&sm) ||
      !r.U16s(&ct) || !r.U16s(&types) || types.size() != type_.size()) {
    return false;
  }
  const size_t n = max_.size();
  if (period != period_ms_ || bin != bin_ms_ || static_cast<int>(cycles) != cycles_ ||
      slot > static_cast<uint32_t>(cycles_) || complete > static_cast<uint32_t>(cycles_) ||
      mx.size() != n || mn.size() != n || sm.size() != n || ct.size() != n || cycle < -1) {
    return false;
  }
  origin_ms_ = origin;
  cycle_ = cycle;
  slot_ = static_cast<int>(slot);
  complete_ = static_cast<int>(complete);
  max_ = std::move(mx);
  min_ = std::move(mn);
  sum_ = std::move(sm);
  count_ = std::move(ct);
  for (size_t i = 0; i < types.size(); ++i) type_[i] = types[i] != 0;
  return true;
}

size_t SeasonalProfile::MemoryBytes() const {
  return sizeof(*this) + max_.capacity() * 12 + count_.capacity() * 2 +
         (scratch_hi_.capacity() + scratch_lo_.capacity() + scratch_mean_.capacity()) * 8;
}

}  // namespace streamlens::analysis
