#include "sidecar/analysis/anomaly/alert_filter.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace streamlens::analysis {

Result<Persistence> Persistence::Create(int k, int n) {
  if (k < 1 || n < k) {
    return Status::Error("persistence: need 1 <= k <= n, got k=" + std::to_string(k) +
                         " n=" + std::to_string(n));
  }
  return Persistence(k, n);
}

bool Persistence::Push(double score) {
  const uint8_t hit = score > 1.0 ? 1 : 0;
  count_ += hit - last_[pos_];
  last_[pos_] = hit;
  pos_ = (pos_ + 1) % last_.size();
  return count_ >= k_;
}

Result<RecurringBurstFilter> RecurringBurstFilter::Create(const BurstParams& p) {
  if (p.period < 2) return Status::Error("burst filter: period must be >= 2");
  if (p.phase_tolerance < 0 || p.phase_tolerance >= p.period) {
    return Status::Error("burst filter: phase_tolerance must be in [0, period)");
  }
  if (p.min_occurrences < 1 || p.memory < p.min_occurrences) {
    return Status::Error("burst filter: need 1 <= min_occurrences <= memory");
  }
  if (!(p.recovery_slack >= 1.0)) return Status::Error("burst filter: recovery_slack must be >= 1");
  return RecurringBurstFilter(p);
}

Result<RecurringBurstFilter> RecurringBurstFilter::Restore(const BurstParams& p, State state) {
  auto f = Create(p);
  if (!f.ok()) return f.status();
  if (state.t < 0) return Status::Error("burst filter state: negative clock");
  if (state.start >= state.t || state.start < -1) {
    return Status::Error("burst filter state: episode start outside [-1, clock)");
  }
  if (state.episodes.size() > static_cast<size_t>(p.memory)) {
    return Status::Error("burst filter state: more episodes than memory");
  }
  for (const Episode& e : state.episodes) {
    if (e.phase < 0 || e.phase >= p.period || e.duration < 1 || e.duration > state.t) {
      return Status::Error("burst filter state: episode phase or duration out of range");
    }
  }
  f->t_ = state.t;
  f->start_ = state.start;
  f->episodes_ = std::move(state.episodes);
  return f;
}

bool RecurringBurstFilter::Push(double score) {
  const int64_t t = t_++;
  if (!(score > 1.0)) {
    if (start_ >= 0) {
      episodes_.push_back({start_ % p_.period, t - start_});
      if (episodes_.size() > static_cast<size_t>(p_.memory)) episodes_.erase(episodes_.begin());
      start_ = -1;
    }
    return false;
  }
  if (start_ < 0) start_ = t;
  const int64_t phase = start_ % p_.period;
  int matches = 0;
  int64_t usual = 0;
  for (const Episode& e : episodes_) {
    int64_t d = std::llabs(e.phase - phase);
    d = std::min<int64_t>(d, p_.period - d);
    if (d <= p_.phase_tolerance) {
      ++matches;
      usual = std::max(usual, e.duration);
    }
  }
  if (matches < p_.min_occurrences) return true;
  const int64_t lasted = t - start_ + 1;
  return static_cast<double>(lasted) > p_.recovery_slack * static_cast<double>(usual);
}

}  // namespace streamlens::analysis
