// Robust location and scale: median, MAD, robust z-scores, and their rolling (trailing-window)
// versions. Used by the anomaly scorer, S-H-ESD and the peer-outlier detectors.
//
// Conventions (as R): Median of an even count is the mean of the two middle values; Mad() is
// median(|x - median(x)|) times kMadToSigma (1.4826, R's mad() default), i.e. a consistent
// estimate of the standard deviation for normal data. Empty input gives NaN; NaN inputs are
// skipped. Pure functions, thread-safe.
#pragma once

#include <span>
#include <vector>

namespace streamlens::analysis {

inline constexpr double kMadToSigma = 1.4826;

// Median of the finite values of x (NaN when there are none). O(n) expected.
double Median(std::span<const double> x);

// Scaled MAD around `center` (pass Median(x) for the usual MAD). NaN when x has no finite value.
double Mad(std::span<const double> x, double center);

// (x[i] - median) / mad for every i. Where more than half the values are equal (mad == 0) the
// scale is the mean absolute deviation from the median times sqrt(pi / 2) (Iglewicz and
// Hoaglin's modified z): one member differing from n - 1 identical peers scores n / 1.2533
// (4.8 among 6), two scattered ones less; all equal scores 0. Always finite.
std::vector<double> RobustZ(std::span<const double> x);

// Trailing-window statistics: out[i] uses x[max(0, i - window + 1) .. i] (finite values only),
// so out[i] never depends on later points. window >= 1. RollingMedian is O(n log window) plus the
// cost of keeping a sorted window (memmove of at most `window` doubles per step); RollingMad is
// O(n * window).
std::vector<double> RollingMedian(std::span<const double> x, int window);
std::vector<double> RollingMad(std::span<const double> x, int window);

}  // namespace streamlens::analysis
