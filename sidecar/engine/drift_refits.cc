#include "sidecar/engine/drift_refits.h"

#include <algorithm>

namespace streamlens::engine {

void DriftRefits::Observe(bool drifted, int64_t t_ms) {
  drifted_ = drifted;
  if (drifted && drifted_since_ms_ == kNone) drifted_since_ms_ = t_ms;
}

bool DriftRefits::Due(int64_t now_ms, int64_t last_fit_ms) const {
  return drifted_ && (last_fit_ms == kNone || now_ms - last_fit_ms >= spacing_ms_);
}

void DriftRefits::OnFit(int64_t prev_fit_ms, int64_t now_ms, int64_t fit_every_ms, bool early) {
  const bool held = prev_fit_ms == kNone || drifted_since_ms_ == kNone ||
                    drifted_since_ms_ - prev_fit_ms >= spacing_ms_;
  if (held) {
    spacing_ms_ = kDriftRefitSpacing;
  } else if (last_fit_early_) {
    spacing_ms_ = std::max(kDriftRefitSpacing, std::min(2 * spacing_ms_, fit_every_ms));
  }
  last_fit_early_ = early;
  drifted_since_ms_ = drifted_ ? now_ms : kNone;
}

void DriftRefits::Save(StateWriter& w) const {
  w.U8(drifted_);
  w.I64(drifted_since_ms_);
  w.I64(spacing_ms_);
  w.U8(last_fit_early_);
}

bool DriftRefits::Load(StateReader& r) {
  uint8_t drifted = 0, early = 0;
  int64_t since = 0, spacing = 0;
  if (!r.U8(&drifted) || !r.I64(&since) || !r.I64(&spacing) || !r.U8(&early)) return false;
  if (spacing < kDriftRefitSpacing || drifted > 1 || early > 1) return false;
  drifted_ = drifted != 0;
  drifted_since_ms_ = since;
  spacing_ms_ = spacing;
  last_fit_early_ = early != 0;
  return true;
}

}  // namespace streamlens::engine
