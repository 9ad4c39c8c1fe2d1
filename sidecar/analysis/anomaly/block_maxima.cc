#include "sidecar/analysis/anomaly/block_maxima.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace streamlens::analysis {

BlockMaxima::BlockMaxima(int64_t block_ms, int decay)
    : block_ms_(std::max<int64_t>(1, block_ms)),
      decay_(std::clamp(decay, 1, kMaxDecay)),
      blocks_(3 * decay_),
      per_block_(decay_ + 1),
      tops_(static_cast<size_t>(blocks_ + 1) * static_cast<size_t>(per_block_), 0.0f),
      usual_(std::numeric_limits<double>::quiet_NaN()) {}

// The value above which the weights of the remembered values add up to the weight of the blocks
// they come from (the block in progress counts, with weight 1, while young).
void BlockMaxima::Update() {
  std::pair<float, float> merged[(3 * kMaxDecay + 1) * (kMaxDecay + 1)];  // value, weight
  size_t m = 0;
  double blocks_weight = 0;
  for (int age = young() ? 0 : 1; age <= completed_; ++age) {
    const int slot = (newest_ - age + blocks_ + 1) % (blocks_ + 1);
    const float w =
        static_cast<float>(std::exp(-std::max(0, age - 1) / static_cast<double>(decay_)));
    const float* top = tops_.data() + static_cast<size_t>(slot) * per_block_;
    for (int k = 0; k < per_block_; ++k) merged[m++] = {top[k], w};
    blocks_weight += w;
  }
  if (m == 0) {
    usual_ = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::sort(merged, merged + m, [](const auto& a, const auto& b) { return a.first > b.first; });
  double above = 0;
  usual_ = merged[m - 1].first;
  for (size_t i = 0; i < m; ++i) {
    above += merged[i].second;
    if (above >= blocks_weight - 1e-9) {
      usual_ = merged[i].first;
      break;
    }
  }
}

void BlockMaxima::CloseBlock() {
  completed_ = std::min(completed_ + 1, blocks_);
  newest_ = (newest_ + 1) % (blocks_ + 1);
  std::fill(Top(newest_), Top(newest_) + per_block_, 0.0f);
}

void BlockMaxima::Add(int64_t t_ms, double v) {
  const float x = v > 0 ? static_cast<float>(std::min(v, 3e38)) : 0.0f;
  if (first_ms_ < 0) {
    first_ms_ = t_ms;
    current_ = 0;
  }
  const int64_t index = std::max<int64_t>(0, t_ms - first_ms_) / block_ms_;
  bool changed = false;
  if (index != current_) {
    CloseBlock();
    current_ = index;
    changed = true;
  }
  float* top = Top(newest_);
  if (x > top[per_block_ - 1]) {  // keep the block's largest values, largest first
    float* at = std::upper_bound(top, top + per_block_, x, std::greater<float>());
    std::copy_backward(at, top + per_block_ - 1, top + per_block_);
    *at = x;
    changed |= young();
  }
  if (changed || std::isnan(usual_)) Update();
}

void BlockMaxima::Save(StateWriter& w) const {
  w.I64(first_ms_);
  w.I64(current_);
  w.I64(completed_);
  w.I64(newest_);
  w.F32s(tops_);
}

bool BlockMaxima::Load(StateReader& r) {
  int64_t completed, newest;
  std::vector<float> tops;
  if (!r.I64(&first_ms_) || !r.I64(&current_) || !r.I64(&completed) || !r.I64(&newest) ||
      !r.F32s(&tops)) {
    return false;
  }
  if (completed < 0 || completed > blocks_ || newest < 0 || newest > blocks_ ||
      tops.size() != tops_.size() || current_ < -1) {
    return false;
  }
  for (float x : tops) {
    if (!(x >= 0)) return false;
  }
  completed_ = static_cast<int>(completed);
  newest_ = static_cast<int>(newest);
  tops_ = std::move(tops);
  Update();
  return true;
}

}  // namespace streamlens::analysis
