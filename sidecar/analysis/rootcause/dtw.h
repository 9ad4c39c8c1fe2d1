// Dynamic time warping (DTW) on z-normalized series with a Sakoe-Chiba band, LB_Kim and
// LB_Keogh lower bounds and early abandoning, plus a k-nearest-candidate search whose result
// is identical to ranking every candidate by unpruned DTW.
//
// Distance convention (the UCR-suite one): the DTW distance is the minimum, over warping paths
// that stay within the band, of the SUM OF SQUARED differences of matched points. It is not
// square-rooted. Lower is more similar; 0 means identical after z-normalization.
//
// Pure code: no I/O, clocks or logging. Functions are thread-safe; DtwSearch may start
// `num_threads - 1` worker threads and joins them before returning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis::rootcause {

// Z-normalizes `x` into `out` (same length): (x - mean) / stddev, population stddev.
// A constant series (stddev below 1e-12 * (1 + |mean|)) becomes all zeros, so that it matches
// other flat series and nothing else. `out` may alias `x`. Lengths must match (programmer error:
// asserted).
void ZNormalize(std::span<const double> x, std::span<double> out);

// Resolves a band request into a half-width in samples for series of length n:
// band >= 0 is taken as is (clamped to n - 1); band < 0 means round(band_fraction * n).
int ResolveBand(int band, double band_fraction, size_t n);

// Unpruned DTW distance between a and b (equal length >= 1) within a Sakoe-Chiba band of
// half-width `band` samples (|i - j| <= band). Inputs are used as given (normalize first if
// wanted). Error when the lengths differ, are 0, band < 0, or a value is not finite.
Result<double> DtwDistance(std::span<const double> a, std::span<const double> b, int band);

// Upper (u) and lower (l) envelopes of x for the band: u[i] = max x[i-band..i+band],
// l[i] = min of the same window (clipped at the ends). O(n) (Lemire's streaming min/max).
// u and l must have x's length (asserted).
void KeoghEnvelope(std::span<const double> x, int band, std::span<double> u, std::span<double> l);

// LB_Keogh(envelope of q, c): sum over i of the squared distance from c[i] to [l[i], u[i]].
// A lower bound of DtwDistance(q, c, band) when u, l are q's envelope for the same band.
double LbKeogh(std::span<const double> c, std::span<const double> u, std::span<const double> l);

struct DtwSearchParams {
  // Sakoe-Chiba half-width in samples; < 0 means band_fraction of the length.
  int band = -1;
  double band_fraction = 0.1;
  // Number of best candidates wanted. 0 means rank all candidates (no pruning is possible then:
  // every distance is computed exactly).
  size_t top_k = 10;
  // Use LB_Kim / LB_Keogh (both directions) and early abandoning. The result is the same either
  // way; false exists so tests and benchmarks can compare.
  bool prune = true;
  // Z-normalize target and candidates before comparing (recommended: compares shape, not level).
  bool z_normalize = true;
  // Worker threads (>= 1). Results do not depend on it.
  int num_threads = 1;
};

struct DtwMatch {
  size_t index = 0;       // row of the candidate in the input
  double distance = 0.0;  // exact DTW distance (sum of squares, see top of file)
};

struct DtwSearchStats {
  size_t candidates = 0;
  size_t pruned_by_kim = 0;        // rejected by LB_Kim (first/last point bound)
  size_t pruned_by_keogh = 0;      // rejected by LB_Keogh(target envelope, candidate)
  size_t pruned_by_keogh_rev = 0;  // rejected by LB_Keogh(candidate envelope, target)
  size_t abandoned = 0;            // DTW started, abandoned early
  size_t full_dtw = 0;             // DTW computed to the end
};

struct DtwSearchResult {
  // Best candidates ordered by (distance, index) ascending; top_k entries (or all candidates
  // when top_k is 0 or exceeds their number). Identical with prune on or off.
  std::vector<DtwMatch> matches;
  DtwSearchStats stats;
  int band = 0;  // band half-width actually used, in samples
};

// Ranks the candidate series against `target` by DTW distance.
// Pruned search (prune and 0 < top_k < candidates): phase 1 computes max(LB_Kim, LB_Keogh) of
// every candidate (O(n) each, threads split the candidates); phase 2 visits candidates in
// ascending bound order, each worker keeping its own top-k, tries LB_Keogh the other way round
// (candidate envelope) and then DTW with early abandoning against its current k-th distance, and
// stops at the first bound above it. Exact, so the merged top-k equals the exhaustive one.
// `candidates` holds the candidates row-major: candidate r is
// candidates[r * target.size() .. (r + 1) * target.size()).
// Error when target has fewer than 2 points, candidates.size() is not a multiple of the target
// length, a value is not finite, or params are invalid.
Result<DtwSearchResult> DtwSearch(std::span<const double> target,
                                  std::span<const double> candidates,
                                  const DtwSearchParams& params);

}  // namespace streamlens::analysis::rootcause
