// Correlation measures between two equally sampled series: Pearson, Spearman (average ranks
// for ties) and lagged cross-correlation (the best shift within a bound).
//
// Pure functions: no I/O, no clocks, no allocation beyond the returned values (Spearman
// allocates its rank buffers). Thread-safe (no shared state).
//
// Inputs are the raw sample values; NaN is not allowed (callers fill or drop gaps first).
// A constant series has no defined correlation: the functions return 0 for it, which is what a
// ranking wants ("this candidate explains nothing"), and say so in the result where it matters.
#pragma once

#include <cstddef>
#include <span>

#include "common/status.h"

namespace streamlens::analysis::rootcause {

// Pearson product-moment correlation of x and y, in [-1, 1].
// Error when the lengths differ, are below 2, or a value is not finite. Returns 0 when either
// series is constant (zero variance).
Result<double> Pearson(std::span<const double> x, std::span<const double> y);

// Spearman rank correlation: Pearson on the ranks, ties get the average of their ranks
// (the definition R's cor(method = "spearman") uses). Same errors as Pearson.
Result<double> Spearman(std::span<const double> x, std::span<const double> y);

struct LaggedCorrelationParams {
  // Shifts tried: every integer lag in [-max_lag, +max_lag] samples. Must be >= 0 and leave at
  // least `min_overlap` overlapping samples.
  int max_lag = 5;
  // Minimum number of overlapping samples at any lag tried; >= 3.
  int min_overlap = 8;
};

struct LaggedCorrelation {
  // Lag in samples at which |correlation| is largest. Positive lag means y follows x: the
  // correlation is between x[t] and y[t + lag]. Ties are broken towards the smaller |lag|, then
  // towards the negative lag.
  int lag = 0;
  // Pearson correlation of the overlapping parts at `lag`, in [-1, 1] (sign kept).
  double correlation = 0.0;
  // Number of overlapping samples used at `lag`.
  int overlap = 0;
};

// Best-|r| Pearson correlation of x against y shifted by lags in [-max_lag, max_lag].
// Error when lengths differ, params are invalid or a value is not finite.
Result<LaggedCorrelation> BestLaggedCorrelation(std::span<const double> x,
                                                std::span<const double> y,
                                                const LaggedCorrelationParams& params);

}  // namespace streamlens::analysis::rootcause
