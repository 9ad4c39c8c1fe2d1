// Alert-fatigue controls applied to a stream of scores (> 1 = anomalous).
//
// Persistence: alert only when at least k of the last n points scored above 1.
//
// RecurringBurstFilter, for lag-like series (consumer lag, queue depth): an anomalous episode
// (consecutive points above 1) that starts at a time of the cycle where episodes have started
// before (at least `min_occurrences` of the remembered episodes, within `phase_tolerance` points)
// is expected as long as it lasts no longer than those episodes usually took to recover
// (the longest of them times `recovery_slack`). So the daily 10:00 burst that is caught up within
// its usual time never alerts, while the same burst still anomalous past its usual recovery does,
// as does any episode at an unusual time. State: a few counters and the last `memory` episodes
// (start phase, duration). Not thread-safe; one filter per series.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis {

class Persistence {
 public:
  // k >= 1, n >= k.
  static Result<Persistence> Create(int k, int n);
  // Adds the next score; true when at least k of the last n scores are > 1.
  bool Push(double score);

 private:
  Persistence(int k, int n) : k_(k), last_(static_cast<size_t>(n), 0) {}
  int k_;
  std::vector<uint8_t> last_;
  size_t pos_ = 0;
  int count_ = 0;
};

struct BurstParams {
  int period = 0;               // points per cycle (1440 for daily minute data), >= 2
  int phase_tolerance = 0;      // how far (in points) a start may drift and still be "usual"
  int min_occurrences = 2;      // remembered episodes needed at that phase
  double recovery_slack = 1.5;  // allowed duration = slack * longest usual duration
  int memory = 14;              // episodes remembered
};

class RecurringBurstFilter {
 public:
  // A remembered episode: where in the cycle it started and how many points it lasted.
  struct Episode {
    int64_t phase;
    int64_t duration;
  };
  // The whole state, for persistence: points seen, start of the current episode (-1: none) and
  // the remembered episodes, oldest first.
  struct State {
    int64_t t = 0;
    int64_t start = -1;
    std::vector<Episode> episodes;
  };

  static Result<RecurringBurstFilter> Create(const BurstParams& params);
  // Rebuilds a filter from state(); errors name the inconsistent field (phase outside the
  // period, duration < 1 or longer than the clock, more episodes than `memory`, ...).
  static Result<RecurringBurstFilter> Restore(const BurstParams& params, State state);
  // Adds the next score; true when the point should alert.
  bool Push(double score);
  State state() const { return {t_, start_, episodes_}; }

 private:
  explicit RecurringBurstFilter(const BurstParams& p) : p_(p) {}
  BurstParams p_;
  int64_t t_ = 0;
  int64_t start_ = -1;  // start of the current episode, -1 when none
  std::vector<Episode> episodes_;
};

}  // namespace streamlens::analysis
