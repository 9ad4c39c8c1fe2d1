#include "sidecar/analysis/anomaly/detectors.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace streamlens::analysis {
namespace {

std::vector<DetectorSpec> Specs() {
  std::vector<DetectorSpec> specs;
  DetectorSpec base;
  base.scorer.level_window = 20;
  base.scorer.fit_window = 1000;
  base.scorer.refit_every = 50;
  base.scorer.band_z = 3.0;

  // Default, tuned on the NAB development subset (see BENCHMARKS.md): robust one-step residual
  // score (seasonal once a period is found in the first 500 points' autocorrelation) normalised
  // by the long-run distribution of this series' raw scores (likelihood with a 2000-point
  // memory), reported only when it exceeds every score of the previous 50 points.
  DetectorSpec def = base;
  def.name = "streamlens";
  def.long_window = 2000;
  def.short_window = 1;
  def.onset_window = 50;
  def.repeat_factor = 0.0;
  def.auto_period_probe = 500;
  specs.push_back(def);

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
      else if (k == "repeat")
        spec.repeat_factor = v;
      else if (k == "diff")
        spec.diff_weight = v;
      else if (k == "probe")
        spec.auto_period_probe = static_cast<int>(v);
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
  long_.assign(static_cast<size_t>(std::max(spec.long_window, 0)), 0.0);
  short_.assign(static_cast<size_t>(std::max(spec.short_window, 1)), 0.0);
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
  if (spec_.auto_period_probe > 0 && !probed_) {
    if (!std::isnan(value)) probe_.push_back(value);
    if (static_cast<int>(probe_.size()) >= spec_.auto_period_probe) {
      probed_ = true;
      const int period = DetectPeriod(probe_);
      if (period >= 2) {
        CausalScorerParams sp2 = spec_.scorer;
        sp2.period = period;
        sp2.fit_window = std::max(4 * period, 1000);
        sp2.refit_every = period;
        auto sc = CausalScorer::Create(sp2);
        if (sc.ok()) {
          seasonal_ = std::make_unique<CausalScorer>(std::move(sc.value()));
          seasonal_->Fit(probe_);
          period_ = period;
        }
      }
      probe_.clear();
      probe_.shrink_to_fit();
    }
  } else if (seasonal_) {
    ScoredPoint ss;
    seasonal_->Update(std::span<const double>(&value, 1), std::span<ScoredPoint>(&ss, 1));
    if (!ss.warming_up) raw = ss.score;
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
  double s = raw;
  if (!long_.empty()) {
    // Short-term mean against the long-term distribution of raw scores (before adding this one).
    short_sum_ += raw - (short_count_ == short_.size() ? short_[short_pos_] : 0.0);
    short_[short_pos_] = raw;
    short_pos_ = (short_pos_ + 1) % short_.size();
    short_count_ = std::min(short_count_ + 1, short_.size());
    const double m = short_sum_ / static_cast<double>(short_count_);
    s = 0;
    if (long_count_ >= 50) {
      const double mu = long_sum_ / static_cast<double>(long_count_);
      const double var = std::max(long_sq_ / static_cast<double>(long_count_) - mu * mu, 0.0);
      const double sd = std::max(std::sqrt(var), 1e-3);
      s = std::max((m - mu) / sd, 0.0);
    }
    if (long_count_ == long_.size()) {
      const double old = long_[long_pos_];
      long_sum_ -= old;
      long_sq_ -= old * old;
    } else {
      ++long_count_;
    }
    const double capped = std::min(raw, 1e3);
    long_[long_pos_] = capped;
    long_sum_ += capped;
    long_sq_ += capped * capped;
    long_pos_ = (long_pos_ + 1) % long_.size();
  }
  if (!recent_.empty()) {
    const double recent_max = *std::max_element(recent_.begin(), recent_.end());
    const double now = s;
    if (now <= recent_max) s = now * spec_.repeat_factor;
    recent_[recent_pos_] = now;
    recent_pos_ = (recent_pos_ + 1) % recent_.size();
  }
  return s / (1.0 + s);
}

}  // namespace streamlens::analysis
