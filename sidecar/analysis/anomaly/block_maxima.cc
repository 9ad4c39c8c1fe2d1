#include "sidecar/analysis/anomaly/block_maxima.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace streamlens::analysis {

BlockMaxima::BlockMaxima(int64_t block_ms, int blocks)
    : block_ms_(std::max<int64_t>(1, block_ms)),
      blocks_(std::clamp(blocks, 1, kMaxBlocks)),
      tops_(static_cast<size_t>(blocks_ + 1) * static_cast<size_t>(blocks_), 0.0f),
      usual_(std::numeric_limits<double>::quiet_NaN()) {}

// The n-th largest of the remembered blocks' tops (and the block in progress while young), n the
// number of blocks counted.
void BlockMaxima::Update() {
  float merged[(kMaxBlocks + 1) * kMaxBlocks];
  size_t m = 0;
  int n = 0;
  for (int k = 0; k <= blocks_; ++k) {
    const int age = (newest_ - k + blocks_ + 1) % (blocks_ + 1);  // k = 0: the block in progress
    if (k == 0 ? !young() : k > completed_) continue;
    const float* top = tops_.data() + static_cast<size_t>(age) * blocks_;
    std::copy(top, top + blocks_, merged + m);
    m += static_cast<size_t>(blocks_);
    ++n;
  }
  if (n == 0) {
    usual_ = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::nth_element(merged, merged + (n - 1), merged + m, std::greater<float>());
  usual_ = merged[n - 1];
}

void BlockMaxima::CloseBlock() {
  completed_ = std::min(completed_ + 1, blocks_);
  newest_ = (newest_ + 1) % (blocks_ + 1);
  std::fill(Top(newest_), Top(newest_) + blocks_, 0.0f);
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
  if (x > top[blocks_ - 1]) {  // keep the block's largest values, largest first
    float* at = std::upper_bound(top, top + blocks_, x, std::greater<float>());
    std::copy_backward(at, top + blocks_ - 1, top + blocks_);
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
