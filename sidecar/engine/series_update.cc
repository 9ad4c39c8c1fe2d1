#include "sidecar/engine/series_update.h"

#include <algorithm>

#include "sidecar/engine/grid.h"

namespace streamlens::engine {

bool CycleGrid(const remote_read::SeriesSet& set, const SeriesWork& work, const CycleWindow& win,
               int64_t* start_ms, std::vector<double>* grid) {
  const SeriesState& st = *work.state;
  const int64_t first_t = work.refit() ? win.grid_start_ms : std::max(win.grid_start_ms, st.last_t);
  if (!GridValues(set.timestamps(work.index), set.values(work.index), first_t, win.end_grid_ms,
                  win.step_ms, win.lookback_ms, win.transform, start_ms, grid)) {
    return false;
  }
  if (!work.refit() && st.last_t != kNever && *start_ms <= st.last_t) {
    const size_t skip = static_cast<size_t>((st.last_t - *start_ms) / win.step_ms + 1);
    if (skip >= grid->size()) return false;
    grid->erase(grid->begin(), grid->begin() + static_cast<ptrdiff_t>(skip));
    *start_ms += static_cast<int64_t>(skip) * win.step_ms;
  }
  return !grid->empty();
}

size_t FitLength(size_t n, const AnalysisList& analyses, size_t infer_points) {
  for (const auto& a : analyses) {
    if (n < a->MinHistory()) return 0;
  }
  size_t tail = std::min(infer_points, n / 10);
  for (const auto& a : analyses) {
    if (n - tail < a->MinHistory()) tail = 0;
  }
  return n - tail;
}

namespace {

// Refits every analysis on the first fit_n points and updates the new models with the rest; an
// online analysis keeps its running model and consumes what it has not seen; a first fit uses
// the quick fits. On a failed fit the series keeps all its previous models.
SeriesUpdate Refit(SeriesState& st, FitKind kind, int64_t start, std::span<const double> grid,
                   int64_t step, size_t fit_n, const AnalysisList& analyses,
                   const SharedFits& shared, SeriesOutput* out) {
  SeriesUpdate r;
  const DenseSeries hist{start, step, grid.first(fit_n)};
  const DenseSeries rest{start + static_cast<int64_t>(fit_n) * step, step, grid.subspan(fit_n)};
  const DenseSeries all{start, step, grid};
  const bool has_models = st.models.size() == analyses.size();
  std::vector<std::unique_ptr<SeriesModel>> models;
  for (size_t a = 0; a < analyses.size(); ++a) {
    if (!analyses[a]->RefitsOnSchedule() && has_models) {
      (void)st.models[a]->Update(all, out);
      models.push_back(nullptr);  // the running model, kept below
      continue;
    }
    const bool quick = kind == FitKind::kFirst && analyses[a]->HasQuickFit();
    r.quick |= quick;
    auto m = quick ? analyses[a]->FitQuick(hist, out)
                   : analyses[a]->FitWith(hist, a < shared.size() ? shared[a].get() : nullptr, out);
    if (!m.ok()) {
      r.fit_failed = true;
      r.error = st.key + ": " + m.status().message();
      return r;
    }
    if (!rest.values.empty()) (void)(*m)->Update(rest, out);
    models.push_back(std::move(*m));
  }
  for (size_t a = 0; a < models.size(); ++a) {
    if (!models[a]) models[a] = std::move(st.models[a]);
  }
  st.models = std::move(models);
  st.fitted = true;
  r.fitted = true;
  return r;
}

// Folds one cycle's outputs into the series' state. Only the newest `keep` scores can stay in
// the history, so only those are appended (a first fit scores the whole fit window), and the
// history never holds more than twice `keep` in capacity.
void Fold(SeriesState& st, SeriesOutput& out, size_t keep) {
  int64_t newest = st.score_history.empty() ? kNever : st.score_history.back().first;
  const size_t first_kept = out.anomaly.size() > keep ? out.anomaly.size() - keep : 0;
  for (size_t i = 0; i < out.anomaly.size(); ++i) {
    const AnomalyPoint& p = out.anomaly[i];
    if (p.t_ms <= newest) continue;
    newest = p.t_ms;
    st.has_anomaly = true;
    st.anomaly = p;
    if (keep > 0 && i >= first_kept)
      st.score_history.emplace_back(p.t_ms, static_cast<float>(p.score));
  }
  if (st.score_history.size() > keep) {
    st.score_history.erase(
        st.score_history.begin(),
        st.score_history.begin() + static_cast<ptrdiff_t>(st.score_history.size() - keep));
  }
  if (st.score_history.capacity() > 2 * keep) st.score_history.shrink_to_fit();
  if (out.has_forecast) {
    st.has_forecast = true;
    st.forecast = std::move(out.forecast);
  }
  bool drifted = false;
  for (const auto& m : st.models) {
    m->Describe(&out);
    drifted |= m->Drifted();
  }
  st.drift.Observe(drifted, st.last_t);
  if (!out.anomaly_model.empty()) st.anomaly_model = out.anomaly_model;
  if (!out.forecast_model.empty()) st.forecast_model = out.forecast_model;
}

}  // namespace

SeriesUpdate UpdateSeries(SeriesState& st, const SeriesWork& work, int64_t start_ms,
                          std::span<const double> grid, const CycleWindow& win,
                          const AnalysisList& analyses, const SharedFits& shared) {
  SeriesOutput out;
  SeriesUpdate r;
  if (work.refit()) {
    const size_t fit_n = FitLength(grid.size(), analyses, win.infer_points);
    if (fit_n == 0) {
      r.fit_failed = true;
      return r;
    }
    r = Refit(st, work.kind, start_ms, grid, win.step_ms, fit_n, analyses, shared, &out);
    if (r.fit_failed) return r;
  } else {
    const DenseSeries pts{start_ms, win.step_ms, grid};
    for (auto& m : st.models) {
      Status s = m->Update(pts, &out);
      if (!s.ok() && r.error.empty()) r.error = st.key + ": " + s.message();
    }
  }
  st.last_t = start_ms + static_cast<int64_t>(grid.size() - 1) * win.step_ms;
  st.last_value = grid.back();
  Fold(st, out, win.score_history);
  return r;
}

}  // namespace streamlens::engine
