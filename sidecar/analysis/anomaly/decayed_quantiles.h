// DecayedQuantiles: quantiles of a stream of non-negative values in which older values weigh
// less: a value added at time t weighs exp(-(now - t) / memory). The anomaly detector uses it for
// every scale it learns from the series itself (the noise scale, the "usual large deviation" of
// each channel), so those scales follow the series over `memory` and forget what it used to be.
//
// Representation: a histogram with log-spaced bins (kBinsPerOctave per factor of two, covering
// 2^-kOctaves .. 2^kOctaves; values beyond are counted in the edge bins) plus one bin for zero,
// interpolated log-linearly inside a bin. Memory is fixed (about 1 KB) whatever the number of
// values; quantiles are accurate to a fraction of a bin (a bin spans a factor 1.26). Not
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/binary_io.h"

namespace streamlens::analysis {

class DecayedQuantiles {
 public:
  static constexpr int kBinsPerOctave = 3;
  static constexpr int kOctaves = 40;  // 1e-12 .. 1e12 (values beyond count at the edges)

  // memory_ms > 0: the time over which weights fall by a factor e.
  explicit DecayedQuantiles(int64_t memory_ms = 1);

  // Adds v (finite, >= 0; negative values count as 0) observed at t_ms (non-decreasing).
  void Add(int64_t t_ms, double v);
  // The value below which a fraction q (0..1) of the current weight lies; NaN when empty.
  double Quantile(double q) const;
  // The median of the values that are not 0 (NaN when there are none): the typical size of a
  // change of a series that is mostly constant.
  double NonZeroMedian() const;
  // Weighted mean of (v - u) over the values above u (0 when there are none): the scale of an
  // exponential tail beyond u.
  double MeanExcess(double u) const;
  // Sum of the weights as of the latest value added (the number of values when nothing has
  // decayed yet).
  double weight() const;

  void Save(StateWriter& w) const;
  bool Load(StateReader& r);  // false on a malformed or inconsistent state
  size_t MemoryBytes() const { return sizeof(*this) + counts_.capacity() * sizeof(float); }

 private:
  static int BinOf(double v);
  static double BinLow(int bin);
  void Rescale(int64_t t_ms);

  int64_t memory_ms_;
  int64_t ref_ms_ = 0;   // weights are relative to exp((t - ref) / memory)
  int64_t last_ms_ = 0;  // time of the latest value
  bool started_ = false;
  double total_ = 0;           // sum of counts_, in the same relative units
  int top_ = -1;               // highest log bin that has held a value (-1: none)
  std::vector<float> counts_;  // [0] = zeros, [1 + k] = log bin k
};

}  // namespace streamlens::analysis
