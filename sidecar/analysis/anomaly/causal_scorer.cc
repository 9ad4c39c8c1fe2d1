#include "sidecar/analysis/anomaly/causal_scorer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sidecar/analysis/decompose/mstl.h"
#include "sidecar/analysis/decompose/stl.h"
#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

constexpr double kStateMagic = 5281.0;  // first element of a serialised state
constexpr double kStateVersion = 1.0;
constexpr size_t kHeader = 13;

int FitWindow(const CausalScorerParams& p) {
  if (p.fit_window > 0) return p.fit_window;
  int w = std::max(4 * p.period, 1000);
  for (int e : p.extra_periods) w = std::max(w, 3 * e);
  return w;
}

int RefitEvery(const CausalScorerParams& p) {
  return p.refit_every > 0 ? p.refit_every : (p.period >= 2 ? p.period : 50);
}

size_t MinHistory(const CausalScorerParams& p) {
  return p.period >= 2 ? static_cast<size_t>(2 * p.period + 1)
                       : static_cast<size_t>(p.level_window + 10);
}

// Scaled MAD of the errors, floored by half the (normal-consistent) mean absolute error: series
// with quantised or mostly constant values have MAD 0 but still vary now and then, and a zero
// spread would make every small change an extreme anomaly.
double RobustSpread(std::span<const double> err) {
  if (err.empty()) return 0;
  const double center = Median(err);
  double mean_abs = 0;
  for (double e : err) mean_abs += std::fabs(e - center);
  mean_abs /= static_cast<double>(err.size());
  return std::max(Mad(err, center), 0.5 * 1.2533 * mean_abs);
}

// In-sample remainders understate the error of a profile used out of sample: fitting `dof`
// seasonal values to n points shrinks the residual variance by about (1 - dof/n), and each
// profile value carries the noise of its own estimate, adding about dof/n. Negligible for one
// short period in a long history; ~25% for a weekly profile fitted on five weeks of hourly data.
double OutOfSampleFactor(size_t n, size_t dof) {
  const double r = std::min(0.5, static_cast<double>(dof) / static_cast<double>(n));
  return std::sqrt((1 + r) / (1 - r));
}

}  // namespace

CausalScorer::CausalScorer(const CausalScorerParams& p) : p_(p) {
  ring_.assign(static_cast<size_t>(FitWindow(p)), 0.0);
  if (p.period >= 2) {
    periods_.push_back(p.period);
    periods_.insert(periods_.end(), p.extra_periods.begin(), p.extra_periods.end());
  }
  size_t total = 0;
  for (int q : periods_) total += static_cast<size_t>(q);
  profile_.assign(total, 0.0);
  warm_left_ = p.warmup;
}

Result<CausalScorer> CausalScorer::Create(const CausalScorerParams& p) {
  if (p.period < 0 || p.period == 1) {
    return Status::Error("scorer: period must be 0 (none) or >= 2, got " +
                         std::to_string(p.period));
  }
  if (!(p.band_z > 0)) return Status::Error("scorer: band_z must be > 0");
  if (!(p.min_abs_dev >= 0) || !(p.min_rel_dev >= 0)) {
    return Status::Error("scorer: min_abs_dev and min_rel_dev must be >= 0");
  }
  if (p.warmup < 0 || p.fit_window < 0 || p.refit_every < 0) {
    return Status::Error("scorer: warmup, fit_window and refit_every must be >= 0");
  }
  if (p.level_window < 1) return Status::Error("scorer: level_window must be >= 1");
  for (int e : p.extra_periods) {
    if (p.period < 2) {
      return Status::Error("scorer: extra_periods need a main period >= 2");
    }
    if (e < 2 || e == p.period) {
      return Status::Error("scorer: every extra period must be >= 2 and differ from period, got " +
                           std::to_string(e));
    }
    if (std::count(p.extra_periods.begin(), p.extra_periods.end(), e) > 1) {
      return Status::Error("scorer: extra period " + std::to_string(e) + " given twice");
    }
  }
  if (!(p.trend_damping >= 0 && p.trend_damping <= 1)) {
    return Status::Error("scorer: trend_damping must be in [0, 1]");
  }
  if (p.period >= 2 && FitWindow(p) < 2 * p.period + 1) {
    return Status::Error("scorer: fit_window must hold more than two periods (" +
                         std::to_string(2 * p.period + 1) + " points)");
  }
  if (FitWindow(p) < static_cast<int>(MinHistory(p))) {
    return Status::Error("scorer: fit_window must be >= level_window + 10");
  }
  return CausalScorer(p);
}

void CausalScorer::Push(double v) {
  const size_t cap = ring_.size();
  if (size_ < cap) {
    ring_[(head_ + size_) % cap] = v;
    ++size_;
  } else {
    ring_[head_] = v;
    head_ = (head_ + 1) % cap;
  }
  ++seen_;
  ++since_fit_;
}

void CausalScorer::Fit(std::span<const double> history) {
  head_ = size_ = 0;
  seen_ = since_fit_ = fit_at_ = 0;
  fitted_ = false;
  warm_left_ = p_.warmup;
  const size_t cap = ring_.size();
  const size_t start = history.size() > cap ? history.size() - cap : 0;
  // Points older than the window still advance the seasonal phase.
  seen_ = static_cast<int64_t>(start);
  for (size_t i = start; i < history.size(); ++i) {
    if (!std::isnan(history[i])) Push(history[i]);
  }
  Refit();
}

void CausalScorer::Refit() {
  since_fit_ = 0;
  if (size_ < MinHistory(p_)) {
    fitted_ = false;
    return;
  }
  const size_t cap = ring_.size();
  scratch_.resize(size_);
  for (size_t i = 0; i < size_; ++i) scratch_[i] = ring_[(head_ + i) % cap];
  const std::vector<double>& h = scratch_;
  const size_t n = size_;
  if (p_.period >= 2 && periods_.size() > 1) {
    // Multi-seasonal: robust MSTL with periodic components; periods without two full cycles in
    // the history are dropped by Mstl and keep a zero profile until they can be fitted.
    MstlParams mp;
    mp.periods = periods_;
    mp.periodic = true;
    mp.stl.robust = true;
    auto r = Mstl(h, mp);
    if (!r.ok()) {
      fitted_ = false;
      return;
    }
    std::fill(profile_.begin(), profile_.end(), 0.0);
    size_t offset = 0;
    for (int q : periods_) {
      const auto it = std::find(r->periods.begin(), r->periods.end(), q);
      if (it != r->periods.end()) {
        const std::vector<double>& seas = r->seasonal[static_cast<size_t>(it - r->periods.begin())];
        const size_t per = static_cast<size_t>(q);
        for (size_t i = n - per; i < n; ++i) {
          const int64_t abs_index = seen_ - static_cast<int64_t>(n) + static_cast<int64_t>(i);
          profile_[offset + static_cast<size_t>(abs_index % q)] = seas[i];
        }
      }
      offset += static_cast<size_t>(q);
    }
    size_t dof = 0;
    for (int q : r->periods) dof += static_cast<size_t>(q);
    const size_t per = static_cast<size_t>(p_.period);
    level_ = r->trend[n - 1];
    slope_ = p_.trend_damping * (r->trend[n - 1] - r->trend[n - 1 - per]) / p_.period;
    spread_ = RobustSpread(r->remainder) * OutOfSampleFactor(n, dof);
  } else if (p_.period >= 2) {
    StlParams sp;
    sp.period = p_.period;
    sp.periodic = true;
    sp.robust = true;
    auto r = Stl(h, sp);
    if (!r.ok()) {
      fitted_ = false;
      return;
    }
    const size_t per = static_cast<size_t>(p_.period);
    for (size_t i = n - per; i < n; ++i) {
      const int64_t abs_index = seen_ - static_cast<int64_t>(n) + static_cast<int64_t>(i);
      profile_[static_cast<size_t>(abs_index % p_.period)] = r->seasonal[i];
    }
    level_ = r->trend[n - 1];
    slope_ = p_.trend_damping * (r->trend[n - 1] - r->trend[n - 1 - per]) / p_.period;
    spread_ = RobustSpread(r->remainder) * OutOfSampleFactor(n, per);
  } else {
    const int L = p_.level_window;
    std::vector<double> rm = RollingMedian(h, L);
    std::vector<double> err;
    err.reserve(n);
    for (size_t i = static_cast<size_t>(L) - 1; i + 1 < n; ++i) err.push_back(h[i + 1] - rm[i]);
    spread_ = RobustSpread(err);
    slope_ = 0;
  }
  if (!std::isfinite(spread_)) spread_ = 0;
  fit_at_ = seen_;
  fitted_ = true;
}

double CausalScorer::Expected() const {
  const size_t cap = ring_.size();
  if (p_.period >= 2) {
    const double steps = static_cast<double>(seen_ - fit_at_ + 1);
    double y = level_ + slope_ * steps;
    size_t offset = 0;
    for (int q : periods_) {
      y += profile_[offset + static_cast<size_t>(seen_ % q)];
      offset += static_cast<size_t>(q);
    }
    return y;
  }
  const size_t L = std::min(static_cast<size_t>(p_.level_window), size_);
  level_buf_.resize(L);
  double* b = level_buf_.data();
  for (size_t i = 0; i < L; ++i) b[i] = ring_[(head_ + size_ - L + i) % cap];
  const size_t mid = L / 2;
  std::nth_element(b, b + mid, b + L);
  double med = b[mid];
  if (L % 2 == 0) med = 0.5 * (med + *std::max_element(b, b + mid));
  return med;
}

void CausalScorer::Update(std::span<const double> values, std::span<ScoredPoint> out) {
  for (size_t k = 0; k < values.size() && k < out.size(); ++k) {
    const double y = values[k];
    ScoredPoint& sp = out[k];
    sp = ScoredPoint{};
    sp.y = y;
    const bool ready = fitted_ && warm_left_ <= 0;
    if (fitted_) {
      const double yhat = Expected();
      double half =
          std::max({p_.band_z * spread_, p_.min_abs_dev, p_.min_rel_dev * std::fabs(yhat)});
      half = std::max(half, 1e-12 * std::max(1.0, std::fabs(yhat)));
      sp.yhat = yhat;
      sp.yhat_lower = yhat - half;
      sp.yhat_upper = yhat + half;
      if (ready && !std::isnan(y)) {
        const double dev = y - yhat;
        double d = std::fabs(dev);
        if (p_.direction == Direction::kAbove) d = std::max(dev, 0.0);
        if (p_.direction == Direction::kBelow) d = std::max(-dev, 0.0);
        sp.score = d / half;
        sp.warming_up = false;
      }
    } else {
      sp.yhat = sp.yhat_lower = sp.yhat_upper = y;
    }
    if (std::isnan(y)) continue;
    if (warm_left_ > 0 && fitted_) --warm_left_;
    Push(y);
    if (!fitted_ ? size_ >= MinHistory(p_) : since_fit_ >= RefitEvery(p_)) Refit();
  }
}

std::vector<ScoredPoint> CausalScorer::Update(std::span<const double> values) {
  std::vector<ScoredPoint> out(values.size());
  Update(values, out);
  return out;
}

// Layout: [magic, version, period, fit_window, size, seen, since_fit, warm_left, fitted, level,
//          slope, spread, fit_at, profile[period] (if period >= 2), one profile per extra period
//          (in params order), history[size] oldest first]. Without extra periods this is
//          exactly the layout written before extra periods existed.
std::vector<double> CausalScorer::Serialize() const {
  std::vector<double> s = {kStateMagic,
                           kStateVersion,
                           static_cast<double>(p_.period),
                           static_cast<double>(ring_.size()),
                           static_cast<double>(size_),
                           static_cast<double>(seen_),
                           static_cast<double>(since_fit_),
                           static_cast<double>(warm_left_),
                           fitted_ ? 1.0 : 0.0,
                           level_,
                           slope_,
                           spread_,
                           static_cast<double>(fit_at_)};
  s.insert(s.end(), profile_.begin(), profile_.end());
  for (size_t i = 0; i < size_; ++i) s.push_back(ring_[(head_ + i) % ring_.size()]);
  return s;
}

Result<CausalScorer> CausalScorer::Restore(const CausalScorerParams& params,
                                           std::span<const double> st) {
  auto created = Create(params);
  if (!created.ok()) return created.status();
  CausalScorer sc = std::move(created.value());
  if (st.size() < kHeader || st[0] != kStateMagic || st[1] != kStateVersion) {
    return Status::Error("scorer state: not a serialised CausalScorer (version 1)");
  }
  if (st[2] != params.period || st[3] != static_cast<double>(sc.ring_.size())) {
    return Status::Error("scorer state: period/fit_window differ from the parameters given");
  }
  const size_t size = static_cast<size_t>(st[4]);
  if (size > sc.ring_.size() || st.size() != kHeader + sc.profile_.size() + size) {
    return Status::Error("scorer state: truncated or inconsistent length");
  }
  sc.seen_ = static_cast<int64_t>(st[5]);
  sc.since_fit_ = static_cast<int64_t>(st[6]);
  sc.warm_left_ = static_cast<int64_t>(st[7]);
  sc.fitted_ = st[8] != 0;
  sc.level_ = st[9];
  sc.slope_ = st[10];
  sc.spread_ = st[11];
  sc.fit_at_ = static_cast<int64_t>(st[12]);
  std::copy(st.begin() + kHeader, st.begin() + kHeader + sc.profile_.size(), sc.profile_.begin());
  sc.size_ = size;
  sc.head_ = 0;
  std::copy(st.begin() + kHeader + sc.profile_.size(), st.end(), sc.ring_.begin());
  return sc;
}

}  // namespace streamlens::analysis
