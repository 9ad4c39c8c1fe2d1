#include "sidecar/analysis/anomaly/decayed_quantiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamlens::analysis {
namespace {

constexpr int kLogBins = 2 * DecayedQuantiles::kOctaves * DecayedQuantiles::kBinsPerOctave;
// Weights grow as exp((t - ref) / memory); rescale before they leave float's range.
constexpr double kMaxExponent = 60.0;

}  // namespace

DecayedQuantiles::DecayedQuantiles(int64_t memory_ms)
    : memory_ms_(std::max<int64_t>(1, memory_ms)), counts_(1 + kLogBins, 0.0f) {}

int DecayedQuantiles::BinOf(double v) {
  const double k = std::floor(std::log2(v) * kBinsPerOctave) + kOctaves * kBinsPerOctave;
  return static_cast<int>(std::clamp(k, 0.0, static_cast<double>(kLogBins - 1)));
}

double DecayedQuantiles::BinLow(int bin) {
  return std::exp2(static_cast<double>(bin - kOctaves * kBinsPerOctave) / kBinsPerOctave);
}

void DecayedQuantiles::Rescale(int64_t t_ms) {
  const double f = std::exp(-static_cast<double>(t_ms - ref_ms_) / memory_ms_);
  for (float& c : counts_) c = static_cast<float>(c * f);
  total_ *= f;
  ref_ms_ = t_ms;
}

void DecayedQuantiles::Add(int64_t t_ms, double v) {
  if (!std::isfinite(v)) return;
  if (!started_) {
    started_ = true;
    ref_ms_ = t_ms;
  }
  last_ms_ = std::max(last_ms_, t_ms);
  if (static_cast<double>(t_ms - ref_ms_) / memory_ms_ > kMaxExponent) Rescale(t_ms);
  const double w = std::exp(static_cast<double>(t_ms - ref_ms_) / memory_ms_);
  const int bin = v > 0 ? 1 + BinOf(v) : 0;
  if (bin > 0) top_ = std::max(top_, bin - 1);
  counts_[bin] = static_cast<float>(counts_[bin] + w);
  total_ += w;
}

double DecayedQuantiles::weight() const {
  if (!started_) return 0;
  return total_ * std::exp(-static_cast<double>(last_ms_ - ref_ms_) / memory_ms_);
}

double DecayedQuantiles::Quantile(double q) const {
  if (total_ <= 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  // A high quantile (the detector's usual large deviation) is found from the top, where few bins
  // lie between the largest value and it.
  if (q > 0.5) {
    const double target = (1 - q) * total_;  // weight above the quantile
    double above = 0;
    for (int k = top_; k >= 0; --k) {
      const double c = counts_[1 + k];
      if (c > 0 && above + c >= target) {
        const double frac = 1 - (target - above) / c;  // log-linear inside the bin
        return BinLow(k) * std::exp2(frac / kBinsPerOctave);
      }
      above += c;
    }
    return 0;
  }
  const double target = q * total_;
  double below = counts_[0];
  if (target <= below) return 0;
  for (int k = 0; k < kLogBins; ++k) {
    const double c = counts_[1 + k];
    if (c > 0 && below + c >= target) {
      const double frac = (target - below) / c;  // log-linear inside the bin
      return BinLow(k) * std::exp2(frac / kBinsPerOctave);
    }
    below += c;
  }
  return BinLow(kLogBins);  // rounding: the top edge
}

double DecayedQuantiles::NonZeroMedian() const {
  if (total_ <= counts_[0]) return std::numeric_limits<double>::quiet_NaN();
  const double zero = counts_[0] / total_;
  return Quantile(zero + (1 - zero) / 2);
}

double DecayedQuantiles::MeanExcess(double u) const {
  double w = 0, sum = 0;
  for (int k = kLogBins - 1; k >= 0; --k) {
    const double c = counts_[1 + k];
    const double lo = BinLow(k), hi = BinLow(k + 1);
    if (hi <= u) break;
    if (c <= 0) continue;
    // The part of the bin above u, at the geometric middle of that part.
    const double from = std::max(lo, u);
    const double frac = lo >= u ? 1.0 : std::log(hi / from) / std::log(hi / lo);
    const double mid = std::sqrt(from * hi);
    w += c * frac;
    sum += c * frac * (mid - u);
  }
  return w > 0 ? sum / w : 0;
}

void DecayedQuantiles::Save(StateWriter& w) const {
  w.I64(memory_ms_);
  w.I64(ref_ms_);
  w.I64(last_ms_);
  w.U8(started_);
  w.F64(total_);
  w.F32s(counts_);
}

bool DecayedQuantiles::Load(StateReader& r) {
  int64_t memory;
  uint8_t started;
  std::vector<float> counts;
  if (!r.I64(&memory) || !r.I64(&ref_ms_) || !r.I64(&last_ms_) || !r.U8(&started) ||
      !r.F64(&total_) || !r.F32s(&counts)) {
    return false;
  }
  if (memory != memory_ms_ || counts.size() != counts_.size() || !std::isfinite(total_) ||
      total_ < 0) {
    return false;
  }
  for (float c : counts) {
    if (!std::isfinite(c) || c < 0) return false;
  }
  started_ = started != 0;
  counts_ = std::move(counts);
  top_ = -1;
  for (int k = 0; k < kLogBins; ++k) {
    if (counts_[static_cast<size_t>(1 + k)] > 0) top_ = k;
  }
  return true;
}

}  // namespace streamlens::analysis
