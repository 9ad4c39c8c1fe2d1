#include "sidecar/analysis/forecast/global_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>

#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Status ValidateParams(const GlobalModelParams& p) {
  auto bad = [](const std::string& what) { return Status::Error("global model: " + what); };
  if (p.horizon < 1) return bad("horizon must be >= 1, got " + std::to_string(p.horizon));
  if (p.lags < 1) return bad("lags must be >= 1, got " + std::to_string(p.lags));
  if (p.level_window < 1 || p.level_window > p.lags) {
    return bad("level_window must be in [1, lags=" + std::to_string(p.lags) + "], got " +
               std::to_string(p.level_window));
  }
  if (p.origin_stride < 1) {
    return bad("origin_stride must be >= 1, got " + std::to_string(p.origin_stride));
  }
  if (!(p.ridge >= 0.0)) return bad("ridge must be >= 0, got " + std::to_string(p.ridge));
  if (p.min_windows_per_feature < 1) return bad("min_windows_per_feature must be >= 1");
  if (p.max_residual_windows < 1) return bad("max_residual_windows must be >= 1");
  if (p.interval_scale_origins < 0) return bad("interval_scale_origins must be >= 0");
  if (p.deseasonalize && p.normalization != GlobalNormalization::kLog &&
      p.normalization != GlobalNormalization::kLogStandardize) {
    return bad("deseasonalize needs the log or logstd normalisation");
  }
  for (double l : p.levels) {
    if (!(l > 0.0 && l < 1.0)) {
      return bad("interval level must be in (0, 1), got " + std::to_string(l));
    }
  }
  return Status::Ok();
}

// A training window: series index and the index of its last feature value.
struct Window {
  int series;
  int t;
  double a, b;  // normalisation constants: z = (T(x) - a) / b
};

bool UsesLog(GlobalNormalization n) {
  return n == GlobalNormalization::kLog || n == GlobalNormalization::kLogStandardize;
}

// T(x): log for the log normalisations (NaN / -inf for non-positive values), else x.
double Transform(double x, GlobalNormalization n) { return UsesLog(n) ? std::log(x) : x; }

// WindowLevel on already transformed feature values (oldest first).
bool LevelOfTransformed(std::span<const double> tv, const GlobalModelParams& params, double* a,
                        double* b) {
  const size_t n = tv.size();
  const size_t w = std::min<size_t>(n, static_cast<size_t>(std::max(1, params.level_window)));
  *a = 0.0;
  *b = 1.0;
  if (params.normalization == GlobalNormalization::kNone) return true;
  if (UsesLog(params.normalization)) {
    for (double v : tv) {
      if (!std::isfinite(v)) return false;  // a non-positive raw value
    }
  }
  double tail = 0.0;
  for (size_t i = n - w; i < n; ++i) tail += tv[i];
  tail /= static_cast<double>(w);
  switch (params.normalization) {
    case GlobalNormalization::kNone:
      return true;
    case GlobalNormalization::kRatio:
      if (!(tail > 0.0)) return false;
      *b = tail;
      return true;
    case GlobalNormalization::kLog:
      *a = tail;
      return true;
    case GlobalNormalization::kStandardize:
    case GlobalNormalization::kLogStandardize: {
      const double sd = StdDev(tv);
      if (!(sd > 0.0)) return false;
      *a = tail;
      *b = sd;
      return true;
    }
  }
  return false;
}

// Fills `x` (lags + 1 values: lag 0 first, intercept last) and `y` (horizon targets) from the
// transformed series `ts`, normalised.
void FillRow(std::span<const double> ts, const Window& w, const GlobalModelParams& p, double* x,
             double* y) {
  const double inv = 1.0 / w.b;
  for (int j = 0; j < p.lags; ++j) x[j] = (ts[w.t - j] - w.a) * inv;
  x[p.lags] = 1.0;
  if (y == nullptr) return;
  for (int k = 0; k < p.horizon; ++k) y[k] = (ts[w.t + 1 + k] - w.a) * inv;
}

// Values at the end of a series that OwnErrorScale reads.
int ScaleSpan(const GlobalModelParams& p) {
  return p.lags + p.horizon + (p.interval_scale_origins - 1) * std::max(1, p.horizon / 2);
}

// Mean absolute normalised error of `coef`'s forecasts from the last interval_scale_origins
// windows of the transformed series `ts` whose targets lie inside it (origins horizon / 2
// apart); 0 when there is none.
double OwnErrorScale(std::span<const double> ts, const Eigen::MatrixXd& coef,
                     const GlobalModelParams& p) {
  const int len = static_cast<int>(ts.size());
  const int step = std::max(1, p.horizon / 2);
  Eigen::VectorXd x(p.lags + 1);
  double sum = 0.0;
  long count = 0;
  for (int j = 0; j < p.interval_scale_origins; ++j) {
    const int t = len - 1 - p.horizon - j * step;  // the window's last feature value
    if (t < p.lags - 1) break;
    Window w{0, t, 0.0, 1.0};
    if (!LevelOfTransformed(ts.subspan(t - p.lags + 1, p.lags), p, &w.a, &w.b)) continue;
    FillRow(ts, w, p, x.data(), nullptr);
    const Eigen::VectorXd z = coef.transpose() * x;
    for (int k = 0; k < p.horizon; ++k) {
      const double e = (ts[t + 1 + k] - w.a) / w.b - z[k];
      if (!std::isfinite(e)) continue;
      sum += std::abs(e);
      ++count;
    }
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace

bool WindowLevel(std::span<const double> features, const GlobalModelParams& params, double* a,
                 double* b) {
  std::vector<double> tv(features.size());
  for (size_t i = 0; i < tv.size(); ++i) tv[i] = Transform(features[i], params.normalization);
  return LevelOfTransformed(tv, params, a, b);
}

double NormalizeValue(double x, double a, double b, GlobalNormalization normalization) {
  return (Transform(x, normalization) - a) / b;
}

double DenormalizeValue(double z, double a, double b, GlobalNormalization normalization) {
  const double v = a + z * b;
  return UsesLog(normalization) ? std::exp(v) : v;
}

std::vector<double> SeasonalLogProfile(std::span<const double> y, std::span<const int> periods) {
  int shortest = 0, longest = 0;
  for (int q : periods) {
    if (q < 2) continue;
    if (shortest == 0 || q < shortest) shortest = q;
    longest = std::max(longest, q);
  }
  const int n = static_cast<int>(y.size());
  if (shortest == 0 || n < 2 * shortest) return {};
  for (double v : y) {
    if (!(v > 0.0) || !std::isfinite(v)) return {};
  }
  const int P = longest % shortest == 0 ? longest : shortest;
  std::vector<double> z(n);
  for (int i = 0; i < n; ++i) z[i] = std::log(y[i]);
  // Phase of index i relative to the end: (i - n) mod period.
  auto phase = [n](int i, int period) { return ((i - n) % period + period) % period; };
  auto centred_profile = [&](const std::vector<double>& v, int period, int max_cycles) {
    const int k = std::min(max_cycles, n / period);
    std::vector<double> prof(period, 0.0);
    for (int i = n - k * period; i < n; ++i) prof[phase(i, period)] += v[i] / k;
    const double mean = std::accumulate(prof.begin(), prof.end(), 0.0) / period;
    for (double& x : prof) x -= mean;
    return prof;
  };
  const std::vector<double> first = centred_profile(z, shortest, 12);
  std::vector<double> out(P);
  for (int j = 0; j < P; ++j) out[j] = first[j % shortest];
  if (P > shortest && n >= 2 * P) {
    for (int i = 0; i < n; ++i) z[i] -= first[phase(i, shortest)];
    const std::vector<double> second = centred_profile(z, P, 4);
    for (int j = 0; j < P; ++j) out[j] += 0.7 * second[j];
  }
  return out;
}

Result<Forecast> GlobalModel::Predict(std::span<const double> history) const {
  if (!params_.deseasonalize) return PredictWindow(history);
  const std::vector<double> prof = SeasonalLogProfile(history, params_.periods);
  if (prof.empty()) {
    return Status::Error(
        "deseasonalised global model: the history must be positive and hold two cycles of the "
        "shortest period");
  }
  const int n = static_cast<int>(history.size());
  const int P = static_cast<int>(prof.size());
  std::vector<double> adjusted(n);
  for (int i = 0; i < n; ++i) {
    adjusted[i] = history[i] * std::exp(-prof[((i - n) % P + P) % P]);
  }
  Result<Forecast> f = PredictWindow(adjusted);
  if (!f.ok()) return f;
  Forecast& fc = f.value();
  for (size_t k = 0; k < fc.mean.size(); ++k) {
    const double factor = std::exp(prof[k % P]);  // index n + k has phase k mod P
    fc.mean[k] *= factor;
    fc.sd[k] *= factor;
    for (PredictionInterval& pi : fc.intervals) {
      pi.lower[k] *= factor;
      pi.upper[k] *= factor;
    }
  }
  return f;
}

Result<Forecast> GlobalModel::PredictWindow(std::span<const double> history) const {
  const GlobalModelParams& p = params_;
  if (static_cast<int>(history.size()) < p.lags) {
    return Status::Error("global model needs at least " + std::to_string(p.lags) +
                         " observations, got " + std::to_string(history.size()));
  }
  std::span<const double> feat = history.subspan(history.size() - p.lags);
  for (double v : feat) {
    if (!std::isfinite(v)) return Status::Error("global model: non-finite value in the window");
  }
  Window w{0, p.lags - 1, 0.0, 1.0};
  if (!WindowLevel(feat, p, &w.a, &w.b)) {
    return Status::Error(
        "global model: the last window cannot be normalised (non-positive level or values, or "
        "zero spread)");
  }
  std::vector<double> tv(feat.size());
  for (size_t i = 0; i < tv.size(); ++i) tv[i] = Transform(feat[i], p.normalization);
  Eigen::VectorXd x(p.lags + 1);
  FillRow(tv, w, p, x.data(), nullptr);
  const Eigen::VectorXd z = coef_.transpose() * x;
  const double scale = SeriesIntervalScale(history);
  Forecast fc;
  fc.model = "global";
  fc.mean.resize(p.horizon);
  fc.sd.assign(p.horizon, 0.0);
  for (int k = 0; k < p.horizon; ++k) {
    fc.mean[k] = DenormalizeValue(z[k], w.a, w.b, p.normalization);
  }
  size_t widest = 0;
  for (size_t l = 0; l < p.levels.size(); ++l) {
    PredictionInterval pi{p.levels[l], std::vector<double>(p.horizon),
                          std::vector<double>(p.horizon)};
    for (int k = 0; k < p.horizon; ++k) {
      pi.lower[k] = DenormalizeValue(z[k] + scale * q_lower_[l][k], w.a, w.b, p.normalization);
      pi.upper[k] = DenormalizeValue(z[k] + scale * q_upper_[l][k], w.a, w.b, p.normalization);
    }
    fc.intervals.push_back(std::move(pi));
    if (p.levels[l] > p.levels[widest]) widest = l;
  }
  if (!p.levels.empty()) {
    const double zq = NormalQuantile(0.5 + 0.5 * p.levels[widest]);
    for (int k = 0; k < p.horizon; ++k) {
      fc.sd[k] = (fc.intervals[widest].upper[k] - fc.intervals[widest].lower[k]) / (2.0 * zq);
    }
  }
  return fc;
}

double GlobalModel::SeriesIntervalScale(std::span<const double> history) const {
  const GlobalModelParams& p = params_;
  if (p.interval_scale_origins <= 0) return 1.0;
  const int n = static_cast<int>(history.size());
  const int len = std::min(n, ScaleSpan(p));
  std::vector<double> tt(len);
  for (int i = 0; i < len; ++i) tt[i] = Transform(history[n - len + i], p.normalization);
  const double s = OwnErrorScale(tt, coef_, p);
  if (!(s > 0.0)) return typical_scale_;
  return std::clamp(s, 0.1 * typical_scale_, 10.0 * typical_scale_);
}

namespace {

// The training windows of every series, grouped by the largest truncation that may use them.
struct TrainingWindows {
  // Distinct truncations, largest first: model k is fitted on segments 0..k.
  std::vector<int> by_trunc;
  // Segment k holds the windows first usable by the k-th largest truncation.
  std::vector<std::vector<Window>> segments;
  // Transformed copies (logs for the log normalisations); empty for series left out.
  std::vector<std::vector<double>> tseries;
};

TrainingWindows CollectWindows(std::span<const std::span<const double>> series,
                               std::span<const int> truncations, const GlobalModelParams& p) {
  const int L = p.lags, H = p.horizon;
  TrainingWindows tw;
  tw.by_trunc.assign(truncations.begin(), truncations.end());
  std::vector<int>& by_trunc = tw.by_trunc;
  std::sort(by_trunc.begin(), by_trunc.end(), std::greater<int>());
  by_trunc.erase(std::unique(by_trunc.begin(), by_trunc.end()), by_trunc.end());
  const int K = static_cast<int>(by_trunc.size());
  tw.segments.resize(K);
  tw.tseries.resize(series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    std::span<const double> s = series[i];
    const int n = static_cast<int>(s.size());
    if (n < L + H) continue;
    if (!std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); })) continue;
    tw.tseries[i].resize(n);
    for (int t = 0; t < n; ++t) tw.tseries[i][t] = Transform(s[t], p.normalization);
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (tw.tseries[i].empty()) continue;
    std::span<const double> s = series[i];
    std::span<const double> ts = tw.tseries[i];
    const int n = static_cast<int>(s.size());
    for (int t = n - H - 1; t >= L - 1; t -= p.origin_stride) {
      const int end = t + H + 1;  // exclusive end of the targets
      int k = 0;
      while (k < K && end > n - by_trunc[k]) ++k;
      if (k == K) continue;
      // Windows whose targets end later are first usable by a smaller truncation (larger k);
      // k is the first (largest-truncation) model this window is allowed in.
      Window w{static_cast<int>(i), t, 0.0, 1.0};
      if (!LevelOfTransformed(ts.subspan(t - L + 1, L), p, &w.a, &w.b)) continue;
      if (UsesLog(p.normalization) &&
          !std::all_of(s.begin() + t + 1, s.begin() + end, [](double v) { return v > 0.0; })) {
        continue;
      }
      tw.segments[k].push_back(w);
    }
  }
  return tw;
}

constexpr int kBlock = 1024;  // rows of the design matrix filled at a time

// The normal equations of the ridge fit, accumulated segment by segment.
struct NormalEquations {
  RowMatrix xb, yb;  // one block of rows (also reused for residuals)
  Eigen::MatrixXd gram, rhs;
  long count = 0;  // windows added
};

void AddSegment(const std::vector<Window>& seg, const TrainingWindows& tw,
                const GlobalModelParams& p, NormalEquations* ne) {
  for (size_t start = 0; start < seg.size(); start += kBlock) {
    const int rows = static_cast<int>(std::min<size_t>(kBlock, seg.size() - start));
    for (int r = 0; r < rows; ++r) {
      const Window& w = seg[start + r];
      FillRow(tw.tseries[w.series], w, p, &ne->xb(r, 0), &ne->yb(r, 0));
    }
    ne->gram.selfadjointView<Eigen::Lower>().rankUpdate(ne->xb.topRows(rows).transpose());
    ne->rhs.noalias() += ne->xb.topRows(rows).transpose() * ne->yb.topRows(rows);
  }
  ne->count += static_cast<long>(seg.size());
}

std::string TooFewWindows(long count, long min_windows, int truncation,
                          const GlobalModelParams& p) {
  return "global model: " + std::to_string(count) + " training windows" +
         (truncation > 0
              ? " without the last " + std::to_string(truncation) + " points of each series"
              : std::string()) +
         ", need at least " + std::to_string(min_windows) + " (" +
         std::to_string(p.min_windows_per_feature) + " per coefficient; a window is " +
         std::to_string(p.lags) + " values plus " + std::to_string(p.horizon) + " targets)";
}

}  // namespace

// The steps of FitGlobalModels; friend of GlobalModel.
class GlobalModelFitter {
 public:
  // One fit per truncation on the truncated series, each divided by its own seasonal profile.
  static Result<std::vector<Result<GlobalModel>>> Deseasonalised(
      std::span<const std::span<const double>> series, std::span<const int> truncations,
      const GlobalModelParams& params) {
    GlobalModelParams plain = params;
    plain.deseasonalize = false;
    std::vector<Result<GlobalModel>> out;
    std::vector<std::vector<double>> adjusted(series.size());
    for (int t : truncations) {
      for (size_t i = 0; i < series.size(); ++i) {
        adjusted[i].clear();
        const int n = static_cast<int>(series[i].size()) - t;
        if (n < params.lags + params.horizon) continue;
        std::span<const double> y = series[i].first(n);
        const std::vector<double> prof = SeasonalLogProfile(y, params.periods);
        if (prof.empty()) continue;
        const int P = static_cast<int>(prof.size());
        adjusted[i].resize(n);
        for (int j = 0; j < n; ++j) adjusted[i][j] = y[j] * std::exp(-prof[((j - n) % P + P) % P]);
      }
      std::vector<std::span<const double>> spans(adjusted.begin(), adjusted.end());
      const int zero = 0;
      Result<std::vector<Result<GlobalModel>>> fit =
          FitGlobalModels(spans, std::span<const int>(&zero, 1), plain);
      if (!fit.ok()) return fit.status();
      Result<GlobalModel> m = std::move(fit.value()[0]);
      if (m.ok()) {
        m.value().params_ = params;
      } else if (t > 0) {
        m = Status::Error(m.status().message() + " (without the last " + std::to_string(t) +
                          " points of each series)");
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  // Fits model k (segments 0..k, already in `ne`): solve, interval scales, quantiles.
  static Result<GlobalModel> FitModel(int k, const TrainingWindows& tw, const GlobalModelParams& p,
                                      NormalEquations* ne) {
    const int L = p.lags;
    Eigen::MatrixXd a = ne->gram.selfadjointView<Eigen::Lower>();
    const double lambda = p.ridge * a.diagonal().head(L).mean();
    a.diagonal().head(L).array() += std::max(lambda, 1e-12);
    Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
    if (ldlt.info() != Eigen::Success) {
      return Status::Error("global model: normal equations could not be factorised");
    }
    GlobalModel m;
    m.params_ = p;
    m.coef_ = ldlt.solve(ne->rhs);
    m.windows_ = static_cast<int>(ne->count);
    if (!m.coef_.allFinite()) return Status::Error("global model: non-finite coefficients");
    std::vector<double> scale(tw.tseries.size(), 1.0);
    if (p.interval_scale_origins > 0 && !ErrorScales(tw.tseries, tw.by_trunc[k], &m, &scale)) {
      return Status::Error("global model: no series has a window to scale its intervals");
    }
    ResidualQuantiles(k, tw, scale, ne, &m);
    return m;
  }

 private:
  // Per-series error scales (interval_scale_origins), each from the series' points that the
  // model may see; series without a usable window get none (0) and leave the residual sample.
  // False when no series has one.
  static bool ErrorScales(const std::vector<std::vector<double>>& tseries, int truncation,
                          GlobalModel* m, std::vector<double>* scale) {
    const GlobalModelParams& p = m->params_;
    std::vector<double> positive;
    for (size_t i = 0; i < tseries.size(); ++i) {
      const int n = static_cast<int>(tseries[i].size()) - truncation;
      (*scale)[i] = n > 0 ? OwnErrorScale(std::span<const double>(tseries[i])
                                              .subspan(std::max(0, n - ScaleSpan(p)),
                                                       std::min(n, ScaleSpan(p))),
                                          m->coef_, p)
                          : 0.0;
      if ((*scale)[i] > 0.0) positive.push_back((*scale)[i]);
    }
    if (positive.empty()) return false;
    std::nth_element(positive.begin(), positive.begin() + positive.size() / 2, positive.end());
    m->typical_scale_ = positive[positive.size() / 2];
    return true;
  }

  // Interval quantiles from in-sample residuals of an even subsample of the training windows,
  // each divided by its series' scale.
  static void ResidualQuantiles(int k, const TrainingWindows& tw, const std::vector<double>& scale,
                                NormalEquations* ne, GlobalModel* m) {
    const GlobalModelParams& p = m->params_;
    const int H = p.horizon;
    const long count = ne->count;
    RowMatrix& xb = ne->xb;
    RowMatrix& yb = ne->yb;
    const long stride =
        std::max<long>(1, (count + p.max_residual_windows - 1) / p.max_residual_windows);
    std::vector<std::vector<double>> res(H);
    std::vector<double> row_scale(kBlock);
    long idx = 0;
    int rows = 0;
    auto flush = [&]() {
      if (rows == 0) return;
      const RowMatrix e = yb.topRows(rows) - xb.topRows(rows) * m->coef_;
      for (int r = 0; r < rows; ++r) {
        for (int h = 0; h < H; ++h) res[h].push_back(e(r, h) / row_scale[r]);
      }
      rows = 0;
    };
    for (int j = 0; j <= k; ++j) {
      for (const Window& w : tw.segments[j]) {
        if (idx++ % stride != 0) continue;
        if (!(scale[w.series] > 0.0)) continue;
        row_scale[rows] = scale[w.series];
        FillRow(tw.tseries[w.series], w, p, &xb(rows, 0), &yb(rows, 0));
        if (++rows == kBlock) flush();
      }
    }
    flush();
    m->q_lower_.assign(p.levels.size(), std::vector<double>(H));
    m->q_upper_.assign(p.levels.size(), std::vector<double>(H));
    for (int h = 0; h < H; ++h) {
      std::sort(res[h].begin(), res[h].end());
      for (size_t l = 0; l < p.levels.size(); ++l) {
        m->q_lower_[l][h] = SortedQuantile(res[h], 0.5 - 0.5 * p.levels[l]);
        m->q_upper_[l][h] = SortedQuantile(res[h], 0.5 + 0.5 * p.levels[l]);
      }
    }
  }
};

Result<std::vector<Result<GlobalModel>>> FitGlobalModels(
    std::span<const std::span<const double>> series, std::span<const int> truncations,
    const GlobalModelParams& params) {
  STREAMLENS_RETURN_IF_ERROR(ValidateParams(params));
  if (series.empty()) return Status::Error("global model: no series to fit");
  if (truncations.empty()) return Status::Error("global model: no truncation requested");
  for (int t : truncations) {
    if (t < 0)
      return Status::Error("global model: truncation must be >= 0, got " + std::to_string(t));
  }
  if (params.deseasonalize) return GlobalModelFitter::Deseasonalised(series, truncations, params);
  const GlobalModelParams& p = params;
  const int P = p.lags + 1;
  const TrainingWindows tw = CollectWindows(series, truncations, p);
  const int K = static_cast<int>(tw.by_trunc.size());
  NormalEquations ne;
  ne.xb.resize(kBlock, P);
  ne.yb.resize(kBlock, p.horizon);
  ne.gram = Eigen::MatrixXd::Zero(P, P);
  ne.rhs = Eigen::MatrixXd::Zero(P, p.horizon);
  const long min_windows = static_cast<long>(p.min_windows_per_feature) * P;
  std::vector<Result<GlobalModel>> by_k(K, Status::Error("not fitted"));
  for (int k = 0; k < K; ++k) {
    AddSegment(tw.segments[k], tw, p, &ne);
    if (ne.count < min_windows) {
      by_k[k] = Status::Error(TooFewWindows(ne.count, min_windows, tw.by_trunc[k], p));
      continue;
    }
    by_k[k] = GlobalModelFitter::FitModel(k, tw, p, &ne);
  }
  std::vector<Result<GlobalModel>> out;
  out.reserve(truncations.size());
  for (int t : truncations) {
    const int k = static_cast<int>(std::find(tw.by_trunc.begin(), tw.by_trunc.end(), t) -
                                   tw.by_trunc.begin());
    out.push_back(by_k[k]);
  }
  return out;
}

namespace {
constexpr const char* kNormNames[] = {"none",   "ratio", "log",     "standardize",
                                      "logstd", "dslog", "dslogstd"};
constexpr GlobalNormalization kNorms[] = {
    GlobalNormalization::kNone, GlobalNormalization::kRatio, GlobalNormalization::kLog,
    GlobalNormalization::kStandardize, GlobalNormalization::kLogStandardize};
}  // namespace

Result<std::vector<GlobalModelParams>> ParseGlobalModels(const std::string& spec) {
  std::vector<GlobalModelParams> out;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    const std::string err =
        "pooled model \"" + item +
        "\": expected NORM:CYCLES[:RIDGE] with NORM "
        "ratio|log|logstd|standardize|none|dslog|dslogstd, CYCLES in (0, 100], RIDGE >= 0";
    std::vector<std::string> f;
    size_t q = 0;
    while (q <= item.size()) {
      size_t c = item.find(':', q);
      if (c == std::string::npos) c = item.size();
      f.push_back(item.substr(q, c - q));
      q = c + 1;
    }
    if (f.size() < 2 || f.size() > 3) return Status::Error(err);
    GlobalModelParams g;
    g.lags = 0;
    int k = 0;
    while (k < 7 && f[0] != kNormNames[k]) ++k;
    if (k == 7) return Status::Error(err);
    g.deseasonalize = k >= 5;
    g.normalization = k == 5   ? GlobalNormalization::kLog
                      : k == 6 ? GlobalNormalization::kLogStandardize
                               : kNorms[k];
    char* end = nullptr;
    const double cycles = std::strtod(f[1].c_str(), &end);
    if (f[1].empty() || *end != '\0' || !(cycles > 0.0 && cycles <= 100.0)) {
      return Status::Error(err);
    }
    g.lag_cycles = cycles;
    if (f.size() == 3) {
      g.ridge = std::strtod(f[2].c_str(), &end);
      if (f[2].empty() || *end != '\0' || !(g.ridge >= 0.0)) return Status::Error(err);
    }
    out.push_back(g);
  }
  return out;
}

std::string GlobalModelsSpec(const std::vector<GlobalModelParams>& models) {
  std::string out;
  for (const GlobalModelParams& g : models) {
    int k = 0;
    while (k < 4 && kNorms[k] != g.normalization) ++k;
    if (g.deseasonalize) k = g.normalization == GlobalNormalization::kLog ? 5 : 6;
    char buf[64];
    std::snprintf(buf, sizeof(buf), ":%g:%g", g.lag_cycles, g.ridge);
    out += (out.empty() ? "" : ",") + std::string(kNormNames[k]) + buf;
  }
  return out;
}

const GlobalModel* GlobalModelSet::Find(int truncation) const {
  for (size_t i = 0; i < truncations.size(); ++i) {
    if (truncations[i] == truncation && models[i].ok()) return &models[i].value();
  }
  return nullptr;
}

Status GlobalModelSet::ErrorFor(int truncation) const {
  for (size_t i = 0; i < truncations.size(); ++i) {
    if (truncations[i] == truncation) {
      return models[i].ok() ? Status::Ok() : models[i].status();
    }
  }
  return Status::Error("global model: no model fitted without the last " +
                       std::to_string(truncation) + " points");
}

}  // namespace streamlens::analysis::forecast
