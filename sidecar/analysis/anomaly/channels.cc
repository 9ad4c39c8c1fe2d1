#include "sidecar/analysis/anomaly/channels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamlens::analysis {

// ---- TailNormalizer
// ------------------------------------------------------------------------------

TailNormalizer::TailNormalizer(int64_t memory_ms, int64_t usual_ms, int64_t mature_ms)
    : mature_ms_(mature_ms),
      up_(usual_ms, BlocksRemembered(memory_ms, usual_ms)),
      down_(usual_ms, BlocksRemembered(memory_ms, usual_ms)) {}

int TailNormalizer::BlocksRemembered(int64_t memory_ms, int64_t usual_ms) {
  const int64_t n = (memory_ms + usual_ms / 2) / std::max<int64_t>(1, usual_ms);
  return static_cast<int>(std::clamp<int64_t>(n, 1, BlockMaxima::kMaxDecay));
}

bool TailNormalizer::Mature(const BlockMaxima& d) const {
  return d.completed() > 0 && first_ms_ >= 0 && last_ms_ - first_ms_ >= mature_ms_;
}

double TailNormalizer::Usual(const BlockMaxima& d, double floor) const {
  if (!Mature(d)) return std::numeric_limits<double>::infinity();
  return std::max(d.Usual(), floor);
}

void TailNormalizer::Score(double up, double down, double floor, ChannelScore* out) const {
  out->valid = Mature(up_) && Mature(down_);
  out->up = up / Usual(up_, floor);
  out->down = down / Usual(down_, floor);
}

double TailNormalizer::Edge(bool up, double floor, double multiple) const {
  return multiple * Usual(up ? up_ : down_, floor);
}

void TailNormalizer::Learn(int64_t t_ms, double up, double down) {
  if (first_ms_ < 0) first_ms_ = t_ms;
  last_ms_ = t_ms;
  up_.Add(t_ms, up);
  down_.Add(t_ms, down);
}

void TailNormalizer::Save(StateWriter& w) const {
  w.I64(first_ms_);
  w.I64(last_ms_);
  up_.Save(w);
  down_.Save(w);
}

bool TailNormalizer::Load(StateReader& r) {
  return r.I64(&first_ms_) && r.I64(&last_ms_) && up_.Load(r) && down_.Load(r);
}

// ---- ExcursionChannel
// ----------------------------------------------------------------------------

ExcursionChannel::ExcursionChannel(int64_t min_duration_ms, int64_t memory_ms, int64_t usual_ms)
    : min_duration_ms_(min_duration_ms), tail_(memory_ms, usual_ms) {}

ChannelScore ExcursionChannel::Observe(const PointContext& c) {
  const double up = std::max(0.0, c.y - c.hi) / c.scale_hi;
  const double down = std::max(0.0, c.lo - c.y) / c.scale_lo;
  // The window that must be all outside: [t - (min_duration - step), t], with half a step of
  // slack for irregular sampling. With steps of min_duration or more it is the point itself.
  const int64_t lower = c.t_ms - std::max<int64_t>(0, min_duration_ms_ - c.step_ms) - c.step_ms / 2;
  recent_.erase(recent_.begin(), std::find_if(recent_.begin(), recent_.end(),
                                              [&](const Recent& r) { return r.t_ms >= lower; }));
  if (recent_.size() >= 4096) recent_.erase(recent_.begin());  // bound for pathological steps
  recent_.push_back({c.t_ms, static_cast<float>(up), static_cast<float>(down)});
  observed_ = true;
  last_up_ = up;
  last_down_ = down;
  double peak_up = up, peak_down = down;
  for (const Recent& r : recent_) {
    last_up_ = std::min<double>(last_up_, r.up);
    last_down_ = std::min<double>(last_down_, r.down);
    peak_up = std::max<double>(peak_up, r.up);
    peak_down = std::max<double>(peak_down, r.down);
  }
  // An excursion already more than half recovered from its peak within the window is draining
  // (the lag of a rebalance pause being consumed), not holding.
  if (up < 0.5 * peak_up) last_up_ = 0;
  if (down < 0.5 * peak_down) last_down_ = 0;
  ChannelScore s;
  tail_.Score(last_up_, last_down_, 1.0, &s);
  s.dev_up = last_up_ * c.scale_hi;
  s.dev_down = last_down_ * c.scale_lo;
  return s;
}

double ExcursionChannel::UpperEdge(const PointContext& c, double multiple) const {
  return c.hi + tail_.Edge(true, 1.0, multiple) * c.scale_hi;
}

double ExcursionChannel::LowerEdge(const PointContext& c, double multiple) const {
  return c.lo - tail_.Edge(false, 1.0, multiple) * c.scale_lo;
}

void ExcursionChannel::Save(StateWriter& w) const {
  tail_.Save(w);
  w.U64(recent_.size());
  for (const Recent& r : recent_) {
    w.I64(r.t_ms);
    w.F64(r.up);
    w.F64(r.down);
  }
}

bool ExcursionChannel::Load(StateReader& r) {
  uint64_t n;
  if (!tail_.Load(r) || !r.U64(&n) || n > 4096) return false;
  recent_.resize(n);
  for (Recent& x : recent_) {
    double up, down;
    if (!r.I64(&x.t_ms) || !r.F64(&up) || !r.F64(&down)) return false;
    x.up = static_cast<float>(up);
    x.down = static_cast<float>(down);
  }
  return true;
}

size_t ExcursionChannel::MemoryBytes() const {
  return sizeof(*this) + tail_.MemoryBytes() + recent_.capacity() * sizeof(Recent);
}

// ---- LevelChannel
// --------------------------------------------------------------------------------

LevelChannel::LevelChannel(int64_t span_ms, int64_t memory_ms, int64_t usual_ms)
    : span_ms_(span_ms),
      bin_ms_(std::max<int64_t>(1, span_ms / kBins)),
      memory_ms_(memory_ms),
      usual_ms_(usual_ms),
      bins_(kBins + 1) {}

void LevelChannel::SetModels(const std::vector<int64_t>& mature_ms) {
  models_.clear();
  for (int64_t m : mature_ms)
    models_.push_back(ModelTail{TailNormalizer(memory_ms_, usual_ms_, m)});
}

int64_t LevelChannel::Add(int64_t t_ms, double y) {
  const int64_t index = t_ms / bin_ms_;
  Bin& cur = bins_[static_cast<size_t>(index % (kBins + 1))];
  if (cur.index != index) cur = Bin{index, 0, 0};
  cur.sum += y;
  cur.count += 1;
  current_ = index;
  // The window starts at its oldest bin that holds a point (after a gap, the mean of what was
  // seen is compared with what was expected of the same time).
  int64_t oldest = index;
  for (const Bin& b : bins_) {
    if (b.index > index - (kBins + 1) && b.count > 0) oldest = std::min(oldest, b.index);
  }
  return oldest * bin_ms_;
}

ChannelScore LevelChannel::Score(int model, double expected, double noise) {
  return Score(model, expected, expected, noise);
}

ChannelScore LevelChannel::Score(int model, double lo, double hi, double noise) {
  ChannelScore s;
  if (model < 0 || static_cast<size_t>(model) >= models_.size() || !std::isfinite(lo) ||
      !std::isfinite(hi)) {
    return s;
  }
  double sum = 0, count = 0;
  for (const Bin& b : bins_) {
    if (b.index >= 0 && b.index > current_ - (kBins + 1)) {
      sum += b.sum;
      count += b.count;
    }
  }
  if (count == 0) return s;
  ModelTail& m = models_[static_cast<size_t>(model)];
  const double mean = sum / count;
  m.scored = true;
  m.up = std::max(0.0, mean - hi);
  m.down = std::max(0.0, lo - mean);
  const double floor = noise / std::sqrt(count);
  m.tail.Score(m.up, m.down, floor, &s);
  s.dev_up = m.up;
  s.dev_down = m.down;
  return s;
}

void LevelChannel::Learn(int64_t t_ms) {
  for (ModelTail& m : models_) {
    if (m.scored) m.tail.Learn(t_ms, m.up, m.down);
    m.scored = false;
  }
}

void LevelChannel::Save(StateWriter& w) const {
  w.I64(current_);
  for (const Bin& b : bins_) {
    w.I64(b.index);
    w.F64(b.sum);
    w.F64(b.count);
  }
  w.U64(models_.size());
  for (const ModelTail& m : models_) m.tail.Save(w);
}

bool LevelChannel::Load(StateReader& r) {
  uint64_t n;
  if (!r.I64(&current_)) return false;
  for (Bin& b : bins_) {
    if (!r.I64(&b.index) || !r.F64(&b.sum) || !r.F64(&b.count)) return false;
  }
  if (!r.U64(&n) || n != models_.size()) return false;
  for (ModelTail& m : models_) {
    if (!m.tail.Load(r)) return false;
  }
  return true;
}

size_t LevelChannel::MemoryBytes() const {
  size_t bytes = sizeof(*this) + bins_.capacity() * sizeof(Bin);
  for (const ModelTail& m : models_) bytes += sizeof(ModelTail) + m.tail.MemoryBytes();
  return bytes;
}

}  // namespace streamlens::analysis
