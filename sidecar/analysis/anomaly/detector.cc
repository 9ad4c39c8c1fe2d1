#include "sidecar/analysis/anomaly/detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int64_t kHour = 3'600'000, kDay = 24 * kHour, kWeek = 7 * kDay;
constexpr int64_t kQuarterHour = 15 * 60'000;
constexpr int kStepsForModels = 8;        // intervals seen before the step is trusted
constexpr size_t kMaxProfileBins = 1536;  // bins x (cycles + 1) per seasonal profile
constexpr size_t kMaxLocalPoints = 1024;
constexpr int kOnsetBins = 48;
constexpr double kDayTypeFactor = 2;  // a new day type's level is within this factor
constexpr uint32_t kStateVersion = 3;

// Median of the last intervals between timestamps (kept up to date by Add, so Step() is a read).
class StepEstimator {
 public:
  void Add(int64_t dt) {
    ring_[pos_] = dt;
    pos_ = (pos_ + 1) % ring_.size();
    n_ = std::min(n_ + 1, ring_.size());
    Update();
  }
  int64_t Step() const { return step_; }
  size_t count() const { return n_; }
  void Save(StateWriter& w) const {
    w.U64(pos_);
    w.U64(n_);
    for (int64_t x : ring_) w.I64(x);
  }
  bool Load(StateReader& r) {
    uint64_t pos, n;
    if (!r.U64(&pos) || !r.U64(&n) || pos >= ring_.size() || n > ring_.size()) return false;
    pos_ = pos;
    n_ = n;
    for (int64_t& x : ring_) {
      if (!r.I64(&x)) return false;
    }
    Update();
    return true;
  }

 private:
  void Update() {
    if (n_ == 0) return;
    std::array<int64_t, 15> v = ring_;
    const auto mid = v.begin() + static_cast<ptrdiff_t>(n_ / 2);
    std::nth_element(v.begin(), mid, v.begin() + static_cast<ptrdiff_t>(n_));
    step_ = *mid;
  }
  std::array<int64_t, 15> ring_{};
  size_t pos_ = 0, n_ = 0;
  int64_t step_ = 0;
};

// Robust noise sigma from the changes between consecutive points: the scaled median of the
// absolute changes that are not 0 (a series that is mostly constant, like a count of rare events,
// has the size of its usual change as its scale), over sqrt(2) (a change holds two points' noise).
class NoiseScale {
 public:
  explicit NoiseScale(int64_t memory_ms) : abs_(memory_ms) {}
  void Add(int64_t t_ms, double change) { abs_.Add(t_ms, std::fabs(change)); }
  double Sigma() const {
    const double med = abs_.NonZeroMedian();
    return std::isnan(med) ? 0 : kMadToSigma * med / std::sqrt(2.0);
  }
  void Save(StateWriter& w) const { abs_.Save(w); }
  bool Load(StateReader& r) { return abs_.Load(r); }
  size_t MemoryBytes() const { return sizeof(*this) + abs_.MemoryBytes(); }

 private:
  DecayedQuantiles abs_;
};

// A ring of the last `size` values, with their median.
class MedianRing {
 public:
  explicit MedianRing(size_t size = 1) : values_(size, 0.0f) {}
  void Push(double v) {
    values_[pos_] = static_cast<float>(v);
    pos_ = (pos_ + 1) % values_.size();
    n_ = std::min(n_ + 1, values_.size());
  }
  double Median() const {
    if (n_ == 0) return kNaN;
    scratch_.assign(values_.begin(), values_.begin() + static_cast<ptrdiff_t>(n_));
    return analysis::Median(scratch_);
  }
  size_t size() const { return n_; }
  void Save(StateWriter& w) const {
    w.U64(pos_);
    w.U64(n_);
    w.F32s(values_);
  }
  bool Load(StateReader& r) {
    uint64_t pos, n;
    std::vector<float> v;
    if (!r.U64(&pos) || !r.U64(&n) || !r.F32s(&v) || v.size() != values_.size() ||
        pos >= v.size() || n > v.size()) {
      return false;
    }
    pos_ = pos;
    n_ = n;
    values_ = std::move(v);
    return true;
  }
  size_t MemoryBytes() const { return values_.capacity() * 4 + scratch_.capacity() * 8; }

 private:
  std::vector<float> values_;
  size_t pos_ = 0, n_ = 0;
  mutable std::vector<double> scratch_;
};

}  // namespace

namespace {

// Periods considered for a series sampled every `step`: the spec's, or the clock's day and week,
// each if it spans at least 8 steps. Sorted, distinct.
std::vector<int64_t> CandidatePeriods(const DetectorSpec& spec, int64_t step) {
  std::vector<int64_t> out;
  for (int64_t p : spec.periods_ms.empty() ? std::vector<int64_t>{kDay, kWeek} : spec.periods_ms) {
    if (p >= 8 * std::max<int64_t>(step, 1)) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Profile bins of about 1% of the period, at most half an hour and at least a step.
int64_t ProfileBin(int64_t period, int64_t step) {
  return std::max(step, std::min<int64_t>(period / 96, 30 * 60'000));
}

// A seasonal candidate, and how its predictions of selection-bin means compare with those of the
// next shorter model (paired differences of absolute errors, weighted over about one period or a
// day, whichever is longer).
struct Candidate {
  SeasonalProfile profile;
  double w = 0, m1 = 0, m2 = 0;  // weighted count, sum of d, sum of d^2
  int64_t updates = 0;
  bool on = false;  // confirmed: predicts significantly better than the shorter model
};

// Student-like statistic of the paired differences: mean / standard error; 0 until the candidate
// has been compared over `min_updates` bins.
double PairedT(const Candidate& c, double alpha, int64_t min_updates) {
  if (c.w <= 0 || c.updates < std::max<int64_t>(3, min_updates)) return 0;
  const double mean = c.m1 / c.w;
  const double var = std::max(0.0, c.m2 / c.w - mean * mean);
  const double n = std::min<double>(static_cast<double>(c.updates), (2 - alpha) / alpha);
  if (var <= 0) return mean < 0 ? -1e9 : (mean > 0 ? 1e9 : 0);
  return mean / std::sqrt(var / n);
}

}  // namespace

struct Detector::Impl {
  explicit Impl(const DetectorSpec& s)
      : spec(s),
        noise(s.memory_ms),
        excs(2, ExcursionChannel(s.min_duration_ms, s.memory_ms, s.usual_ms)) {
    for (int64_t span : s.level_spans_ms) levels.emplace_back(span, s.memory_ms, s.usual_ms);
  }

  DetectorPoint Next(int64_t t, double y);
  void BuildModels(int64_t step_ms);
  void CompleteSelectionBin();
  void UpdateInUse();
  bool ModelContext(size_t model, int64_t t, double y, int64_t step_ms, double noise_sigma,
                    PointContext* c) const;
  double ExcursionScore(int64_t t, double y, int64_t step_ms, double scale, DetectorPoint* out);
  std::pair<double, double> ModelWindowBand(size_t model, int64_t start, int64_t end) const;
  double DayTypeRatio(const SeasonalProfile& p, int64_t t) const;
  ChannelScore LevelScore(LevelChannel& l, int64_t t, double y, int64_t step_ms, double noise);
  double Combine(const PointContext& c, const ChannelScore& s, double scale) const;
  double Onset(int64_t t, double score);
  void Learn(int64_t t, double y, bool anomalous);
  void Save(StateWriter& w) const;
  bool Load(StateReader& r);

  const DetectorSpec& spec;
  // Clock and recent raw values.
  bool started = false;
  int64_t origin_ms = 0, last_t = 0;
  double last_y = 0;
  StepEstimator step;
  NoiseScale noise;
  std::deque<std::pair<int64_t, float>> local;  // the values of the last local_span
  mutable std::vector<double> scratch;
  std::vector<ChannelScore> level_scratch;
  std::vector<uint8_t> answer_scratch;
  // Models (built once the step is known): 0 = no seasonality (the level of the last day),
  // 1..n = candidates[0..n-1] by period.
  bool models_ready = false;
  int64_t build_step_ms = 0;  // the step the models' bins were sized for
  int64_t sel_bin_ms = kQuarterHour;
  MedianRing flat;  // the last day of selection-bin means: the level without seasonality
  std::vector<Candidate> candidates;
  std::vector<uint8_t> in_use = std::vector<uint8_t>(1, 1);  // per model
  int64_t sel_index = -1;
  double sel_sum = 0, sel_count = 0;
  // Channels: excursions (0: against the median of the last local_span, 1: against the seasonal
  // envelope), levels per span.
  std::vector<ExcursionChannel> excs;
  std::vector<LevelChannel> levels;
  bool episode_reported = false;  // the current episode (scores > 1 in a row) has a detection
  // Largest score per onset bin over the onset span (bin index, score).
  std::vector<std::pair<int64_t, float>> onset =
      std::vector<std::pair<int64_t, float>>(kOnsetBins + 1, {-1, 0.0f});
};

void Detector::Impl::BuildModels(int64_t step_ms) {
  models_ready = true;
  build_step_ms = step_ms;
  // Models are compared on the means of the shortest level span (a quarter hour without levels).
  const int64_t span = spec.level_spans_ms.empty() ? kQuarterHour
                                                   : *std::min_element(spec.level_spans_ms.begin(),
                                                                       spec.level_spans_ms.end());
  sel_bin_ms = std::max(span, step_ms);
  flat = MedianRing(static_cast<size_t>(std::max<int64_t>(1, kDay / sel_bin_ms)));
  candidates.clear();
  for (int64_t p : CandidatePeriods(spec, step_ms)) {
    const int64_t bin = ProfileBin(p, step_ms);
    const size_t bins = static_cast<size_t>((p + bin - 1) / bin);
    const int cycles = static_cast<int>(
        std::clamp<size_t>(kMaxProfileBins / bins, 2, static_cast<size_t>(spec.cycles) + 1) - 1);
    // Phases follow the clock (days from UTC midnight); a day compares weekdays with weekdays
    // and weekend days with weekend days.
    candidates.push_back({SeasonalProfile(p, bin, cycles, 0, /*day_types=*/p == kDay)});
  }
  in_use.assign(candidates.size() + 1, 0);
  in_use[0] = 1;
  // A model's usual level deviations are known once it has been scored over one of its cycles
  // (a day for the level of the last day).
  std::vector<int64_t> mature = {kDay};
  for (const Candidate& c : candidates) mature.push_back(c.profile.period_ms());
  for (LevelChannel& l : levels) l.SetModels(mature);
}

// A selection bin is complete: every candidate's prediction of its mean is compared with the next
// shorter model's (the first candidate's with the model without seasonality); a candidate is
// confirmed once it predicts better by more than two standard errors and stays confirmed until it
// no longer predicts better at all.
void Detector::Impl::CompleteSelectionBin() {
  const double observed = sel_sum / sel_count;
  const int64_t start = sel_index * sel_bin_ms, end = start + sel_bin_ms;
  if (flat.size() > 0) {
    double ref = flat.Median();
    for (Candidate& c : candidates) {
      const double e =
          c.profile.complete_cycles() > 0 ? c.profile.ExpectedWindowMean(start, end) : kNaN;
      if (std::isnan(e)) continue;
      const double window = static_cast<double>(std::max(c.profile.period_ms(), kDay));
      const double alpha = 1 - std::exp(-static_cast<double>(sel_bin_ms) / window);
      const double d = std::fabs(observed - e) - std::fabs(observed - ref);
      c.w += alpha * (1 - c.w);
      c.m1 += alpha * (d - c.m1);
      c.m2 += alpha * (d * d - c.m2);
      ++c.updates;
      // Confirmation needs a whole cycle (at least a day) of comparisons.
      const double t = PairedT(c, alpha, static_cast<int64_t>(window) / sel_bin_ms);
      if (!c.on && t < -2) c.on = true;
      if (c.on && t > 0) c.on = false;
      ref = e;
    }
  }
  flat.Push(observed);
  sel_sum = sel_count = 0;
  UpdateInUse();
}

// The models in use: every model that can answer and that no longer, confirmed candidate
// supersedes. A point is anomalous only if it is unusual for all of them.
void Detector::Impl::UpdateInUse() {
  bool superseded = false;
  for (size_t i = candidates.size(); i > 0; --i) {
    const Candidate& c = candidates[i - 1];
    in_use[i] = !superseded && c.profile.complete_cycles() > 0;
    if (c.on) superseded = true;
  }
  in_use[0] = !superseded;
}

// What model m expects of the point at t: for a candidate, its envelope (a day of a type not
// seen yet: the other days' shape at today's level); for model 0, the median of the last
// local_span. False when it cannot tell.
bool Detector::Impl::ModelContext(size_t model, int64_t t, double y, int64_t step_ms,
                                  double noise_sigma, PointContext* c) const {
  c->t_ms = t;
  c->step_ms = step_ms;
  c->y = y;
  c->noise = noise_sigma;
  if (model == 0) {
    if (local.empty()) return false;
    scratch.clear();
    for (const auto& [lt, v] : local) scratch.push_back(v);
    c->hi = c->lo = c->mean = Median(scratch);
    c->scale_hi = c->scale_lo = noise_sigma;
  } else {
    const SeasonalProfile& p = candidates[model - 1].profile;
    if (p.complete_cycles() == 0) return false;
    Expectation e = p.Expect(t);
    if (!e.ok) return false;
    if (e.other_day_type) {
      // A day of a type not seen yet has the other days' shape at a level within a factor of
      // two (kDayTypeFactor): usual is anything inside the envelope scaled by any such factor.
      e.mean *= DayTypeRatio(p, t);
      const double hi = e.hi, lo = e.lo;
      e.hi = std::max(hi * kDayTypeFactor, hi / kDayTypeFactor);
      e.lo = std::min(lo * kDayTypeFactor, lo / kDayTypeFactor);
      e.spread_hi *= kDayTypeFactor;
      e.spread_lo *= kDayTypeFactor;
    }
    c->hi = e.hi;
    c->lo = e.lo;
    c->mean = e.mean;
    c->scale_hi = std::max(noise_sigma, e.spread_hi);
    c->scale_lo = std::max(noise_sigma, e.spread_lo);
  }
  // A scale of 0 (a constant series so far) makes any change infinitely unusual; keep it finite.
  const double tiny = 1e-9 * std::max(1.0, std::fabs(c->mean));
  c->scale_hi = std::max(c->scale_hi, tiny);
  c->scale_lo = std::max(c->scale_lo, tiny);
  c->noise = std::max(c->noise, tiny);
  return true;
}

// The excursion is measured, per side, against the envelope of the candidate in use for which the
// point is least unusual in that candidate's own scale (a point is an excursion only if it is
// unusual for all of them; if none in use can answer, the longest candidate that can), or, while no
// candidate can, against the median of the last local_span; the two have their own usual excursions
// (excs[1], excs[0]). The published expectation and band come from the same envelope.
double Detector::Impl::ExcursionScore(int64_t t, double y, int64_t step_ms, double scale,
                                      DetectorPoint* out) {
  const double noise_sigma = noise.Sigma();
  PointContext c;
  bool any = false;
  for (int pass = 0; pass < 2 && !any; ++pass) {
    for (size_t m = candidates.size(); m > 0; --m) {
      if (pass == 0 && !in_use[m]) continue;
      PointContext e;
      if (!ModelContext(m, t, y, step_ms, noise_sigma, &e)) continue;
      if (!any) {
        c = e;  // the longest model's expectation
      } else {
        // Per side, the model for which y is least unusual (smallest excess in its own scale;
        // among those it is inside of, the widest envelope).
        const double up_e = std::max(0.0, y - e.hi) / e.scale_hi;
        const double up_c = std::max(0.0, y - c.hi) / c.scale_hi;
        if (up_e < up_c || (up_e == up_c && e.hi > c.hi)) {
          c.hi = e.hi;
          c.scale_hi = e.scale_hi;
        }
        const double down_e = std::max(0.0, e.lo - y) / e.scale_lo;
        const double down_c = std::max(0.0, c.lo - y) / c.scale_lo;
        if (down_e < down_c || (down_e == down_c && e.lo < c.lo)) {
          c.lo = e.lo;
          c.scale_lo = e.scale_lo;
        }
      }
      any = true;
      if (pass == 1) break;
    }
  }
  ExcursionChannel* channel = &excs[1];
  if (!any) {
    if (!ModelContext(0, t, y, step_ms, noise_sigma, &c)) return 0;
    channel = &excs[0];
  }
  const ChannelScore s = channel->Observe(c);
  out->yhat = c.mean;
  out->yhat_upper = std::max(c.hi, channel->UpperEdge(c, scale));
  out->yhat_lower = std::min(c.lo, channel->LowerEdge(c, scale));
  if (!std::isfinite(out->yhat_upper)) out->yhat_upper = c.hi;
  if (!std::isfinite(out->yhat_lower)) out->yhat_lower = c.lo;
  return Combine(c, s, scale);
}

// What model m expects of the mean over [start, end): the band from the lower to the upper median
// of its cycles' means (the flat model: one value; NaN: it cannot tell yet).
std::pair<double, double> Detector::Impl::ModelWindowBand(size_t model, int64_t start,
                                                          int64_t end) const {
  if (model == 0) {
    const double m = flat.size() > 0 ? flat.Median() : kNaN;
    return {m, m};
  }
  const SeasonalProfile& p = candidates[model - 1].profile;
  if (p.complete_cycles() == 0 || p.OtherDayType(end - 1)) return {kNaN, kNaN};
  return p.ExpectedWindowBand(start, end);
}

// A day of a type the profile has not seen yet (the first weekend) is compared by its shape: the
// profile's answers are scaled by the ratio of the last local_span's mean to what the profile
// expected of it.
double Detector::Impl::DayTypeRatio(const SeasonalProfile& p, int64_t t) const {
  if (local.empty()) return 1;
  double sum = 0;
  for (const auto& [lt, v] : local) sum += v;
  const double expected = p.ExpectedWindowMean(t - spec.local_span_ms, t + 1);
  const double r = (sum / static_cast<double>(local.size())) / expected;
  // A new day type differs in level by less than a factor of two (weekends are quieter, not
  // another series); beyond that the difference is for the channels to judge.
  return std::isfinite(r) && r > 0 ? std::clamp(r, 1 / kDayTypeFactor, kDayTypeFactor) : 1;
}

// The level score of one span: every model scores the window mean (and learns from it later);
// in each direction the score is the smallest among the models in use that can answer and have
// learnt their usual deviations (0 if none: a day of a type not seen yet has no level to be
// compared with).
ChannelScore Detector::Impl::LevelScore(LevelChannel& l, int64_t t, double y, int64_t step_ms,
                                        double noise_sigma) {
  const int64_t start = l.Add(t, y), end = t + std::max<int64_t>(step_ms, 1);
  std::vector<ChannelScore>& scores = level_scratch;
  scores.assign(in_use.size(), ChannelScore());
  std::vector<uint8_t>& answers = answer_scratch;
  answers.assign(in_use.size(), 0);
  for (size_t m = 0; m < in_use.size(); ++m) {
    const auto [lo, hi] = ModelWindowBand(m, start, end);
    answers[m] = !std::isnan(lo);
    scores[m] = l.Score(static_cast<int>(m), lo, hi, noise_sigma);
  }
  ChannelScore best;
  bool any = false;
  for (size_t m = 0; m < in_use.size(); ++m) {
    if (!in_use[m] || !answers[m] || !scores[m].valid) continue;
    if (!any || scores[m].up < best.up) {
      best.up = scores[m].up;
      best.dev_up = scores[m].dev_up;
    }
    if (!any || scores[m].down < best.down) {
      best.down = scores[m].down;
      best.dev_down = scores[m].dev_down;
    }
    any = true;
  }
  return best;
}

// The largest score (channel score / sensitivity) in the watched direction(s); a deviation below
// min_abs_dev / min_rel_dev never exceeds 1.
double Detector::Impl::Combine(const PointContext& c, const ChannelScore& s, double scale) const {
  const double min_dev = std::max(spec.min_abs_dev, spec.min_rel_dev * std::fabs(c.mean));
  auto cap = [&](double x, double dev) {
    return dev < min_dev ? std::min(x / scale, 1.0) : x / scale;
  };
  double best = 0;
  if (spec.direction != Direction::kBelow) best = std::max(best, cap(s.up, s.dev_up));
  if (spec.direction != Direction::kAbove) best = std::max(best, cap(s.down, s.dev_down));
  return best;
}

double Detector::Impl::Onset(int64_t t, double score) {
  if (spec.onset_ms == 0) return score / (1 + score);
  const int64_t bin_ms = std::max<int64_t>(1, spec.onset_ms / kOnsetBins);
  const int64_t index = t / bin_ms;
  double before = 0;
  for (const auto& [i, s] : onset) {
    if (i >= 0 && i > index - (kOnsetBins + 1)) before = std::max<double>(before, s);
  }
  auto& slot = onset[static_cast<size_t>(index % (kOnsetBins + 1))];
  if (slot.first != index) slot = {index, 0.0f};
  slot.second = std::max(slot.second, static_cast<float>(score));
  // An anomalous episode (points scoring above 1 in a row) is detected once, however much its
  // score grows: the daemon's alert is firing already.
  if (score <= 1) episode_reported = false;
  if (score <= before || episode_reported) return 0;
  if (score > 1) episode_reported = true;
  return score / (1 + score);
}

// The profiles learn every point (their medians over cycles shrug off one odd cycle); the local
// window (the recent level) only points that were not anomalous, so it does not follow an
// incident.
void Detector::Impl::Learn(int64_t t, double y, bool anomalous) {
  if (!anomalous) local.emplace_back(t, static_cast<float>(y));
  while (!local.empty() &&
         (local.front().first <= t - spec.local_span_ms || local.size() > kMaxLocalPoints)) {
    local.pop_front();
  }
  for (Candidate& c : candidates) c.profile.Add(t, y);
  if (!models_ready) return;
  const int64_t index = t / sel_bin_ms;
  if (index != sel_index && sel_count > 0) CompleteSelectionBin();
  sel_index = index;
  sel_sum += y;
  sel_count += 1;
}

DetectorPoint Detector::Impl::Next(int64_t t, double y) {
  DetectorPoint out;
  if (!std::isfinite(y) || (started && t <= last_t)) return out;
  if (!started) {
    started = true;
    origin_ms = t;
  } else {
    step.Add(t - last_t);
    if (t - last_t <= 3 * step.Step()) noise.Add(t, y - last_y);
  }
  const int64_t step_ms = step.Step();
  if (!models_ready && step.count() >= kStepsForModels) BuildModels(step_ms);
  const double scale = spec.sensitivity;
  out.y = y;
  double score = ExcursionScore(t, y, step_ms, scale, &out);
  if (models_ready) {
    PointContext c;
    c.mean = out.yhat;
    const double noise_sigma = std::max(noise.Sigma(), 1e-9 * std::max(1.0, std::fabs(out.yhat)));
    for (LevelChannel& l : levels) {
      score = std::max(score, Combine(c, LevelScore(l, t, y, step_ms, noise_sigma), scale));
    }
  }
  out.scored = true;
  out.warming_up = t - origin_ms < spec.warmup_ms;
  if (out.warming_up) score = std::min(score, 1.0);
  // Channels learn what is usual from points that are not anomalous.
  if (score <= 1) {
    for (ExcursionChannel& e : excs) e.Learn(t);
    for (LevelChannel& l : levels) l.Learn(t);
  }
  out.score = score;
  out.nab = out.warming_up ? 0 : Onset(t, score);
  Learn(t, y, score > 1);
  last_t = t;
  last_y = y;
  return out;
}

// ---- state
// ---------------------------------------------------------------------------------------

void Detector::Impl::Save(StateWriter& w) const {
  w.U32(kStateVersion);
  w.U8(started);
  w.I64(origin_ms);
  w.I64(last_t);
  w.F64(last_y);
  step.Save(w);
  noise.Save(w);
  w.U64(local.size());
  for (const auto& [t, v] : local) {
    w.I64(t);
    w.F64(v);
  }
  w.U8(models_ready);
  if (models_ready) {
    w.I64(build_step_ms);
    flat.Save(w);
    w.U64(candidates.size());
    for (const Candidate& c : candidates) {
      c.profile.Save(w);
      w.F64(c.w);
      w.F64(c.m1);
      w.F64(c.m2);
      w.I64(c.updates);
      w.U8(c.on);
    }
    for (uint8_t u : in_use) w.U8(u);
    w.I64(sel_index);
    w.F64(sel_sum);
    w.F64(sel_count);
  }
  for (const ExcursionChannel& e : excs) e.Save(w);
  for (const LevelChannel& l : levels) l.Save(w);
  for (const auto& [i, s] : onset) {
    w.I64(i);
    w.F64(s);
  }
  w.U8(episode_reported);
}

bool Detector::Impl::Load(StateReader& r) {
  uint32_t version;
  uint8_t st, ready;
  uint64_t n;
  if (!r.U32(&version) || version != kStateVersion || !r.U8(&st) || !r.I64(&origin_ms) ||
      !r.I64(&last_t) || !r.F64(&last_y) || !step.Load(r) || !noise.Load(r) || !r.U64(&n) ||
      n > kMaxLocalPoints) {
    return false;
  }
  started = st != 0;
  local.clear();
  for (uint64_t i = 0; i < n; ++i) {
    int64_t t;
    double v;
    if (!r.I64(&t) || !r.F64(&v)) return false;
    local.emplace_back(t, static_cast<float>(v));
  }
  if (!r.U8(&ready)) return false;
  if (ready) {
    int64_t built;
    if (!r.I64(&built) || built < 0 || built > kWeek) return false;
    BuildModels(built);  // the same shapes as when saved
    if (!flat.Load(r) || !r.U64(&n) || n != candidates.size()) return false;
    for (Candidate& c : candidates) {
      uint8_t on;
      if (!c.profile.Load(r) || !r.F64(&c.w) || !r.F64(&c.m1) || !r.F64(&c.m2) ||
          !r.I64(&c.updates) || !r.U8(&on)) {
        return false;
      }
      c.on = on != 0;
    }
    for (uint8_t& u : in_use) {
      if (!r.U8(&u) || u > 1) return false;
    }
    if (!r.I64(&sel_index) || !r.F64(&sel_sum) || !r.F64(&sel_count)) return false;
  }
  for (ExcursionChannel& e : excs) {
    if (!e.Load(r)) return false;
  }
  for (LevelChannel& l : levels) {
    if (!l.Load(r)) return false;
  }
  for (auto& [i, s] : onset) {
    double v;
    if (!r.I64(&i) || !r.F64(&v)) return false;
    s = static_cast<float>(v);
  }
  uint8_t reported;
  if (!r.U8(&reported)) return false;
  episode_reported = reported != 0;
  return r.done();
}

// ---- Detector
// ------------------------------------------------------------------------------------

Detector::Detector(const DetectorSpec& spec) : spec_(spec), impl_(std::make_unique<Impl>(spec_)) {}
Detector::~Detector() = default;

Result<std::unique_ptr<Detector>> Detector::Create(const DetectorSpec& spec) {
  Status st = ValidateDetectorSpec(spec);
  if (!st.ok()) return st.WithContext("detector");
  return std::unique_ptr<Detector>(new Detector(spec));
}

Result<std::unique_ptr<Detector>> Detector::Restore(const DetectorSpec& spec,
                                                    std::string_view state) {
  auto d = Create(spec);
  if (!d.ok()) return d.status();
  StateReader r(state);
  if (!(*d)->impl_->Load(r)) {
    return Status::Error("detector state: truncated, corrupted or made with another spec");
  }
  return d;
}

DetectorPoint Detector::Next(int64_t t_ms, double y) { return impl_->Next(t_ms, y); }

std::string Detector::Serialize() const {
  std::string out;
  StateWriter w(&out);
  impl_->Save(w);
  return out;
}

size_t Detector::MemoryBytes() const {
  const Impl& m = *impl_;
  size_t bytes = sizeof(*this) + sizeof(Impl) + m.noise.MemoryBytes() + m.flat.MemoryBytes() +
                 m.local.size() * 16 + m.onset.capacity() * 16;
  for (const ExcursionChannel& e : m.excs) bytes += e.MemoryBytes();
  for (const Candidate& c : m.candidates) bytes += c.profile.MemoryBytes();
  for (const LevelChannel& l : m.levels) bytes += l.MemoryBytes();
  return bytes;
}

int64_t Detector::step_ms() const { return impl_->step.Step(); }

int64_t Detector::active_period_ms() const {
  for (size_t i = impl_->candidates.size(); i > 0; --i) {
    if (impl_->in_use[i]) return impl_->candidates[i - 1].profile.period_ms();
  }
  return 0;
}

std::vector<int64_t> Detector::candidate_periods_ms() const {
  std::vector<int64_t> out;
  for (const Candidate& c : impl_->candidates) out.push_back(c.profile.period_ms());
  return out;
}

}  // namespace streamlens::analysis
