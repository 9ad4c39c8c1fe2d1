// DriftRefits: when a series whose model drifted (SeriesModel::Drifted) is refitted before its
// schedule.
//
// A drifted model is due for a refit once `spacing` has passed since its last fit. The spacing
// starts at kDriftRefitSpacing (1 h). An early (drift) refit that did not cure the drift (its model
// drifted again before one spacing had passed) doubles it at the next refit: 1 h, 2 h, 4 h, ... up
// to the job's fit_every, where the scheduled refit comes first. A model that held for a whole
// spacing (or never drifted) resets it; after a scheduled or first fit whose model drifted soon it
// stays (the drift is a change that fit did not see, or a drift earlier refits did not cure). A
// series that its model cannot describe (every refit sees the same and drifts again) thus costs
// about log2(fit_every / 1 h) early refits after a change instead of one every hour, while a
// drift that a refit cures is refitted within an hour each time.
//
// Saved with the series' state (persistence.cc), so a restart keeps the spacing. Owned by the
// series' state (series_state.h); not thread-safe (the series' cycle mutates it).
#pragma once

#include <cstdint>
#include <limits>

#include "common/binary_io.h"

namespace streamlens::engine {

// The first spacing of drift refits, and the floor of every later one.
inline constexpr int64_t kDriftRefitSpacing = 3'600'000;

class DriftRefits {
 public:
  // After every update of the series: whether a model says it drifted, at grid time t_ms.
  void Observe(bool drifted, int64_t t_ms);
  bool drifted() const { return drifted_; }
  // A drifted model fitted at last_fit_ms is due for an early refit at now_ms.
  bool Due(int64_t now_ms, int64_t last_fit_ms) const;
  // A fit made at now_ms (`early`: before its schedule, for drift; the previous fit at
  // prev_fit_ms, or min() for a first fit) sets the spacing as above. Call after Observe saw the
  // new model.
  void OnFit(int64_t prev_fit_ms, int64_t now_ms, int64_t fit_every_ms, bool early);
  int64_t spacing_ms() const { return spacing_ms_; }

  void Save(StateWriter& w) const;
  // False (this object unchanged) for a truncated state or a spacing below kDriftRefitSpacing.
  bool Load(StateReader& r);

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  bool drifted_ = false;
  int64_t drifted_since_ms_ = kNone;  // the first drifted update since the last fit
  int64_t spacing_ms_ = kDriftRefitSpacing;
  bool last_fit_early_ = false;
};

}  // namespace streamlens::engine
