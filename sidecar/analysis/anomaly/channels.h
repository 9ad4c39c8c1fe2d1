// The detector's channels: each turns the stream of points (with what the active model expected
// of them) into a deviation per direction, and scores it against that channel's own usual large
// deviation on this series. The detector's score is the largest channel score (detector.h).
//
//   ExcursionChannel  how far the value is outside the usual envelope [lo, hi] at this time, in
//                     the series' robust scale, as the smallest such excess over the last
//                     `min_duration` (so one odd sample, a blip, never counts); 0 while the
//                     excess is less than half its peak over that span (a draining burst).
//   LevelChannel      the mean of the values over a span (one channel per span) against what
//                     the active model expects of that span, in the series' units: a shift that
//                     stays inside the envelope but lasts shows here.
//
// Score of a deviation d >= 0 in one direction: d / max(usual, floor), where `usual` is the
// channel's usual large deviation in that direction: one exceeded about once per the spec's
// `usual` span (a day by default), taken from the completed days of the last `memory` only
// (BlockMaxima), learnt only from points that were not anomalous, so a deviation that grows for
// hours is judged against the days before it; and `floor` the smallest deviation that means
// anything for the channel (one noise sigma for excursions; the noise sigma over the square root
// of the points averaged for levels). The detector divides by its sensitivity. A channel scores 0
// until one `usual` span has completed and its maturation time has passed. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "common/binary_io.h"
#include "sidecar/analysis/anomaly/block_maxima.h"

namespace streamlens::analysis {

// What the detector knows about the current point when a channel sees it.
struct PointContext {
  int64_t t_ms = 0;
  int64_t step_ms = 0;
  double y = 0;
  double hi = 0, lo = 0;              // usual envelope at this time
  double scale_hi = 0, scale_lo = 0;  // robust scale of deviations above hi / below lo (> 0)
  double mean = 0;                    // expected mean at this time
  double noise = 0;                   // the series' robust noise scale (>= 0)
};

// A channel's verdict on the current point, per direction (up = above expected).
struct ChannelScore {
  bool valid = false;               // the channel could score (it has learnt what is usual)
  double up = 0, down = 0;          // in units of the channel's usual large deviation
  double dev_up = 0, dev_down = 0;  // deviation in the series' units
};

// The usual large deviation of one channel, per direction.
class TailNormalizer {
 public:
  // usual_ms: the span of which the usual large deviation is the largest (BlockMaxima's block);
  // memory_ms: how many such spans are remembered; mature_ms: the usual deviation is known only
  // after learning for this long (and one usual_ms span); until then every score is 0.
  TailNormalizer(int64_t memory_ms, int64_t usual_ms, int64_t mature_ms = 0);
  // Deviations (up, down >= 0) in units of the usual large deviation (at least `floor`); 0 until
  // learnt.
  void Score(double up, double down, double floor, ChannelScore* out) const;
  // The deviation (one direction) that is `multiple` usual large deviations; infinite until learnt.
  double Edge(bool up, double floor, double multiple) const;
  void Learn(int64_t t_ms, double up, double down);
  void Save(StateWriter& w) const;
  bool Load(StateReader& r);
  size_t MemoryBytes() const { return up_.MemoryBytes() + down_.MemoryBytes(); }

 private:
  static int BlocksRemembered(int64_t memory_ms, int64_t usual_ms);
  double Usual(const BlockMaxima& d, double floor) const;
  bool Mature(const BlockMaxima& d) const;
  int64_t mature_ms_;
  int64_t first_ms_ = -1, last_ms_ = -1;  // first and latest Learn()
  BlockMaxima up_, down_;
};

class ExcursionChannel {
 public:
  ExcursionChannel(int64_t min_duration_ms, int64_t memory_ms, int64_t usual_ms);
  ChannelScore Observe(const PointContext& c);
  // Learns the excursion of the point last observed (nothing if none was observed since).
  void Learn(int64_t t_ms) {
    if (observed_) tail_.Learn(t_ms, last_up_, last_down_);
    observed_ = false;
  }
  // The values at which the current point would have the given rarity (band edges).
  double UpperEdge(const PointContext& c, double multiple) const;
  double LowerEdge(const PointContext& c, double multiple) const;
  void Save(StateWriter& w) const;
  bool Load(StateReader& r);
  size_t MemoryBytes() const;

 private:
  struct Recent {
    int64_t t_ms;
    float up, down;  // excess beyond the envelope in robust-scale units
  };
  int64_t min_duration_ms_;
  TailNormalizer tail_;
  std::vector<Recent> recent_;  // the excesses within min_duration, oldest first
  double last_up_ = 0, last_down_ = 0;
  bool observed_ = false;
};

// The mean of the values over a span, scored against what each model expects of that span. Each
// model has its own usual deviations (learnt whether or not it is in use), so the score stays
// calibrated when the detector changes the model it trusts.
class LevelChannel {
 public:
  LevelChannel(int64_t span_ms, int64_t memory_ms, int64_t usual_ms);
  // Models are numbered 0..n-1 by the detector, model m's deviations are known after learning
  // for mature_ms[m]; resets what was learnt.
  void SetModels(const std::vector<int64_t>& mature_ms);
  // Adds the point; returns the start of the window whose mean Score() compares (the window ends
  // at t_ms and spans span_ms, less what a gap left empty at its start).
  int64_t Add(int64_t t_ms, double y);
  // Scores the window's mean against `expected` (model m's expectation of that mean; NaN: m has
  // none) and remembers the deviation for Learn().
  ChannelScore Score(int model, double expected, double noise);
  // The same against a band: deviations are measured outside [lo, hi].
  ChannelScore Score(int model, double lo, double hi, double noise);
  // Every model scored since the last Learn() learns its deviation.
  void Learn(int64_t t_ms);
  int64_t span_ms() const { return span_ms_; }
  void Save(StateWriter& w) const;
  bool Load(StateReader& r);
  size_t MemoryBytes() const;

 private:
  static constexpr int kBins = 8;  // the span is summed in this many bins (plus the current one)
  struct Bin {
    int64_t index = -1;  // absolute bin number (t / bin width), -1 empty
    double sum = 0;
    double count = 0;
  };
  struct ModelTail {
    TailNormalizer tail;
    bool scored = false;
    double up = 0, down = 0;
  };
  int64_t span_ms_, bin_ms_, memory_ms_, usual_ms_;
  std::vector<Bin> bins_;  // ring by index % (kBins + 1)
  int64_t current_ = -1;   // index of the newest bin
  std::vector<ModelTail> models_;
};

}  // namespace streamlens::analysis
