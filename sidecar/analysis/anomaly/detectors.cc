#include "sidecar/analysis/anomaly/detectors.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamlens::analysis {
namespace {

std::vector<DetectorSpec> Specs() {
  std::vector<DetectorSpec> specs;
  DetectorSpec base;
  base.scorer.level_window = 20;
  base.scorer.fit_window = 1000;
  base.scorer.refit_every = 50;
  base.scorer.band_z = 3.0;

  DetectorSpec def = base;
  def.name = "streamlens";
  def.onset_window = 200;
  def.repeat_factor = 0.3;
  def.diff_weight = 1.0;
  specs.push_back(def);

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

std::vector<std::string> DetectorNames() {
  std::vector<std::string> names;
  for (const DetectorSpec& s : Specs()) names.push_back(s.name);
  return names;
}

Result<DetectorSpec> FindDetector(std::string_view name) {
  for (const DetectorSpec& s : Specs()) {
    if (s.name == name) return s;
  }
  std::string known;
  for (const auto& n : DetectorNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::Error("unknown detector \"" + std::string(name) + "\" (known: " + known + ")");
}

StreamingDetector::StreamingDetector(const DetectorSpec& spec, CausalScorer level,
                                     CausalScorer diff)
    : spec_(spec), level_(std::move(level)), diff_(std::move(diff)) {
  recent_.assign(static_cast<size_t>(std::max(spec.onset_window, 0)), 0.0);
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
  if (!recent_.empty()) {
    const double recent_max = *std::max_element(recent_.begin(), recent_.end());
    if (raw <= recent_max) s = raw * spec_.repeat_factor;
    recent_[recent_pos_] = raw;
    recent_pos_ = (recent_pos_ + 1) % recent_.size();
  }
  return s / (1.0 + s);
}

}  // namespace streamlens::analysis
