// Outliers among peers (cycle.h, stage 7): each member (a value of outliers.peer_label, e.g. a
// broker) is a row of its series' latest values, one column per metric name; members are
// compared only with members of the same value of the job's cluster label, never across
// clusters. A member missing a metric or whose latest point is older than `lookback` is left
// out; a group needs at least 3 members. Pure apart from the scoring call; thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/results.h"
#include "sidecar/engine/series_state.h"

namespace streamlens::engine {

// Scores the peers among `series` at `end_grid_ms`; `status` says whether it could (and why
// not: no group with 3 complete members, or the scoring failed).
std::vector<OutlierResult> ScorePeers(const SeriesMap& series, const JobConfig& cfg,
                                      int64_t end_grid_ms, const AnalysisFactory& factory,
                                      AnalysisStatus* status);

}  // namespace streamlens::engine
