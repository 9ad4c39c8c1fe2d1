// Root-cause ranking: given an anomaly window on a target series, ranks candidate series by
// how well their change in the window (against a baseline period) explains the target's change.
//
// For each candidate the score combines, all in [0, 1]:
//   strength    |z| / (|z| + z_saturation), z = (mean(window) - median(baseline)) / robust scale
//               of the baseline (1.4826 * MAD), both on series detrended by a line fitted to the
//               baseline: a series that merely keeps trending shows no change (pitfall 1).
//   similarity  max of the best |Pearson| within +-max_shift samples (levels vs levels,
//               differences vs differences, and candidate levels vs target differences - a rate
//               driving an accumulation such as lag) and a DTW similarity (band = max_shift) over
//               the analysis span [window_begin - window length, window_end): tolerates misaligned
//               scrape clocks (pitfall 2).
//   precedence  1 when the candidate's sustained change starts no later than max_shift samples
//               after the target's, decaying exponentially after that: effects do not precede
//               causes.
//   direction   1 when the candidate moved in the direction that would hurt (its `bad_direction`)
//               given the target moved in its bad direction, `wrong_direction_factor` otherwise
//               (a drop in load does not explain a rise in latency). 1 when either is 0.
//   prior       domain weight of the candidate (CandidateInfo::prior): causes vs symptoms
//               (pitfall 3: candidates are not chosen blindly; see kafka_candidates.h).
// score = prior * strength * similarity * precedence * direction.
//
// Published by the engine as streamlens_rootcause_score{for,candidate,layer} = score, with
// candidate = CandidateInfo::name and layer = LayerName(layer); the JSON of
// /api/v1/rootcause?for=... can carry every CandidateScore field.
//
// Pure: no I/O, clocks or logging; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis::rootcause {

// Which layer of the system a candidate points at (the `layer` label of
// streamlens_rootcause_score).
enum class Layer {
  kApplication,  // producers and consumers: consumer rates, lag, group membership
  kPlatform,     // Kafka itself: request queues, handler idle, ISR, replication, latency
  kResources,    // machines: CPU, network, disk
  kData,         // the workload's data: input rates, partition skew, message sizes
};
// "application", "platform", "resources", "data".
const char* LayerName(Layer layer);

struct CandidateInfo {
  std::string name;  // the caller's identifier (e.g. rendered label set); copied to results
  Layer layer = Layer::kPlatform;
  // Domain weight in (0, 1]: how plausible this series is as a cause rather than a symptom.
  double prior = 1.0;
  // +1: an increase is bad (latency, lag, CPU, load); -1: a decrease is bad (idle ratios,
  // consumption rate, brokers online); 0: either.
  int bad_direction = 0;
};

enum class Detrend {
  kNone,
  kLinearBaseline,  // subtract the least-squares line fitted to the baseline (extrapolated)
};

struct RankParams {
  // Half-open sample ranges on the shared time axis; baseline must end at or before the window
  // starts and hold at least 8 samples; window needs at least 3.
  size_t baseline_begin = 0, baseline_end = 0;
  size_t window_begin = 0, window_end = 0;
  int max_shift = 3;  // bound on clock misalignment / reaction delay, samples (>= 0)
  Detrend detrend = Detrend::kLinearBaseline;
  bool use_dtw = true;
  double z_saturation = 3.0;             // |z| at which strength is 0.5 (> 0)
  double onset_threshold = 3.0;          // |robust z| a sustained change must exceed (> 0)
  int onset_persistence = 3;             // consecutive samples above it (>= 1)
  double precedence_decay = 5.0;         // samples; precedence = exp(-(delay - max_shift) / this)
  double wrong_direction_factor = 0.25;  // in [0, 1]
  int target_bad_direction = 1;          // +1, -1 or 0 (see CandidateInfo::bad_direction)
  size_t top_n = 0;                      // keep the best n results; 0 keeps all
};

struct CandidateScore {
  size_t index = 0;  // row in the input
  std::string name;
  Layer layer = Layer::kPlatform;
  double score = 0.0;            // overall, [0, 1]; the value of streamlens_rootcause_score
  double change_z = 0.0;         // robust z of the window's mean vs the baseline (detrended)
  double relative_change = 0.0;  // (mean window - median baseline) / |median baseline|, raw
                                 // values; 0 when the baseline median is 0
  double correlation = 0.0;      // signed Pearson at the best lag (levels or differences)
  int lag = 0;                   // samples; > 0 means the target follows the candidate
  double dtw_similarity = 0.0;   // 1 - DTW / (2 * span) on z-normalized spans, clamped to [0,1]
  int onset = -1;                // samples after window_begin (may be negative); -1 if none...
  bool has_onset = false;        // ...valid only when has_onset
  double strength = 0.0, similarity = 0.0, precedence = 0.0, direction = 0.0, prior = 0.0;
};

struct RankResult {
  double target_change_z = 0.0;
  bool target_has_onset = false;
  int target_onset = 0;                // samples after window_begin
  std::vector<CandidateScore> ranked;  // by score descending, ties by index ascending
};

// Ranks the candidates (row-major in `candidates`, each as long as `target`, described by
// `infos` in the same order). Error when sizes disagree, ranges are invalid, params are out of
// range or a value in the used range is not finite.
Result<RankResult> RankCandidates(std::span<const double> target,
                                  std::span<const double> candidates,
                                  std::span<const CandidateInfo> infos, const RankParams& params);

}  // namespace streamlens::analysis::rootcause
