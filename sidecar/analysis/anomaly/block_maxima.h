// BlockMaxima: the usual large value of a stream, judged on past blocks of time only: "the
// deviation a channel shows about once per `block`" for the anomaly detector (channels.h).
//
// Time is cut into consecutive blocks of `block_ms` from the first value. A completed block's
// weight falls by a factor e every `decay` blocks (so `decay` blocks is the memory), and the
// last 3 x decay blocks are remembered, each by its decay + 1 largest values. Usual() is the value
// exceeded, in weight, as often as once per block: the weighted analogue of the quantile
// 1 - step/block of the points, but the block in progress does not count, so a deviation that
// grows for hours (a leak, churn that builds up) is judged against the blocks before it instead of
// teaching its own size. While fewer than `decay` blocks have completed (a young series, which
// cannot yet tell a new pattern from a new week) the block in progress counts too, with weight 1.
// Memory is fixed: about 3 x decay^2 floats. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "common/binary_io.h"

namespace streamlens::analysis {

class BlockMaxima {
 public:
  // block_ms > 0; decay in blocks, clamped to [1, kMaxDecay].
  static constexpr int kMaxDecay = 10;
  BlockMaxima(int64_t block_ms, int decay);

  // Adds v (>= 0; negative and NaN count as 0) at t_ms (non-decreasing).
  void Add(int64_t t_ms, double v);
  // The usual large value (above); NaN before any value.
  double Usual() const { return usual_; }
  int completed() const { return completed_; }

  void Save(StateWriter& w) const;
  bool Load(StateReader& r);  // false on a malformed or inconsistent state
  size_t MemoryBytes() const { return sizeof(*this) + tops_.capacity() * sizeof(float); }

 private:
  void CloseBlock();
  void Update();
  bool young() const { return completed_ < decay_; }
  float* Top(int slot) { return tops_.data() + static_cast<size_t>(slot) * per_block_; }

  int64_t block_ms_;
  int decay_;              // blocks over which a block's weight falls by e
  int blocks_;             // completed blocks remembered: 3 x decay_
  int per_block_;          // largest values kept per block: decay_ + 1
  int64_t first_ms_ = -1;  // start of the first block (-1: nothing added yet)
  int64_t current_ = -1;   // index of the block in progress
  int completed_ = 0;      // completed blocks remembered (<= blocks_)
  int newest_ = 0;         // slot of the block in progress (ring of blocks_ + 1 slots)
  // Per slot, the block's `per_block_` largest values, largest first (0 where fewer were seen).
  std::vector<float> tops_;
  double usual_;
};

}  // namespace streamlens::analysis
