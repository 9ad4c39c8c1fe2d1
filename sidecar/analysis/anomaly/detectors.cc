#include "sidecar/analysis/anomaly/detectors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

std::vector<DetectorSpec> Specs() {
  std::vector<DetectorSpec> specs;
  DetectorSpec base;
  base.scorer.level_window = 20;
  base.scorer.fit_window = 1000;
  base.scorer.refit_every = 50;
  base.scorer.band_z = 3.0;

  // Default, chosen on the odd-indexed files of the NAB development subset and checked on the
  // even-indexed ones (BENCHMARKS.md): robust one-step residual score against the median of the
  // last 10 points, seasonal once a period is found in the data's autocorrelation (first look
  // at 500 points, again at 1000 and 2000 for longer cycles and for a second, longer period that
  // makes the scorer multi-seasonal), normalised by the long-run distribution of this series'
  // raw scores (a 2000-point memory; the excess over the median scaled by the 99th percentile
  // minus the median, so heavy-tailed series need proportionally larger deviations), reported
  // only when it exceeds every score of the previous 100 points; after an alarm (likelihood score
  // >= 1.5) the next 60 points report 0 unless they triple it, so a run or ramp of new maxima is
  // one detection. While no period is known, a second scorer predicting the median of the last 50
  // points (its own likelihood, max() with the first) catches drifts the 8-point median follows.
  // The residual likelihood is the smaller of the 2000-point one and a 1200-point one (a
  // deviation must be unusual against both the recent and the longer past: per-series false
  // positive control), and a rare-value channel (weight 0.5) flags values in a range the last
  // 2000 values seldom visited.
  DetectorSpec def = base;
  def.name = "streamlens";
  def.scorer.level_window = 8;
  def.long_window = 2000;
  def.short_window = 1;
  def.tail_quantile = 0.99;
  def.onset_window = 100;
  def.repeat_factor = 0.0;
  def.hold_window = 60;
  def.hold_trigger = 1.5;
  def.hold_factor = 3.0;
  def.short_memory = 1200;
  def.rare_weight = 0.5;
  def.rare_window = 2000;
  def.rare_bandwidth = 0.05;
  def.slow_weight = 1.0;
  def.slow_level_window = 50;
  def.auto_period_probe = 500;
  def.period_probe_max = 2000;
  specs.push_back(def);

  // The default before 2026-11-26 13:00 (10-point level, 30-point hold, one likelihood memory,
  // no rare-value channel).
  DetectorSpec prev = def;
  prev.name = "streamlens_prev";
  prev.scorer.level_window = 10;
  prev.hold_window = 30;
  prev.hold_factor = 2.0;
  prev.short_memory = 0;
  prev.rare_weight = 0;
  specs.push_back(prev);

  // An older default (one period search at 500 points, 20-point level, 50-point onset).
  DetectorSpec one_look = prev;
  one_look.name = "streamlens_one_look";
  one_look.scorer.level_window = 20;
  one_look.onset_window = 50;
  one_look.period_probe_max = 0;
  one_look.tail_quantile = 0;
  one_look.hold_window = 0;
  one_look.slow_weight = 0;
  specs.push_back(one_look);

  DetectorSpec nonseasonal = def;
  nonseasonal.name = "streamlens_nonseasonal";
  nonseasonal.auto_period_probe = 0;
  specs.push_back(nonseasonal);

  DetectorSpec jumps = def;
  jumps.name = "streamlens_jumps";  // also scores first differences (more recall, more FPs)
  jumps.diff_weight = 1.0;
  specs.push_back(jumps);

  DetectorSpec plain = base;
  plain.name = "robust_z";
  specs.push_back(plain);

  DetectorSpec onset = base;
  onset.name = "robust_z_onset";
  onset.onset_window = 200;
  onset.repeat_factor = 0.3;
  specs.push_back(onset);
  return specs;
}

// Scaled MAD floored by the scaled mean absolute deviation (as the scorer's spread): quantised
// series have MAD 0 while still varying.
double RobustSpreadOf(std::span<const double> x, double center) {
  double mean_abs = 0;
  for (double v : x) mean_abs += std::fabs(v - center);
  mean_abs /= static_cast<double>(std::max<size_t>(x.size(), 1));
  return std::max(Mad(x, center), 1.2533 * mean_abs);
}

}  // namespace

int DetectPeriod(std::span<const double> x, int min_lag, double threshold) {
  const int n = static_cast<int>(x.size());
  const int max_lag = n / 3;
  if (max_lag <= min_lag) return 0;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= n;
  double var = 0;
  for (double v : x) var += (v - mean) * (v - mean);
  if (!(var > 0)) return 0;
  std::vector<double> acf(static_cast<size_t>(max_lag) + 2, 0.0);
  for (int lag = 1; lag <= max_lag + 1; ++lag) {
    double s = 0;
    for (int i = lag; i < n; ++i) s += (x[i] - mean) * (x[i - lag] - mean);
    // The usual (biased) estimate: its (n - lag) / n taper favours the shortest clear cycle,
    // which scored better on NAB than the per-pair normalisation.
    acf[lag] = s / var;
  }
  int best = 0;
  double best_value = threshold;
  for (int lag = std::max(min_lag, 2); lag <= max_lag; ++lag) {
    if (acf[lag] > best_value && acf[lag] >= acf[lag - 1] && acf[lag] >= acf[lag + 1]) {
      best = lag;
      best_value = acf[lag];
    }
  }
  return best;
}

std::vector<std::string> DetectorNames() {
  std::vector<std::string> names;
  for (const DetectorSpec& s : Specs()) names.push_back(s.name);
  return names;
}

Result<DetectorSpec> FindDetector(std::string_view name) {
  for (const DetectorSpec& s : Specs()) {
    if (s.name == name) return s;
  }
  // "custom:key=value,..." starts from the default and overrides fields (for tuning runs).
  if (name.substr(0, 7) == "custom:") {
    DetectorSpec spec = Specs().front();
    spec.name = std::string(name);
    std::string rest(name.substr(7));
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t comma = rest.find(',', pos);
      if (comma == std::string::npos) comma = rest.size();
      const std::string kv = rest.substr(pos, comma - pos);
      pos = comma + 1;
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) return Status::Error("detector: expected key=value, got " + kv);
      const std::string k = kv.substr(0, eq);
      const double v = std::strtod(kv.c_str() + eq + 1, nullptr);
      if (k == "level")
        spec.scorer.level_window = static_cast<int>(v);
      else if (k == "fit")
        spec.scorer.fit_window = static_cast<int>(v);
      else if (k == "refit")
        spec.scorer.refit_every = static_cast<int>(v);
      else if (k == "long")
        spec.long_window = static_cast<int>(v);
      else if (k == "short")
        spec.short_window = static_cast<int>(v);
      else if (k == "onset")
        spec.onset_window = static_cast<int>(v);
      else if (k == "tailmin")
        spec.tail_min_exceed = v;
      else if (k == "tailmix")
        spec.tail_mix = v != 0;
      else if (k == "tailq")
        spec.tail_quantile = v;
      else if (k == "onseth")
        spec.onset_half_life = v;
      else if (k == "knn")
        spec.knn_weight = v;
      else if (k == "knnd")
        spec.knn_dim = static_cast<int>(v);
      else if (k == "knnk")
        spec.knn_k = static_cast<int>(v);
      else if (k == "slow")
        spec.slow_weight = v;
      else if (k == "slowall")
        spec.slow_seasonal = v != 0;
      else if (k == "slow2w")
        spec.slow2_level_window = static_cast<int>(v);
      else if (k == "sloww")
        spec.slow_level_window = static_cast<int>(v);
      else if (k == "knnmean")
        spec.knn_mean = v != 0;
      else if (k == "knnh")
        spec.knn_history = static_cast<int>(v);
      else if (k == "margin")
        spec.onset_margin = v;
      else if (k == "repeat")
        spec.repeat_factor = v;
      else if (k == "hold")
        spec.hold_window = static_cast<int>(v);
      else if (k == "holdt")
        spec.hold_trigger = v;
      else if (k == "holdp")
        spec.hold_period_fraction = v;
      else if (k == "holdf")
        spec.hold_factor = v;
      else if (k == "spatial")
        spec.spatial_tolerance = v;
      else if (k == "spatials")
        spec.spatial_score = v;
      else if (k == "spatialw")
        spec.spatial_warmup = static_cast<int>(v);
      else if (k == "diff")
        spec.diff_weight = v;
      else if (k == "probe")
        spec.auto_period_probe = static_cast<int>(v);
      else if (k == "probemax")
        spec.period_probe_max = static_cast<int>(v);
      else if (k == "var")
        spec.var_weight = v;
      else if (k == "shift")
        spec.shift_weight = v;
      else if (k == "shiftw")
        spec.shift_window = static_cast<int>(v);
      else if (k == "shifth")
        spec.shift_history = static_cast<int>(v);
      else if (k == "varw")
        spec.var_window = static_cast<int>(v);
      else if (k == "shortmem")
        spec.short_memory = static_cast<int>(v);
      else if (k == "rare")
        spec.rare_weight = v;
      else if (k == "rarew")
        spec.rare_window = static_cast<int>(v);
      else if (k == "rareb")
        spec.rare_bandwidth = v;
      else if (k == "bandz")
        spec.scorer.band_z = v;
      else
        return Status::Error("detector: unknown key " + k);
    }
    return spec;
  }
  std::string known;
  for (const auto& n : DetectorNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::Error("unknown detector \"" + std::string(name) + "\" (known: " + known + ")");
}

StreamingDetector::StreamingDetector(const DetectorSpec& spec, CausalScorer level,
                                     CausalScorer diff)
    : spec_(spec), level_(std::move(level)), diff_(std::move(diff)) {
  recent_.assign(static_cast<size_t>(std::max(spec.onset_window, 0)), 0.0);
  if (spec.onset_half_life > 0) {
    for (size_t age = 1; age <= recent_.size(); ++age) {
      recent_weight_.push_back(std::pow(0.5, static_cast<double>(age) / spec.onset_half_life));
    }
  }
  level_lik_.Init(spec.long_window, spec.short_window, spec.tail_quantile, spec.tail_mix,
                  spec.tail_min_exceed);
  var_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
  knn_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
  slow_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
  if (spec.slow_weight > 0) {
    CausalScorerParams sp = spec.scorer;
    sp.level_window = std::max(spec.slow_level_window, 1);
    sp.fit_window = std::max(sp.fit_window, sp.level_window + 10);
    auto sc = CausalScorer::Create(sp);
    if (sc.ok()) slow_ = std::make_unique<CausalScorer>(std::move(sc.value()));
    if (spec.slow2_level_window > 0) {
      sp.level_window = spec.slow2_level_window;
      sp.fit_window = std::max(sp.fit_window, sp.level_window + 10);
      auto sc2 = CausalScorer::Create(sp);
      if (sc2.ok()) slow2_ = std::make_unique<CausalScorer>(std::move(sc2.value()));
      slow2_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
    }
  }
  next_probe_ = std::max(spec.auto_period_probe, 0);
  shift_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
  if (spec.shift_weight > 0) {
    shift_ring_.assign(
        static_cast<size_t>(std::max(spec.shift_history, 10) + std::max(spec.shift_window, 1)),
        0.0);
  }
  level_lik2_.Init(spec.short_memory, spec.short_window, spec.tail_quantile, spec.tail_mix,
                   spec.tail_min_exceed);
  rare_lik_.Init(spec.long_window, 1, spec.tail_quantile, spec.tail_mix, spec.tail_min_exceed);
  if (spec.rare_weight > 0) rare_ring_.reserve(static_cast<size_t>(std::max(spec.rare_window, 10)));
  if (spec.var_weight > 0) var_ring_.assign(static_cast<size_t>(std::max(spec.var_window, 1)), 0);
}

void StreamingDetector::Likelihood::Init(int long_window, int short_window, double tail_quantile,
                                         bool mix, double min_exceed) {
  tail_q = tail_quantile;
  tail_mix = mix;
  tail_min = min_exceed;
  long_.assign(static_cast<size_t>(std::max(long_window, 0)), 0.0);
  short_.assign(static_cast<size_t>(std::max(short_window, 1)), 0.0);
}

double StreamingDetector::Likelihood::Next(double raw, bool two_sided) {
  if (!std::isfinite(raw)) raw = std::isnan(raw) ? 0.0 : 1e3;  // keeps the sorted window valid
  if (long_.empty()) return raw;
  short_sum += raw - (short_count == short_.size() ? short_[short_pos] : 0.0);
  short_[short_pos] = raw;
  short_pos = (short_pos + 1) % short_.size();
  short_count = std::min(short_count + 1, short_.size());
  const double m = short_sum / static_cast<double>(short_count);
  double s = 0;
  const double capped = std::min(raw, 1e3);
  if (long_count >= 50) {
    const double mu = long_sum / static_cast<double>(long_count);
    const double var = std::max(long_sq / static_cast<double>(long_count) - mu * mu, 0.0);
    const double sd = std::max(std::sqrt(var), 1e-3);
    s = two_sided ? std::fabs(m - mu) / sd : std::max((m - mu) / sd, 0.0);
    // A tail quantile needs about 10 / (1 - q) past scores to be estimated (1000 for q = 0.99);
    // until then the standard deviation scales.
    if (tail_q > 0 && static_cast<double>(sorted_.size()) * (1 - tail_q) >= tail_min) {
      const size_t c = sorted_.size();
      const double med = sorted_[c / 2];
      const double q =
          sorted_[std::min(c - 1, static_cast<size_t>(tail_q * static_cast<double>(c)))];
      const double scale = std::max(q - med, 1e-3);
      const double t = two_sided ? std::fabs(m - med) / scale : std::max((m - med) / scale, 0.0);
      s = tail_mix ? std::sqrt(s * t) : t;
    }
  }
  if (long_count == long_.size()) {
    const double old = long_[long_pos];
    long_sum -= old;
    long_sq -= old * old;
    if (tail_q > 0) {
      const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), old);
      if (it != sorted_.end()) sorted_.erase(it);
    }
  } else {
    ++long_count;
  }
  if (tail_q > 0) sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), capped), capped);
  long_[long_pos] = capped;
  long_sum += capped;
  long_sq += capped * capped;
  long_pos = (long_pos + 1) % long_.size();
  return s;
}

void StreamingDetector::StartSeasonal(int period, int second) {
  CausalScorerParams sp = spec_.scorer;
  sp.period = period;
  sp.fit_window = std::max(4 * period, 1000);
  if (second > 0) {
    sp.extra_periods = {second};
    sp.fit_window = std::max(sp.fit_window, 3 * second);
  }
  sp.refit_every = period;
  auto sc = CausalScorer::Create(sp);
  if (!sc.ok()) return;
  seasonal_ = std::make_unique<CausalScorer>(std::move(sc.value()));
  seasonal_->Fit(history_);
  period_ = period;
  second_period_ = second;
}

void StreamingDetector::ProbeSecondPeriod() {
  // A longer cycle that is a multiple of the first shows up as a local peak of the
  // autocorrelation over the multiples k x period, clearly above both neighbouring multiples
  // (a single cycle's autocorrelation decays monotonically over its multiples).
  const std::vector<double>& x = history_;
  const int n = static_cast<int>(x.size());
  double mean = 0;
  for (double v : x) mean += v;
  mean /= n;
  double var = 0;
  for (double v : x) var += (v - mean) * (v - mean);
  if (!(var > 0)) return;
  auto acf = [&](int lag) {
    double s = 0;
    for (int i = lag; i < n; ++i) s += (x[i] - mean) * (x[i - lag] - mean);
    return s / var;
  };
  int best = 0;
  double best_value = 0.3;
  double prev = acf(period_);
  double cur = acf(2 * period_);
  for (int k = 2; (k + 1) * period_ <= n / 3; ++k) {
    const double next = acf((k + 1) * period_);
    if (cur > best_value && cur > std::max(prev, next) + 0.05) {
      best = k * period_;
      best_value = cur;
    }
    prev = cur;
    cur = next;
  }
  if (best > 0) StartSeasonal(period_, best);
}

void StreamingDetector::Probe() {
  if (period_ == 0) {
    const int period = DetectPeriod(history_);
    if (period >= 2) StartSeasonal(period, 0);
  } else if (second_period_ == 0) {
    ProbeSecondPeriod();
  }
  next_probe_ *= 2;
  if (next_probe_ > spec_.period_probe_max || second_period_ > 0) {
    next_probe_ = 0;
    history_.clear();
    history_.shrink_to_fit();
  }
}

Result<std::unique_ptr<StreamingDetector>> StreamingDetector::Create(const DetectorSpec& spec) {
  auto level = CausalScorer::Create(spec.scorer);
  if (!level.ok()) return level.status();
  auto diff = CausalScorer::Create(spec.scorer);
  if (!diff.ok()) return diff.status();
  return std::unique_ptr<StreamingDetector>(
      new StreamingDetector(spec, std::move(level.value()), std::move(diff.value())));
}

double StreamingDetector::Next(double value) {
  ScoredPoint sp;
  level_.Update(std::span<const double>(&value, 1), std::span<ScoredPoint>(&sp, 1));
  double raw = sp.score;
  if (seasonal_) {
    ScoredPoint ss;
    seasonal_->Update(std::span<const double>(&value, 1), std::span<ScoredPoint>(&ss, 1));
    if (!ss.warming_up) {
      raw = ss.score;
      sp = ss;
    }
  }
  if (next_probe_ > 0) {
    if (!std::isnan(value)) history_.push_back(value);
    if (static_cast<int>(history_.size()) >= next_probe_) Probe();
  }
  double var_score = 0;
  if (!var_ring_.empty() && !std::isnan(value) && !sp.warming_up) {
    const double a = std::fabs(sp.y - sp.yhat);
    var_sum_ += a - (var_count_ == var_ring_.size() ? var_ring_[var_pos_] : 0.0);
    var_ring_[var_pos_] = a;
    var_pos_ = (var_pos_ + 1) % var_ring_.size();
    var_count_ = std::min(var_count_ + 1, var_ring_.size());
    if (var_count_ == var_ring_.size()) {
      const double half = 0.5 * (sp.yhat_upper - sp.yhat_lower);
      const double m = var_sum_ / static_cast<double>(var_count_);
      var_score = spec_.var_weight *
                  var_lik_.Next(std::log((m + 1e-9 * (1 + half)) / (half + 1e-12)), true);
    }
  }
  if (spec_.diff_weight > 0) {
    const double d = std::isnan(prev_) || std::isnan(value) ? std::nan("") : value - prev_;
    ScoredPoint dp;
    diff_.Update(std::span<const double>(&d, 1), std::span<ScoredPoint>(&dp, 1));
    raw = std::max(raw, spec_.diff_weight * dp.score);
  }
  if (!std::isnan(value)) prev_ = value;
  if (!std::isfinite(raw)) raw = std::isnan(raw) ? 0.0 : 1e6;
  last_raw_ = raw;
  double shift_score = 0;
  if (!shift_ring_.empty() && !std::isnan(value) && !sp.warming_up) {
    const double u = seasonal_ && period_ > 0 ? sp.y - sp.yhat : value;
    const size_t cap = shift_ring_.size();
    const size_t w = static_cast<size_t>(std::max(spec_.shift_window, 1));
    // Recent mean: the last w entries of the ring.
    if (shift_count_ >= w) shift_sum_ -= shift_ring_[(shift_pos_ + cap - w) % cap];
    shift_sum_ += u;
    shift_ring_[shift_pos_] = u;
    shift_pos_ = (shift_pos_ + 1) % cap;
    shift_count_ = std::min(shift_count_ + 1, cap);
    if (shift_count_ == cap) {
      // Median/MAD of the history before the recent window, refreshed every w points.
      if (shift_since_-- <= 0) {
        shift_since_ = static_cast<int>(w);
        shift_scratch_.resize(cap - w);
        for (size_t i = 0; i < cap - w; ++i)
          shift_scratch_[i] = shift_ring_[(shift_pos_ + i) % cap];
        shift_median_ = Median(shift_scratch_);
        shift_mad_ = RobustSpreadOf(shift_scratch_, shift_median_);
      }
      const double m = shift_sum_ / static_cast<double>(w);
      const double z = std::fabs(m - shift_median_) /
                       std::max(shift_mad_, 1e-9 * (1 + std::fabs(shift_median_)));
      shift_score = spec_.shift_weight * shift_lik_.Next(std::min(z, 1e3), false);
    }
  }
  double knn_score = 0;
  if (spec_.knn_weight > 0 && std::isfinite(value)) {
    const size_t d = static_cast<size_t>(std::max(spec_.knn_dim, 1));
    const size_t h = static_cast<size_t>(std::max(spec_.knn_history, 10));
    const size_t k = static_cast<size_t>(std::clamp(spec_.knn_k, 1, static_cast<int>(h)));
    // Kept in order (not a ring) so each distance is a contiguous, vectorisable loop; shifted
    // down once per h points, so the cost stays O(h x d) per point.
    if (knn_values_.size() >= 2 * h + 2 * d) {
      knn_values_.erase(knn_values_.begin(), knn_values_.end() - static_cast<long>(h + 2 * d - 1));
    }
    knn_values_.push_back(value);
    const size_t n = knn_values_.size();
    if (n >= 2 * d + k) {
      const double* cur = knn_values_.data() + n - d;
      // Past vectors end at least d points before the current one (no overlap).
      const size_t last_start = n - 2 * d;
      const size_t first_start = n - d >= h + d ? n - d - h - d + 1 : 0;
      knn_dist_.clear();
      for (size_t st = first_start; st <= last_start; ++st) {
        const double* p = knn_values_.data() + st;
        double acc = 0;
        for (size_t j = 0; j < d; ++j) acc += (p[j] - cur[j]) * (p[j] - cur[j]);
        knn_dist_.push_back(acc);
      }
      const size_t kk = std::min(k, knn_dist_.size());
      std::nth_element(knn_dist_.begin(), knn_dist_.begin() + static_cast<long>(kk - 1),
                       knn_dist_.end());
      double sum = 0;
      for (size_t j = 0; j < kk; ++j) sum += std::sqrt(knn_dist_[j]);
      knn_score = knn_lik_.Next(sum / static_cast<double>(kk), false);
    }
  }
  double level_score = level_lik_.Next(raw, false);
  if (spec_.short_memory > 0) level_score = std::min(level_score, level_lik2_.Next(raw, false));
  if (spec_.knn_weight > 0) {
    level_score = spec_.knn_mean
                      ? (1 - spec_.knn_weight) * level_score + spec_.knn_weight * knn_score
                      : std::max(level_score, spec_.knn_weight * knn_score);
  }
  if (slow_) {
    ScoredPoint ps;
    slow_->Update(std::span<const double>(&value, 1), std::span<ScoredPoint>(&ps, 1));
    const double slow_score = slow_lik_.Next(ps.warming_up ? 0.0 : ps.score, false);
    if (!seasonal_ || spec_.slow_seasonal)
      level_score = std::max(level_score, spec_.slow_weight * slow_score);
  }
  if (slow2_) {
    ScoredPoint ps;
    slow2_->Update(std::span<const double>(&value, 1), std::span<ScoredPoint>(&ps, 1));
    const double slow_score = slow2_lik_.Next(ps.warming_up ? 0.0 : ps.score, false);
    if (!seasonal_ || spec_.slow_seasonal)
      level_score = std::max(level_score, spec_.slow_weight * slow_score);
  }
  double rare_score = 0;
  if (spec_.rare_weight > 0 && std::isfinite(value)) {
    const size_t cap = static_cast<size_t>(std::max(spec_.rare_window, 10));
    const size_t c = rare_sorted_.size();
    if (c >= 50) {
      const double lo = rare_sorted_[c / 20], hi = rare_sorted_[c - 1 - c / 20];
      const double h = std::max(spec_.rare_bandwidth * (hi - lo), 1e-9 * (1 + std::fabs(value)));
      const auto a = std::lower_bound(rare_sorted_.begin(), rare_sorted_.end(), value - h);
      const auto b = std::upper_bound(rare_sorted_.begin(), rare_sorted_.end(), value + h);
      const double frac = (static_cast<double>(b - a) + 1.0) / (static_cast<double>(c) + 1.0);
      rare_score = spec_.rare_weight * rare_lik_.Next(-std::log(frac), false);
    }
    if (rare_ring_.size() == cap) {
      const double old = rare_ring_[rare_pos_];
      rare_sorted_.erase(std::lower_bound(rare_sorted_.begin(), rare_sorted_.end(), old));
      rare_ring_[rare_pos_] = value;
      rare_pos_ = (rare_pos_ + 1) % cap;
    } else {
      rare_ring_.push_back(value);
    }
    rare_sorted_.insert(std::upper_bound(rare_sorted_.begin(), rare_sorted_.end(), value), value);
  }
  double s = std::max({level_score, var_score, shift_score, rare_score});
  if (spec_.spatial_tolerance > 0 && std::isfinite(value)) {
    const double tol = spec_.spatial_tolerance * (max_seen_ - min_seen_);
    if (finite_seen_ >= spec_.spatial_warmup && max_seen_ > min_seen_ &&
        (value > max_seen_ + tol || value < min_seen_ - tol)) {
      s = std::max(s, spec_.spatial_score);
    }
    min_seen_ = std::min(min_seen_, value);
    max_seen_ = std::max(max_seen_, value);
    ++finite_seen_;
  }
  if (!recent_.empty()) {
    double recent_max = 0;
    if (recent_weight_.empty()) {
      recent_max = *std::max_element(recent_.begin(), recent_.end());
    } else {
      const size_t n = recent_.size();
      for (size_t k = 0; k < n; ++k) {
        const size_t age = (recent_pos_ + n - 1 - k) % n;  // 0 = newest
        recent_max = std::max(recent_max, recent_[k] * recent_weight_[age]);
      }
    }
    const double now = s;
    // A climbing excursion makes a new maximum at every step; with onset_margin > 1 only a
    // clear jump over the recent maximum is reported again, so one ramp is one detection.
    if (now <= recent_max * spec_.onset_margin) s = now * spec_.repeat_factor;
    recent_[recent_pos_] = now;
    recent_pos_ = (recent_pos_ + 1) % recent_.size();
  }
  if (spec_.hold_window > 0) {
    if (hold_left_ > 0) {
      --hold_left_;
      if (s <= hold_level_ * spec_.hold_factor) s = 0;
    }
    if (s >= spec_.hold_trigger) {
      hold_left_ = spec_.hold_window;
      if (spec_.hold_period_fraction > 0 && period_ > 0) {
        hold_left_ = std::max(hold_left_, static_cast<int>(spec_.hold_period_fraction * period_));
      }
      hold_level_ = s;
    }
  }
  return s / (1.0 + s);
}

}  // namespace streamlens::analysis
