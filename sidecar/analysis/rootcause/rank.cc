#include "sidecar/analysis/rootcause/rank.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sidecar/analysis/rootcause/correlation.h"
#include "sidecar/analysis/rootcause/dtw.h"

namespace streamlens::analysis::rootcause {
namespace {

double Median(std::vector<double>& v) {
  const size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + n / 2, v.end());
  double m = v[n / 2];
  if (n % 2 == 0) {
    m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + n / 2));
  }
  return m;
}

// Per-series summary shared by target and candidates. `work` is scratch reused across series.
struct Profile {
  std::vector<double> detrended;  // length of the series
  double median_base = 0.0;
  double raw_median_base = 0.0;
  double scale = 1.0;
  double z = 0.0;
  double mean_window_raw = 0.0;
  bool has_onset = false;
  long onset = 0;  // absolute sample index
};

void BuildProfile(std::span<const double> x, const RankParams& p, std::vector<double>& work,
                  Profile* out) {
  const size_t n = x.size();
  out->detrended.assign(x.begin(), x.end());
  const size_t b0 = p.baseline_begin, b1 = p.baseline_end;
  const size_t nb = b1 - b0;
  if (p.detrend == Detrend::kLinearBaseline) {
    double st = 0, sx = 0;
    for (size_t t = b0; t < b1; ++t) {
      st += static_cast<double>(t);
      sx += x[t];
    }
    const double mt = st / static_cast<double>(nb), mx = sx / static_cast<double>(nb);
    double stt = 0, stx = 0;
    for (size_t t = b0; t < b1; ++t) {
      const double dt = static_cast<double>(t) - mt;
      stt += dt * dt;
      stx += dt * (x[t] - mx);
    }
    const double slope = stt > 0 ? stx / stt : 0.0;
    for (size_t t = 0; t < n; ++t) {
      out->detrended[t] = x[t] - slope * (static_cast<double>(t) - mt);
    }
  }
  work.assign(x.begin() + b0, x.begin() + b1);
  out->raw_median_base = Median(work);
  work.assign(out->detrended.begin() + b0, out->detrended.begin() + b1);
  const double med = Median(work);
  for (double& v : work) v = std::abs(v - med);
  const double mad = Median(work);
  out->median_base = med;
  // Floor the scale so that a flat baseline (e.g. zero ISR shrinks) still yields a finite z.
  out->scale = std::max(1.4826 * mad, 1e-6 * std::abs(med) + 1e-9);
  double sw = 0, swr = 0;
  for (size_t t = p.window_begin; t < p.window_end; ++t) {
    sw += out->detrended[t];
    swr += x[t];
  }
  const double nw = static_cast<double>(p.window_end - p.window_begin);
  out->z = (sw / nw - med) / out->scale;
  out->mean_window_raw = swr / nw;
  // Onset: first run of `onset_persistence` samples beyond the threshold on the z's side,
  // searched from one window length before the window (the detector's window is approximate).
  out->has_onset = false;
  const double sign = out->z >= 0 ? 1.0 : -1.0;
  const size_t wl = p.window_end - p.window_begin;
  const size_t s0 = std::max(p.baseline_end, p.window_begin >= wl ? p.window_begin - wl : 0);
  int run = 0;
  for (size_t t = s0; t < p.window_end; ++t) {
    if (sign * (out->detrended[t] - med) / out->scale > p.onset_threshold) {
      if (++run >= p.onset_persistence) {
        out->has_onset = true;
        out->onset = static_cast<long>(t) - (p.onset_persistence - 1);
        break;
      }
    } else {
      run = 0;
    }
  }
}

Status Validate(std::span<const double> target, std::span<const double> candidates,
                std::span<const CandidateInfo> infos, const RankParams& p) {
  const size_t n = target.size();
  if (n == 0) return Status::Error("rootcause: target series is empty");
  if (candidates.size() != infos.size() * n) {
    return Status::Error("rootcause: candidates hold " + std::to_string(candidates.size()) +
                         " values; expected " + std::to_string(infos.size()) + " series x " +
                         std::to_string(n) + " samples");
  }
  if (p.baseline_end > p.window_begin || p.baseline_begin > p.baseline_end ||
      p.window_begin > p.window_end || p.window_end > n) {
    return Status::Error(
        "rootcause: expected baseline_begin <= baseline_end <= window_begin <= window_end <= "
        "series length " +
        std::to_string(n));
  }
  if (p.baseline_end - p.baseline_begin < 8) {
    return Status::Error("rootcause: baseline needs at least 8 samples");
  }
  if (p.window_end - p.window_begin < 3) {
    return Status::Error("rootcause: window needs at least 3 samples");
  }
  if (p.max_shift < 0) return Status::Error("rootcause: max_shift must be >= 0");
  if (!(p.z_saturation > 0) || !(p.onset_threshold > 0) || p.onset_persistence < 1 ||
      !(p.precedence_decay > 0)) {
    return Status::Error(
        "rootcause: z_saturation, onset_threshold, precedence_decay must be > 0 and "
        "onset_persistence >= 1");
  }
  if (!(p.wrong_direction_factor >= 0 && p.wrong_direction_factor <= 1)) {
    return Status::Error("rootcause: wrong_direction_factor must be in [0, 1]");
  }
  for (size_t r = 0; r < infos.size(); ++r) {
    if (!(infos[r].prior > 0 && infos[r].prior <= 1)) {
      return Status::Error("rootcause: candidate '" + infos[r].name + "' prior must be in (0, 1]");
    }
  }
  auto finite = [&](std::span<const double> s, const std::string& what) -> Status {
    for (size_t t = p.baseline_begin; t < p.window_end; ++t) {
      if (!std::isfinite(s[t])) {
        return Status::Error("rootcause: " + what + " has a non-finite value at sample " +
                             std::to_string(t) + "; fill or drop gaps first");
      }
    }
    return Status::Ok();
  };
  STREAMLENS_RETURN_IF_ERROR(finite(target, "target"));
  for (size_t r = 0; r < infos.size(); ++r) {
    STREAMLENS_RETURN_IF_ERROR(
        finite(candidates.subspan(r * n, n), "candidate '" + infos[r].name + "'"));
  }
  return Status::Ok();
}

}  // namespace

const char* LayerName(Layer layer) {
  switch (layer) {
    case Layer::kApplication:
      return "application";
    case Layer::kPlatform:
      return "platform";
    case Layer::kResources:
      return "resources";
    case Layer::kData:
      return "data";
  }
  return "unknown";
}

Result<RankResult> RankCandidates(std::span<const double> target,
                                  std::span<const double> candidates,
                                  std::span<const CandidateInfo> infos, const RankParams& p) {
  STREAMLENS_RETURN_IF_ERROR(Validate(target, candidates, infos, p));
  const size_t n = target.size();
  std::vector<double> work;
  Profile tp;
  BuildProfile(target, p, work, &tp);

  RankResult result;
  result.target_change_z = tp.z;
  result.target_has_onset = tp.has_onset;
  result.target_onset = static_cast<int>(tp.onset - static_cast<long>(p.window_begin));
  const int target_dir = tp.z >= 0 ? 1 : -1;

  // Analysis span: one window length of context before the window, never into the baseline's
  // start.
  const size_t wl = p.window_end - p.window_begin;
  const size_t a0 = std::max(p.baseline_begin, p.window_begin >= wl ? p.window_begin - wl : 0);
  const size_t a1 = p.window_end;
  const size_t len = a1 - a0;
  LaggedCorrelationParams lp;
  lp.max_lag = std::min<int>(p.max_shift, static_cast<int>(len) - 3);
  lp.min_overlap = 3;
  std::vector<double> tdiff(len - 1), cdiff(len - 1), tz(len), cz(len), cneg(len), dprev(len),
      dcur(len);
  for (size_t t = a0 + 1; t < a1; ++t) tdiff[t - a0 - 1] = tp.detrended[t] - tp.detrended[t - 1];
  ZNormalize(std::span<const double>(tp.detrended).subspan(a0, len), tz);

  Profile cp;
  result.ranked.reserve(infos.size());
  for (size_t r = 0; r < infos.size(); ++r) {
    const CandidateInfo& info = infos[r];
    std::span<const double> c = candidates.subspan(r * n, n);
    BuildProfile(c, p, work, &cp);
    CandidateScore s;
    s.index = r;
    s.name = info.name;
    s.layer = info.layer;
    s.prior = info.prior;
    s.change_z = cp.z;
    s.relative_change = cp.raw_median_base != 0 ? (cp.mean_window_raw - cp.raw_median_base) /
                                                      std::abs(cp.raw_median_base)
                                                : 0.0;
    s.strength = std::abs(cp.z) / (std::abs(cp.z) + p.z_saturation);

    // Lagged correlations: x = candidate, y = target, so a positive lag means the target follows.
    std::span<const double> cspan = std::span<const double>(cp.detrended).subspan(a0, len);
    std::span<const double> tspan = std::span<const double>(tp.detrended).subspan(a0, len);
    LaggedCorrelation best;
    if (lp.max_lag >= 0) {
      Result<LaggedCorrelation> lvl = BestLaggedCorrelation(cspan, tspan, lp);
      if (lvl.ok()) best = *lvl;
      for (size_t t = a0 + 1; t < a1; ++t)
        cdiff[t - a0 - 1] = cp.detrended[t] - cp.detrended[t - 1];
      if (len - 1 >= static_cast<size_t>(lp.max_lag) + 3) {
        Result<LaggedCorrelation> dif = BestLaggedCorrelation(cdiff, tdiff, lp);
        if (dif.ok() && std::abs(dif->correlation) > std::abs(best.correlation)) best = *dif;
        // Candidate level against the target's rate of change: the relation of a rate to an
        // accumulation (input rate -> lag, which grows by input minus consumption).
        Result<LaggedCorrelation> acc = BestLaggedCorrelation(cspan.subspan(1), tdiff, lp);
        if (acc.ok() && std::abs(acc->correlation) > std::abs(best.correlation)) best = *acc;
      }
    }
    s.correlation = best.correlation;
    s.lag = best.lag;
    double sim = std::abs(best.correlation);
    if (p.use_dtw) {
      ZNormalize(cspan, cz);
      for (size_t i = 0; i < len; ++i) cneg[i] = -cz[i];
      Result<double> d1 = DtwDistance(tz, cz, p.max_shift);
      Result<double> d2 = DtwDistance(tz, cneg, p.max_shift);
      if (d1.ok() && d2.ok()) {
        const double d = std::min(*d1, *d2);
        s.dtw_similarity = std::clamp(1.0 - d / (2.0 * static_cast<double>(len)), 0.0, 1.0);
        sim = std::max(sim, s.dtw_similarity);
      }
    }
    s.similarity = sim;

    s.has_onset = cp.has_onset;
    s.onset = cp.has_onset ? static_cast<int>(cp.onset - static_cast<long>(p.window_begin)) : -1;
    if (!tp.has_onset) {
      s.precedence = 1.0;
    } else if (!cp.has_onset) {
      s.precedence = 0.5;  // no sustained change: a weak explanation at best
    } else {
      const double delay = static_cast<double>(cp.onset - tp.onset);
      s.precedence =
          delay <= p.max_shift ? 1.0 : std::exp(-(delay - p.max_shift) / p.precedence_decay);
    }

    s.direction = 1.0;
    if (p.target_bad_direction != 0 && info.bad_direction != 0 && cp.z != 0) {
      const int cand_dir = cp.z > 0 ? 1 : -1;
      const bool target_bad = target_dir == p.target_bad_direction;
      const bool cand_bad = cand_dir == info.bad_direction;
      if (target_bad != cand_bad) s.direction = p.wrong_direction_factor;
    }
    s.score = s.prior * s.strength * s.similarity * s.precedence * s.direction;
    result.ranked.push_back(std::move(s));
  }
  std::stable_sort(
      result.ranked.begin(), result.ranked.end(),
      [](const CandidateScore& a, const CandidateScore& b) { return a.score > b.score; });
  if (p.top_n > 0 && result.ranked.size() > p.top_n) result.ranked.resize(p.top_n);
  return result;
}

}  // namespace streamlens::analysis::rootcause
