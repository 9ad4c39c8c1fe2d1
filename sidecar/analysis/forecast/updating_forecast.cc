#include "sidecar/analysis/forecast/updating_forecast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr size_t kMaxRecent = 4096;  // bound for pathological steps within the window
constexpr int kMaxScan = 2880;       // threshold search points per call

bool Finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

UpdatingForecast::StoredPath UpdatingForecast::Store(const ForecastPath& p) {
  StoredPath s;
  s.origin_ms = p.origin_ms;
  s.step_ms = p.step_ms;
  s.origin_value = p.origin_value;
  s.level = p.level;
  s.nonnegative = p.nonnegative;
  auto offsets = [&](const std::vector<double>& v, double base) {
    std::vector<float> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<float>(v[i] - base);
    return out;
  };
  s.mean = offsets(p.mean, p.origin_value);
  s.lower = offsets(p.lower, p.origin_value);
  s.upper = offsets(p.upper, p.origin_value);
  s.sd = offsets(p.sd, 0);
  return s;
}

UpdatingForecast::UpdatingForecast(const ForecastPath& path, UpdateParams params)
    : path_(Store(path)),
      params_(params),
      latest_ms_(std::numeric_limits<int64_t>::min()),
      latest_value_(path_.origin_value),
      z_(NormalQuantile(0.5 + path_.level / 2)),
      drift_window_start_ms_(path_.origin_ms) {}

int64_t UpdatingForecast::latest_ms() const {
  return latest_ms_ == std::numeric_limits<int64_t>::min() ? path_.origin_ms : latest_ms_;
}

Result<UpdatingForecast> UpdatingForecast::Create(ForecastPath path, UpdateParams params) {
  const size_t n = path.mean.size();
  if (n == 0) return Status::Error("forecast path: empty");
  if (path.lower.size() != n || path.upper.size() != n || path.sd.size() != n) {
    return Status::Error("forecast path: mean, lower, upper and sd must have the same length");
  }
  if (path.step_ms <= 0) return Status::Error("forecast path: step must be positive");
  if (params.window_ms <= 0) return Status::Error("forecast update window must be positive");
  if (params.drift_alarm_every_ms <= 0) {
    return Status::Error("forecast drift alarm interval must be positive");
  }
  if (!std::isfinite(path.origin_value) || !Finite(path.mean) || !Finite(path.lower) ||
      !Finite(path.upper) || !Finite(path.sd)) {
    return Status::Error("forecast path: values must be finite");
  }
  if (!(path.level > 0 && path.level < 1)) return Status::Error("forecast path: level in (0, 1)");
  return UpdatingForecast(path, params);
}

double UpdatingForecast::PathValue(int64_t t_ms, const std::vector<float>& v, double base) const {
  const double k = static_cast<double>(t_ms - path_.origin_ms) / static_cast<double>(path_.step_ms);
  if (k <= 0) return base;
  if (k >= static_cast<double>(v.size())) return base + v.back();
  const size_t hi = static_cast<size_t>(std::ceil(k));  // 1..size
  const double from = hi == 1 ? 0.0 : v[hi - 2];
  const double frac = k - static_cast<double>(hi - 1);
  return base + from + (v[hi - 1] - from) * frac;
}

void UpdatingForecast::Observe(int64_t t_ms, double y) {
  if (!std::isfinite(y) || t_ms <= latest_ms_) return;
  recent_.emplace_back(t_ms, y - MeanAt(t_ms));
  while (!recent_.empty() &&
         (recent_.front().first <= t_ms - params_.window_ms || recent_.size() > kMaxRecent)) {
    recent_.pop_front();
  }
  latest_ms_ = t_ms;
  latest_value_ = y;
  Refresh();
  if (t_ms - drift_window_start_ms_ >= params_.window_ms) {
    TestDrift();
    drift_window_start_ms_ = t_ms;
  }
}

// The window's mean deviation from the path against the forecast's uncertainty at the latest
// observation: the path's sd there and the mean's own standard error (as At() adds a
// correction's). recent_ holds exactly the window's observations when it completes.
void UpdatingForecast::TestDrift() {
  drifted_ = false;
  const size_t n = recent_.size();
  if (n < 3) return;
  double m = 0;
  for (const auto& [t, d] : recent_) m += d;
  m /= static_cast<double>(n);
  double ss = 0;
  for (const auto& [t, d] : recent_) ss += (d - m) * (d - m);
  const double se2 = ss / static_cast<double>(n - 1) / static_cast<double>(n);
  const double sd = PathValue(latest_ms(), path_.sd, 0);
  const double alpha = std::min(1.0, static_cast<double>(params_.window_ms) /
                                         static_cast<double>(params_.drift_alarm_every_ms));
  const double c = NormalQuantile(1 - alpha / 2);
  drifted_ = std::fabs(m) > c * std::sqrt(sd * sd + se2);
}

namespace {

struct LineFit {
  double b = 0, se_b = 0;  // slope and its standard error
  double a = 0, se_a = 0;  // the line's value at time 0 (the latest observation)
  double m = 0, se_m = 0;  // the mean value and its standard error
  double stt = 0;          // the spread of time (sum of squared deviations from its mean)
  double s2 = 0;           // the residual variance about the line
  double mt = 0;           // the mean time
};

// Ordinary least squares of value on time (>= 3 points).
LineFit FitLine(const std::vector<std::pair<double, double>>& pts) {
  LineFit f;
  const double n = static_cast<double>(pts.size());
  double mt = 0;
  for (const auto& [t, y] : pts) {
    mt += t;
    f.m += y;
  }
  mt /= n;
  f.m /= n;
  double& stt = f.stt;
  double sty = 0, syy = 0;
  for (const auto& [t, y] : pts) {
    stt += (t - mt) * (t - mt);
    sty += (t - mt) * (y - f.m);
    syy += (y - f.m) * (y - f.m);
  }
  f.se_m = std::sqrt(syy / (n - 1) / n);
  f.mt = mt;
  if (stt <= 0) return f;
  f.b = sty / stt;
  const double s2 = std::max(0.0, syy - f.b * sty) / (n - 2);
  f.s2 = s2;
  f.se_b = std::sqrt(s2 / stt);
  f.a = f.m - f.b * mt;
  f.se_a = std::sqrt(s2 * (1.0 / n + mt * mt / stt));
  return f;
}

bool Significant(double x, double se, double min_t) { return std::fabs(x) > min_t * se; }

// A reversal: a step against the trend beyond this many robust standard deviations of the
// window's steps (1.4826 MAD of consecutive differences; p < 1e-4 for Gaussian noise).
constexpr double kReversalSd = 4;

double MedianOf(std::vector<double> v) {
  const size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  return v[h];
}

// A significant slope of `pts` (oldest first) that the newest point does not reverse: its step
// from the previous point goes against the slope by more than kReversalSd robust standard
// deviations of the window's steps. A spike that already falls back (a rebalance pause, a
// scrape glitch) is no trend; a runaway, whose steps keep their sign, keeps its line.
bool ConfirmedTrend(const std::vector<std::pair<double, double>>& pts, const LineFit& all,
                    double min_t) {
  if (!Significant(all.b, all.se_b, min_t)) return false;
  if (pts.size() < 4) return true;
  std::vector<double> steps;
  for (size_t i = 1; i < pts.size(); ++i) steps.push_back(pts[i].second - pts[i - 1].second);
  const double med = MedianOf(steps);
  std::vector<double> dev;
  for (double d : steps) dev.push_back(std::fabs(d - med));
  const double sd = 1.4826 * MedianOf(dev);
  const double against = steps.back() * (all.b > 0 ? -1.0 : 1.0);
  return !(against > kReversalSd * sd);
}

// The trajectory: the observations' line when `trend` (a confirmed significant slope), else
// their mean; the scatter about it is the noise of a future observation.
Trajectory TrajectoryOf(const LineFit& r, size_t n, bool trend) {
  Trajectory j;
  j.valid = true;
  if (trend) {
    j.level = r.a;
    j.se_level = r.se_a;
    j.slope = r.b;
    j.se_slope = r.se_b;
    j.noise_sd = r.se_b * std::sqrt(r.stt);
  } else {
    j.level = r.m;
    j.se_level = r.se_m;
    j.noise_sd = r.se_m * std::sqrt(static_cast<double>(n));
  }
  return j;
}

}  // namespace

// The correction through the recent deviations from the path (time relative to the latest
// observation), and the trajectory of the observations themselves. A trend is used only when
// the deviations show one beyond min_t standard errors and the observations themselves move the
// same way beyond min_t standard errors (a path that falls back to its usual level while the
// series already sits there is no trend of the series), and the newest point confirms it
// (ConfirmedTrend).
// Otherwise a mean deviation beyond min_t standard errors shifts the level. Noise around the path
// moves nothing, and fewer than three points move nothing.
void UpdatingForecast::Refresh() {
  a_ = b_ = se_a_ = se_b_ = 0;
  trajectory_ = Trajectory{};
  const size_t n = recent_.size();
  if (n < 3) return;
  const int64_t now = latest_ms();
  std::vector<double> path(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    path[i] = MeanAt(recent_[i].first);
    y[i] = recent_[i].second + path[i];
  }
  std::vector<std::pair<double, double>> dev, raw;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(recent_[i].first - now);
    dev.emplace_back(x, y[i] - path[i]);
    raw.emplace_back(x, y[i]);
  }
  const LineFit d = FitLine(dev), r = FitLine(raw);
  const bool raw_trend = ConfirmedTrend(raw, r, params_.min_t);
  trajectory_ = TrajectoryOf(r, n, raw_trend);
  if (raw_trend && ConfirmedTrend(dev, d, params_.min_t) && (d.b > 0) == (r.b > 0)) {
    b_ = d.b;
    se_b_ = d.se_b;
    a_ = d.a;
    se_a_ = d.se_a;
    return;
  }
  if (Significant(d.m, d.se_m, params_.min_t)) {
    a_ = d.m;
    se_a_ = d.se_m;
  }
}

ForecastPoint UpdatingForecast::At(int64_t tau_ms) const {
  const int64_t t = latest_ms() + tau_ms;
  const double tau = static_cast<double>(tau_ms);
  const double shift = a_ + b_ * tau;
  const double extra2 = se_a_ * se_a_ + tau * tau * se_b_ * se_b_;
  const double mean = MeanAt(t);
  const double sd = PathValue(t, path_.sd, 0);
  const double up = PathValue(t, path_.upper, path_.origin_value) - mean;
  const double down = mean - PathValue(t, path_.lower, path_.origin_value);
  ForecastPoint p;
  p.mean = mean + shift;
  p.sd = std::sqrt(sd * sd + extra2);
  p.upper = p.mean + std::sqrt(up * up + z_ * z_ * extra2);
  p.lower = p.mean - std::sqrt(down * down + z_ * z_ * extra2);
  if (path_.nonnegative) {
    p.mean = std::max(0.0, p.mean);
    p.lower = std::max(0.0, p.lower);
    p.upper = std::max(0.0, p.upper);
  }
  return p;
}

ForecastPoint UpdatingForecast::TrajectoryAt(int64_t tau_ms) const {
  const double tau = static_cast<double>(tau_ms);
  const Trajectory& j = trajectory_;
  ForecastPoint p;
  p.mean = j.level + j.slope * tau;
  p.sd = std::sqrt(j.noise_sd * j.noise_sd + j.se_level * j.se_level +
                   tau * tau * j.se_slope * j.se_slope);
  p.lower = p.mean - z_ * p.sd;
  p.upper = p.mean + z_ * p.sd;
  if (path_.nonnegative) {
    p.mean = std::max(0.0, p.mean);
    p.lower = std::max(0.0, p.lower);
    p.upper = std::max(0.0, p.upper);
  }
  return p;
}

int64_t UpdatingForecast::horizon_ms() const {
  const int64_t end = path_.origin_ms + static_cast<int64_t>(path_.mean.size()) * path_.step_ms;
  return std::max<int64_t>(0, end - latest_ms());
}

ThresholdAnswer UpdatingForecast::Threshold(double value, bool above, int64_t resolution_ms,
                                            const std::vector<int64_t>& horizons_ms) const {
  ThresholdAnswer r;
  r.probability.assign(horizons_ms.size(), 0.0);
  const auto beyond = [&](double y) { return above ? y >= value : y <= value; };
  if (beyond(latest_value_)) {
    r.breached = r.crosses = true;
    std::fill(r.probability.begin(), r.probability.end(), 1.0);
    return r;
  }
  const int64_t horizon = horizon_ms();
  const int64_t res = std::max<int64_t>({resolution_ms, 1, horizon / kMaxScan});
  double prev = latest_value_;
  const bool trend = params_.threshold_basis == ThresholdBasis::kTrend && trajectory_.valid;
  // The breach probability within a horizon is the largest Phi(gap / sd) before it; Phi is
  // increasing, so the largest standardized gap is kept and Phi taken once per horizon.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> most(horizons_ms.size(), -kInf);
  for (int64_t tau = res; tau <= horizon; tau += res) {
    const ForecastPoint p = trend ? TrajectoryAt(tau) : At(tau);
    if (!r.crosses && beyond(p.mean)) {
      r.crosses = true;
      const double frac = p.mean == prev ? 1 : (value - prev) / (p.mean - prev);
      r.seconds = (static_cast<double>(tau - res) + std::clamp(frac, 0.0, 1.0) * res) / 1000.0;
    }
    prev = p.mean;
    const double gap = above ? p.mean - value : value - p.mean;
    const double zgap = p.sd > 0 ? gap / p.sd : (gap >= 0 ? kInf : -kInf);
    for (size_t h = 0; h < horizons_ms.size(); ++h) {
      if (tau <= horizons_ms[h]) most[h] = std::max(most[h], zgap);
    }
  }
  for (size_t h = 0; h < horizons_ms.size(); ++h) {
    if (most[h] > -kInf) r.probability[h] = NormalCdf(most[h]);
  }
  return r;
}

size_t UpdatingForecast::MemoryBytes() const {
  const size_t floats =
      path_.mean.capacity() + path_.lower.capacity() + path_.upper.capacity() + path_.sd.capacity();
  // A deque holds its elements in 512-byte blocks plus a map of block pointers.
  const size_t blocks = recent_.size() * sizeof(recent_.front()) / 512 + 1;
  return sizeof(*this) + floats * sizeof(float) + blocks * 512 + 8 * sizeof(void*);
}

void UpdatingForecast::Save(StateWriter& w) const {
  auto expanded = [](const std::vector<float>& v, double base) {
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = base + v[i];
    return out;
  };
  w.I64(path_.origin_ms);
  w.I64(path_.step_ms);
  w.F64(path_.origin_value);
  w.F64s(expanded(path_.mean, path_.origin_value));
  w.F64s(expanded(path_.lower, path_.origin_value));
  w.F64s(expanded(path_.upper, path_.origin_value));
  w.F64s(expanded(path_.sd, 0));
  w.F64(path_.level);
  w.U8(path_.nonnegative);
  w.I64(latest_ms_);
  w.F64(latest_value_);
  w.U64(recent_.size());
  for (const auto& [t, d] : recent_) {
    w.I64(t);
    w.F64(d);
  }
}

Result<UpdatingForecast> UpdatingForecast::Load(StateReader& r, UpdateParams params) {
  ForecastPath p;
  uint8_t nonneg;
  int64_t latest;
  double latest_value;
  uint64_t n;
  if (!r.I64(&p.origin_ms) || !r.I64(&p.step_ms) || !r.F64(&p.origin_value) || !r.F64s(&p.mean) ||
      !r.F64s(&p.lower) || !r.F64s(&p.upper) || !r.F64s(&p.sd) || !r.F64(&p.level) ||
      !r.U8(&nonneg) || !r.I64(&latest) || !r.F64(&latest_value) || !r.U64(&n) || n > kMaxRecent) {
    return Status::Error("forecast state: truncated");
  }
  p.nonnegative = nonneg != 0;
  auto f = Create(p, params);
  if (!f.ok()) return f.status().WithContext("forecast state");
  for (uint64_t i = 0; i < n; ++i) {
    int64_t t;
    double d;
    if (!r.I64(&t) || !r.F64(&d)) return Status::Error("forecast state: truncated");
    f->recent_.emplace_back(t, d);
  }
  if (!std::isfinite(latest_value)) return Status::Error("forecast state: non-finite value");
  f->latest_ms_ = latest;
  f->latest_value_ = latest_value;
  f->drift_window_start_ms_ = std::max(f->drift_window_start_ms_, latest);
  f->Refresh();
  return f;
}

}  // namespace streamlens::analysis::forecast
