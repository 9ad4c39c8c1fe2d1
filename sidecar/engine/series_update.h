// The per-series part of a job cycle (cycle.h, stage 5): a fetched series' grid values for the
// cycle, the fit or update of each of its analyses, and the outputs folded into its state.
// Functions of one series; the cycle runs them for different series on different threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/series_state.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::engine {

using AnalysisList = std::vector<std::unique_ptr<SeriesAnalysis>>;
using SharedFits = std::vector<std::shared_ptr<const SharedFit>>;  // per analysis, may be null

// The grid and schedule of one cycle as the per-series work sees it.
struct CycleWindow {
  int64_t step_ms = 0;
  int64_t grid_start_ms = 0;  // first grid point of the fetched range
  int64_t end_grid_ms = 0;    // the latest grid point
  int64_t lookback_ms = 0;
  Transform transform = Transform::kNone;
  size_t infer_points = 1;  // points a refit leaves after its fit, to update right away
  size_t score_history = 0;
};

// What a cycle does with a series: hand its new points to its models, fit it for the first
// time (quick models where its analyses have them; kFirstFull: full models, when the job's new
// series fit in one batch and a quick model would only be replaced at once), or refit it in full.
enum class FitKind { kUpdate, kFirst, kFirstFull, kFull };

// One fetched series this cycle handles: its index in the fetched set, its state, and what to
// do with it.
struct SeriesWork {
  size_t index = 0;
  SeriesState* state = nullptr;
  FitKind kind = FitKind::kUpdate;
  bool refit() const { return kind != FitKind::kUpdate; }
};

// The series' grid values for this cycle (grid.h: gaps are NaN): every point of the range on a
// refit, otherwise those after the last point it consumed. False when there is nothing new.
bool CycleGrid(const remote_read::SeriesSet& set, const SeriesWork& work, const CycleWindow& win,
               int64_t* start_ms, std::vector<double>* grid);

// How many of n points a refit fits on: all but the last infer_points (at most a tenth), which
// it then hands to the new models so results appear at once; 0 when n is too short for one of
// the analyses.
size_t FitLength(size_t n, const AnalysisList& analyses, size_t infer_points);

struct SeriesUpdate {
  bool fitted = false;      // the series was (re)fitted
  bool quick = false;       // ... and an analysis used its quick first fit
  bool fit_failed = false;  // a fit failed: the series keeps its previous models
  std::string error;        // the first analysis error ("" if none)
};

// Fits (work.refit()) or updates every analysis of the series on `grid` (starting at start_ms)
// and folds their outputs into the state: the latest anomaly point and score history (at most
// win.score_history points, also in capacity), the latest forecast, the model names, the last
// grid point and value, and whether a model drifted. A first fit (FitKind::kFirst) uses each
// analysis' quick fit where it has one. An online analysis (RefitsOnSchedule() false) keeps its
// running model through a refit and consumes the points it has not seen. `shared` holds the
// job-level fits for full refits (pooled models). The refit schedule fields of the state are the
// caller's.
SeriesUpdate UpdateSeries(SeriesState& st, const SeriesWork& work, int64_t start_ms,
                          std::span<const double> grid, const CycleWindow& win,
                          const AnalysisList& analyses, const SharedFits& shared);

}  // namespace streamlens::engine
