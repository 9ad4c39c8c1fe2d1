// Adapter: root-cause ranking (sidecar/analysis/rootcause/rank.h) as a cluster analysis.
//
// Each cycle, for every target of the job (a series scoring above 1, highest first), the
// analysis fetches the target and the candidates over a baseline followed by a window on the
// job's grid and ranks the candidates (RankCandidates). The window is placed on the anomaly:
// it starts half a window before the target's anomalous run began (ClusterTarget::since_ms,
// so the few minutes before detection are inside it) and lasts at most `window`, the baseline
// is the span before it; without a known start the window is the latest `window`. So an
// incident older than the window is ranked on its beginning against a baseline free of it.
// The window is then narrowed to start max_shift steps before the target's own onset (when the
// ranker found one) and ranked again, so that a 10-minute incident is not diluted by 20 normal
// minutes of a 30-minute window.
// Candidate series that carry one of `match_labels` (consumergroup, topic) must have the
// target's value for it, and the target itself is never its own candidate. Gaps up to 20% of a
// candidate's points are filled by linear interpolation; sparser candidates are left out.
//
// Outputs per target: streamlens_rootcause_score{<target labels>, for, candidate, layer} for
// the `top` candidates and a "rootcause" document with every number of the ranking and a
// one-sentence reason per candidate. A target's ranking stays published for the grace period
// after its anomaly ended, then disappears.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>

#include "common/json_writer.h"
#include "sidecar/analysis/rootcause/kafka_candidates.h"
#include "sidecar/analysis/rootcause/rank.h"
#include "sidecar/engine/cluster_analysis.h"

namespace streamlens::engine {
namespace {

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// `sum by (a, b) (rate(sel[5m]))`, `max by (a) (sel)`, `rate(sel[5m])` or a bare selector;
// anything else (ratios, nested aggregations) is not fetchable through remote read.
std::optional<CandidateConfig> FromPromQL(std::string q) {
  CandidateConfig c;
  q = Trim(q);
  static const std::regex kAgg(R"(^(sum|max) by \(([^)]*)\) \((.*)\)$)");
  static const std::regex kRate(R"(^rate\((.*)\[[0-9]+[smhd]\]\)$)");
  std::smatch m;
  if (std::regex_match(q, m, kAgg)) {
    c.aggregation = m[1] == "sum" ? Aggregation::kSum : Aggregation::kMax;
    std::string by = m[2];
    size_t pos = 0;
    while (pos <= by.size()) {
      size_t comma = by.find(',', pos);
      if (comma == std::string::npos) comma = by.size();
      std::string l = Trim(by.substr(pos, comma - pos));
      if (!l.empty()) c.by.push_back(l);
      pos = comma + 1;
    }
    q = Trim(m[3]);
  }
  if (std::regex_match(q, m, kRate)) {
    c.transform = Transform::kRate;
    q = Trim(m[1]);
  }
  if (!remote_read::ParseSelector(q).ok()) return std::nullopt;
  c.selector = q;
  return c;
}

}  // namespace

namespace rc = analysis::rootcause;

std::vector<CandidateConfig> DefaultRootCauseCandidates() {
  std::vector<CandidateConfig> out;
  for (const rc::KafkaCandidateKind& k : rc::DefaultKafkaCandidateKinds()) {
    auto c = FromPromQL(std::string(k.promql));
    if (!c) continue;
    c->name = std::string(k.key);
    c->layer = rc::LayerName(k.layer);
    c->prior = k.prior;
    c->bad_direction = k.bad_direction;
    out.push_back(std::move(*c));
  }
  return out;
}

namespace {

rc::Layer ParseLayer(const std::string& s) {
  if (s == "application") return rc::Layer::kApplication;
  if (s == "resources") return rc::Layer::kResources;
  if (s == "data") return rc::Layer::kData;
  return rc::Layer::kPlatform;
}

std::string Render(const std::string& name, const LabelPairs& labels) {
  std::string s = name + "{";
  bool first = true;
  for (const auto& [n, v] : labels) {
    if (n == "__name__") continue;
    if (!first) s += ",";
    first = false;
    s += n + "=\"" + v + "\"";
  }
  return s + "}";
}

// Fills interior NaN gaps linearly and edges with the nearest value. False when more than
// `max_missing` of the points are missing.
bool FillGaps(std::vector<double>* v, double max_missing) {
  const size_t n = v->size();
  size_t missing = 0;
  for (double x : *v) missing += std::isfinite(x) ? 0 : 1;
  if (n == 0 || missing == n ||
      static_cast<double>(missing) > max_missing * static_cast<double>(n)) {
    return false;
  }
  size_t prev = n;  // index of the previous finite value
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite((*v)[i])) continue;
    if (prev == n) {
      for (size_t k = 0; k < i; ++k) (*v)[k] = (*v)[i];
    } else if (i > prev + 1) {
      for (size_t k = prev + 1; k < i; ++k) {
        double f = static_cast<double>(k - prev) / static_cast<double>(i - prev);
        (*v)[k] = (*v)[prev] + f * ((*v)[i] - (*v)[prev]);
      }
    }
    prev = i;
  }
  for (size_t k = prev + 1; k < n; ++k) (*v)[k] = (*v)[prev];
  return true;
}

std::string Reason(const rc::CandidateScore& c, int64_t step_ms, const std::string& layer) {
  char buf[640];
  const char* dir = c.change_z >= 0 ? "rose" : "fell";
  std::string onset;
  if (c.has_onset) {
    char o[96];
    std::snprintf(o, sizeof o, "; its change started %+.0f s from the window start",
                  static_cast<double>(c.onset) * static_cast<double>(step_ms) / 1000.0);
    onset = o;
  }
  std::snprintf(buf, sizeof buf,
                "%s %s by %.3g%% against its baseline (robust z %.3g)%s; correlation %.2f with "
                "the target at lag %.0f s, DTW similarity %.2f; layer %s, prior %.2f; score "
                "%.3f = prior x strength %.2f x similarity %.2f x precedence %.2f x direction "
                "%.2f",
                c.name.c_str(), dir, 100.0 * c.relative_change, c.change_z, onset.c_str(),
                c.correlation, static_cast<double>(c.lag) * static_cast<double>(step_ms) / 1000.0,
                c.dtw_similarity, layer.c_str(), c.prior, c.score, c.strength, c.similarity,
                c.precedence, c.direction);
  return buf;
}

struct CandidateFamily {
  CandidateConfig config;
  std::vector<remote_read::Matcher> matchers;
};

class RootCauseAnalysis final : public ClusterAnalysis {
 public:
  explicit RootCauseAnalysis(std::vector<CandidateFamily> families)
      : families_(std::move(families)) {}
  std::string_view kind() const override { return "rootcause"; }
  bool RunsOnEveryShard() const override { return true; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const JobConfig& job = *in.job;
    const int64_t end = in.end_grid_ms;
    std::vector<Span> spans;
    int64_t start = end;  // of the fetch: the earliest span's
    for (const ClusterTarget& target : in.targets) {
      spans.push_back(SpanOf(job, target, end));
      start = std::min(start, spans.back().start);
    }
    Status first;
    std::vector<GridFrame> frames;  // per family, fetched once per cycle
    bool fetched = false;
    for (size_t t = 0; t < in.targets.size(); ++t) {
      const ClusterTarget& target = in.targets[t];
      if (!fetched) {
        fetched = true;
        size_t failures = 0;
        for (const auto& f : families_) {
          auto fr = in.fetcher->Fetch(f.matchers, f.config.transform, f.config.aggregation,
                                      f.config.by, start, end);
          if (!fr.ok()) {
            ++failures;
            if (first.ok()) first = fr.status().WithContext("candidate " + f.config.name);
            frames.emplace_back();
            continue;
          }
          frames.push_back(std::move(*fr));
        }
        if (failures == families_.size() && !families_.empty()) return first;
        first = Status::Ok();
      }
      const size_t offset = static_cast<size_t>((spans[t].start - start) / job.step.count());
      const size_t total = static_cast<size_t>((end - start) / job.step.count()) + 1;
      Status s = RankTarget(in, target, frames, spans[t], offset, total);
      if (!s.ok() && first.ok()) first = s;
    }
    // Publish every ranking still within the grace period.
    for (auto it = rankings_.begin(); it != rankings_.end();) {
      if (in.now_ms - it->second.ranked_ms > job.grace_period.count()) {
        it = rankings_.erase(it);
        continue;
      }
      out->samples.insert(out->samples.end(), it->second.samples.begin(), it->second.samples.end());
      out->documents.push_back(it->second.document);
      ++it;
    }
    // A failed ranking of one target does not fail the others.
    if (!first.ok() && !rankings_.empty()) return Status::Ok();
    return in.targets.empty() ? Status::Ok() : first;
  }

 private:
  // One target's baseline and window on the job's grid: n_base points from `start`, then n_win.
  struct Span {
    int64_t start = 0;
    size_t n_base = 0, n_win = 0;
  };

  static Span SpanOf(const JobConfig& job, const ClusterTarget& target, int64_t end) {
    const RootCauseConfig& cfg = job.rootcause;
    const int64_t step = job.step.count();
    Span s;
    s.n_base = static_cast<size_t>(std::max<int64_t>(8, cfg.baseline.count() / step));
    s.n_win = static_cast<size_t>(std::max<int64_t>(3, cfg.window.count() / step));
    int64_t win_begin = end - static_cast<int64_t>(s.n_win - 1) * step;
    if (target.since_ms > 0) {
      // Half a window before the run began, on the grid, leaving at least 3 window points.
      const int64_t want = target.since_ms - static_cast<int64_t>(s.n_win / 2) * step;
      const int64_t back = (end - want + step - 1) / step;  // grid steps before `end`
      win_begin = std::min(end - 2 * step, end - std::max<int64_t>(back, 0) * step);
      const int64_t points = (end - win_begin) / step + 1;
      s.n_win = static_cast<size_t>(std::min<int64_t>(points, static_cast<int64_t>(s.n_win)));
    }
    s.start = win_begin - static_cast<int64_t>(s.n_base) * step;
    return s;
  }

  struct Ranking {
    int64_t ranked_ms = 0;
    std::vector<ExtraSample> samples;
    JsonDocument document;
  };

  // The candidate series of one target: one row of `matrix` per entry of `infos`.
  struct Candidates {
    std::vector<double> matrix;
    std::vector<rc::CandidateInfo> infos;
  };

  // Ranks the candidates (rows of `frames` over `total` points, this target's span from
  // `offset`) against the target over its span.
  Status RankTarget(const ClusterInput& in, const ClusterTarget& target,
                    const std::vector<GridFrame>& frames, const Span& span, size_t offset,
                    size_t total) {
    const JobConfig& job = *in.job;
    const RootCauseConfig& cfg = job.rootcause;
    const size_t n_base = span.n_base, n = span.n_base + span.n_win;
    const int64_t last = span.start + static_cast<int64_t>(n - 1) * job.step.count();
    std::vector<remote_read::Matcher> tm;
    for (const auto& [name, value] : target.input_labels) {
      tm.push_back({remote_read::MatchType::kEqual, name, value});
    }
    auto tf = in.fetcher->Fetch(tm, job.transform, Aggregation::kNone, {}, span.start, last);
    if (!tf.ok()) return tf.status().WithContext("target " + target.key);
    if (tf->series.empty()) return Status::Error("target " + target.key + ": no data");
    std::vector<double> y = tf->series[0].values;
    if (y.size() != n || !FillGaps(&y, 0.2)) {
      return Status::Error("target " + target.key + ": too many missing points");
    }
    const Candidates cands = GatherCandidates(cfg, target, frames, offset, n, total);
    if (cands.infos.empty()) {
      return Status::Error("target " + target.key + ": no candidate series");
    }
    rc::RankParams p;
    p.baseline_begin = 0;
    p.baseline_end = n_base;
    p.window_begin = n_base;
    p.window_end = n;
    p.max_shift = static_cast<int>(cfg.max_shift.count() / job.step.count());
    p.target_bad_direction = cfg.target_bad_direction;
    auto r = rc::RankCandidates(y, cands.matrix, cands.infos, p);
    if (!r.ok()) return r.status().WithContext("target " + target.key);
    if (r->target_has_onset && r->target_onset > p.max_shift) {
      size_t begin = n_base + static_cast<size_t>(r->target_onset - p.max_shift);
      if (begin + 3 <= n) {
        p.window_begin = begin;
        auto narrowed = rc::RankCandidates(y, cands.matrix, cands.infos, p);
        if (narrowed.ok()) r = std::move(narrowed);
      }
    }
    rankings_[target.key] = RenderRanking(in, target, span.start, p, *r, cands.infos.size());
    return Status::Ok();
  }

  // The candidates of `frames` (`total` points each) that may explain `target`, as their `n`
  // points from `offset`: complete enough, not the target itself, and agreeing with it on
  // every match label the candidate carries.
  Candidates GatherCandidates(const RootCauseConfig& cfg, const ClusterTarget& target,
                              const std::vector<GridFrame>& frames, size_t offset, size_t n,
                              size_t total) const {
    std::map<std::string, std::string> tlabels(target.input_labels.begin(),
                                               target.input_labels.end());
    Candidates out;
    std::vector<double> row;
    constexpr size_t kMaxCandidates = 5000;
    for (size_t f = 0; f < families_.size() && f < frames.size(); ++f) {
      const CandidateConfig& c = families_[f].config;
      for (const GridSeries& gs : frames[f].series) {
        if (out.infos.size() >= kMaxCandidates) break;
        if (gs.values.size() != total || offset + n > total) continue;
        if (c.aggregation == Aggregation::kNone && gs.labels == target.input_labels) continue;
        bool match = true;
        for (const auto& [ln, lv] : gs.labels) {
          if (std::find(cfg.match_labels.begin(), cfg.match_labels.end(), ln) ==
              cfg.match_labels.end()) {
            continue;
          }
          auto it = tlabels.find(ln);
          if (it != tlabels.end() && it->second != lv) match = false;
        }
        if (!match) continue;
        row.assign(gs.values.begin() + static_cast<std::ptrdiff_t>(offset),
                   gs.values.begin() + static_cast<std::ptrdiff_t>(offset + n));
        if (!FillGaps(&row, 0.2)) continue;
        rc::CandidateInfo info;
        info.name = Render(c.name, gs.labels);
        info.layer = ParseLayer(c.layer);
        info.prior = c.prior;
        info.bad_direction = c.bad_direction;
        out.infos.push_back(std::move(info));
        out.matrix.insert(out.matrix.end(), row.begin(), row.end());
      }
    }
    return out;
  }

  // The ranking's document (every number and a reason per cause) and the top causes' scores.
  static Ranking RenderRanking(const ClusterInput& in, const ClusterTarget& target, int64_t start,
                               const rc::RankParams& p, const rc::RankResult& r,
                               size_t considered) {
    const JobConfig& job = *in.job;
    const int64_t step = job.step.count();
    Ranking rk;
    rk.ranked_ms = in.now_ms;
    const size_t top = std::min(r.ranked.size(), static_cast<size_t>(job.rootcause.top));
    std::string& o = rk.document.json;
    rk.document.kind = "rootcause";
    rk.document.key = target.key;
    o = "{";
    json::KeyStr(&o, "for", job.name, true);
    json::KeyStr(&o, "target", target.key);
    json::Key(&o, "labels");
    json::Labels(&o, target.output_labels);
    json::KeyNum(&o, "target_score", target.score);
    json::KeyNum(&o, "evaluated", static_cast<double>(in.now_ms) / 1000.0);
    const double t0 = static_cast<double>(start) / 1000.0;
    const double st = static_cast<double>(step) / 1000.0;
    json::KeyNum(&o, "baseline_start", t0);
    json::KeyNum(&o, "baseline_end", t0 + static_cast<double>(p.baseline_end) * st);
    json::KeyNum(&o, "window_start", t0 + static_cast<double>(p.window_begin) * st);
    json::KeyNum(&o, "window_end", t0 + static_cast<double>(p.window_end) * st);
    json::KeyNum(&o, "target_change_z", r.target_change_z);
    json::Key(&o, "target_onset");
    if (r.target_has_onset) {
      json::Num(&o, t0 + static_cast<double>(p.window_begin + r.target_onset) * st);
    } else {
      o += "null";
    }
    json::KeyNum(&o, "candidates_considered", static_cast<double>(considered));
    json::Key(&o, "causes");
    o += "[";
    for (size_t i = 0; i < top; ++i) {
      const rc::CandidateScore& c = r.ranked[i];
      const std::string layer = rc::LayerName(c.layer);
      if (i) o += ",";
      o += "{";
      json::KeyNum(&o, "rank", static_cast<double>(i + 1), true);
      json::KeyStr(&o, "candidate", c.name);
      json::KeyStr(&o, "layer", layer);
      json::KeyNum(&o, "score", c.score);
      json::KeyNum(&o, "change_z", c.change_z);
      json::KeyNum(&o, "relative_change", c.relative_change);
      json::KeyNum(&o, "correlation", c.correlation);
      json::KeyNum(&o, "lag_seconds", static_cast<double>(c.lag) * st);
      json::KeyNum(&o, "dtw_similarity", c.dtw_similarity);
      json::Key(&o, "onset");
      if (c.has_onset) {
        json::Num(&o,
                  t0 + static_cast<double>(static_cast<int64_t>(p.window_begin) + c.onset) * st);
      } else {
        o += "null";
      }
      json::KeyNum(&o, "strength", c.strength);
      json::KeyNum(&o, "similarity", c.similarity);
      json::KeyNum(&o, "precedence", c.precedence);
      json::KeyNum(&o, "direction", c.direction);
      json::KeyNum(&o, "prior", c.prior);
      json::KeyStr(&o, "reason", Reason(c, step, layer));
      o += "}";
      if (!std::isfinite(c.score)) continue;
      LabelPairs labels;
      for (const auto& [ln, lv] : target.output_labels) {
        bool reserved = ln == "candidate" || ln == "layer";
        labels.emplace_back(reserved ? "exported_" + ln : ln, lv);
      }
      labels.emplace_back("candidate", c.name);
      labels.emplace_back("for", job.name);
      labels.emplace_back("layer", layer);
      std::sort(labels.begin(), labels.end());
      rk.samples.push_back({"streamlens_rootcause_score", std::move(labels), c.score});
    }
    o += "]}";
    return rk;
  }

  std::vector<CandidateFamily> families_;
  std::map<std::string, Ranking> rankings_;  // by target key
};

}  // namespace

Result<std::unique_ptr<ClusterAnalysis>> MakeRootCauseAnalysis(const JobConfig& job) {
  const RootCauseConfig& cfg = job.rootcause;
  std::vector<CandidateConfig> list =
      cfg.candidates.empty() ? DefaultRootCauseCandidates() : cfg.candidates;
  list.insert(list.end(), cfg.extra_candidates.begin(), cfg.extra_candidates.end());
  std::vector<CandidateFamily> families;
  for (auto& c : list) {
    auto m = remote_read::ParseSelector(c.selector);
    if (!m.ok()) return m.status().WithContext("rootcause candidate " + c.name);
    families.push_back({std::move(c), std::move(*m)});
  }
  if (families.empty()) return Status::Error("rootcause: no candidates");
  if (cfg.baseline < job.step * 8) {
    return Status::Error("rootcause.baseline: must hold at least 8 steps");
  }
  if (cfg.window < job.step * 3) return Status::Error("rootcause.window: must hold 3 steps");
  return std::unique_ptr<ClusterAnalysis>(std::make_unique<RootCauseAnalysis>(std::move(families)));
}

}  // namespace streamlens::engine
