#include "sidecar/analysis/forecast/updating_forecast.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr size_t kMaxRecent = 4096;  // bound for pathological steps within the window
constexpr int kMaxScan = 2880;       // threshold search points per call

bool Finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

UpdatingForecast::UpdatingForecast(ForecastPath path, UpdateParams params)
    : path_(std::move(path)),
      params_(params),
      latest_ms_(std::numeric_limits<int64_t>::min()),
      latest_value_(path_.origin_value) {}

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
  if (!std::isfinite(path.origin_value) || !Finite(path.mean) || !Finite(path.lower) ||
      !Finite(path.upper) || !Finite(path.sd)) {
    return Status::Error("forecast path: values must be finite");
  }
  if (!(path.level > 0 && path.level < 1)) return Status::Error("forecast path: level in (0, 1)");
  return UpdatingForecast(std::move(path), params);
}

double UpdatingForecast::PathValue(int64_t t_ms, const std::vector<double>& v,
                                   double at_origin) const {
  const double k = static_cast<double>(t_ms - path_.origin_ms) / static_cast<double>(path_.step_ms);
  if (k <= 0) return at_origin;
  if (k >= static_cast<double>(v.size())) return v.back();
  const size_t hi = static_cast<size_t>(std::ceil(k));  // 1..size
  const double from = hi == 1 ? at_origin : v[hi - 2];
  const double frac = k - static_cast<double>(hi - 1);
  return from + (v[hi - 1] - from) * frac;
}

void UpdatingForecast::Observe(int64_t t_ms, double y) {
  if (!std::isfinite(y) || t_ms <= latest_ms_) return;
  recent_.emplace_back(t_ms, y - PathValue(t_ms, path_.mean, path_.origin_value));
  while (!recent_.empty() &&
         (recent_.front().first <= t_ms - params_.window_ms || recent_.size() > kMaxRecent)) {
    recent_.pop_front();
  }
  latest_ms_ = t_ms;
  latest_value_ = y;
  Refresh();
}

// The correction line through the recent deviations (time relative to the latest observation).
// Each part is used only when the observations show it beyond min_t standard errors of their own
// scatter: noise around the path moves nothing, and fewer than three points move nothing.
void UpdatingForecast::Refresh() {
  a_ = b_ = se_a_ = se_b_ = 0;
  const size_t n = recent_.size();
  if (n < 3) return;
  const int64_t now = latest_ms();
  double mt = 0, md = 0;
  for (const auto& [t, d] : recent_) {
    mt += static_cast<double>(t - now);
    md += d;
  }
  mt /= static_cast<double>(n);
  md /= static_cast<double>(n);
  double stt = 0, std_ = 0, sdd = 0;
  for (const auto& [t, d] : recent_) {
    const double x = static_cast<double>(t - now) - mt;
    stt += x * x;
    std_ += x * (d - md);
    sdd += (d - md) * (d - md);
  }
  const double b = stt > 0 ? std_ / stt : 0;
  const double s2 = std::max(0.0, sdd - b * std_) / static_cast<double>(n - 2);
  const double se_b = stt > 0 ? std::sqrt(s2 / stt) : 0;
  if (stt > 0 && std::fabs(b) > params_.min_t * se_b) {
    b_ = b;
    se_b_ = se_b;
    a_ = md - b * mt;  // the line's value at the latest observation
    se_a_ = std::sqrt(s2 * (1.0 / static_cast<double>(n) + mt * mt / stt));
    return;
  }
  const double se_mean = std::sqrt(sdd / static_cast<double>(n - 1) / static_cast<double>(n));
  if (std::fabs(md) > params_.min_t * se_mean) {
    a_ = md;
    se_a_ = se_mean;
  }
}

ForecastPoint UpdatingForecast::At(int64_t tau_ms) const {
  const int64_t t = latest_ms() + tau_ms;
  const double tau = static_cast<double>(tau_ms);
  const double shift = a_ + b_ * tau;
  const double extra2 = se_a_ * se_a_ + tau * tau * se_b_ * se_b_;
  const double z = NormalQuantile(0.5 + path_.level / 2);
  const double mean = PathValue(t, path_.mean, path_.origin_value);
  const double sd = PathValue(t, path_.sd, 0);
  const double up = PathValue(t, path_.upper, path_.origin_value) - mean;
  const double down = mean - PathValue(t, path_.lower, path_.origin_value);
  ForecastPoint p;
  p.mean = mean + shift;
  p.sd = std::sqrt(sd * sd + extra2);
  p.upper = p.mean + std::sqrt(up * up + z * z * extra2);
  p.lower = p.mean - std::sqrt(down * down + z * z * extra2);
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
  for (int64_t tau = res; tau <= horizon; tau += res) {
    const ForecastPoint p = At(tau);
    if (!r.crosses && beyond(p.mean)) {
      r.crosses = true;
      const double frac = p.mean == prev ? 1 : (value - prev) / (p.mean - prev);
      r.seconds = (static_cast<double>(tau - res) + std::clamp(frac, 0.0, 1.0) * res) / 1000.0;
    }
    prev = p.mean;
    const double gap = above ? p.mean - value : value - p.mean;
    const double prob = p.sd > 0 ? NormalCdf(gap / p.sd) : (gap >= 0 ? 1.0 : 0.0);
    for (size_t h = 0; h < horizons_ms.size(); ++h) {
      if (tau <= horizons_ms[h]) r.probability[h] = std::max(r.probability[h], prob);
    }
  }
  return r;
}

void UpdatingForecast::Save(StateWriter& w) const {
  w.I64(path_.origin_ms);
  w.I64(path_.step_ms);
  w.F64(path_.origin_value);
  w.F64s(path_.mean);
  w.F64s(path_.lower);
  w.F64s(path_.upper);
  w.F64s(path_.sd);
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
  auto f = Create(std::move(p), params);
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
  f->Refresh();
  return f;
}

}  // namespace streamlens::analysis::forecast
