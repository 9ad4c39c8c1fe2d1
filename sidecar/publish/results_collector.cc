#include "sidecar/publish/results_collector.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/exposition.h"

namespace streamlens::publish {
namespace {

using prometheus::MetricType;

constexpr char kAge[] = " Updated once per job cycle; may be up to one infer_every old.";

// HELP of the cluster analyses' families (docs/metrics.md).
std::string ExtraHelp(const std::string& family) {
  static const std::map<std::string, std::string> kHelp = {
      {"streamlens_rootcause_score",
       "How well the candidate's change explains the anomalous target's (labels of the target, "
       "for, candidate, layer), 0..1; see /api/v1/rootcause for the numbers."},
      {"streamlens_recommended_partitions",
       "Partitions the topic needs for the group to keep its lag under the SLA at the forecast "
       "peak input rate; see /api/v1/recommendations."},
      {"streamlens_recommended_consumers",
       "Consumers the group needs to keep its lag under the SLA at the forecast peak input "
       "rate."},
      {"streamlens_consumer_capacity_per_consumer_messages_per_second",
       "Messages per second one consumer of the group sustained while catching up."},
      {"streamlens_recommendation_required_messages_per_second",
       "Consumption rate the group needs: peak input with headroom plus draining the lag within "
       "the SLA."},
      {"streamlens_broker_cpu_model_r2", "Coefficient of determination of the broker CPU model."},
      {"streamlens_broker_cpu_model_coefficient",
       "Broker CPU ratio per unit of the load feature (per byte/s, request/s or message/s)."},
      {"streamlens_broker_cpu_model_intercept_ratio",
       "Broker CPU ratio the CPU model predicts at zero load."},
      {"streamlens_broker_cpu_model_residual_stddev_ratio",
       "Standard deviation of the CPU model's residual on its fitting data."},
      {"streamlens_broker_cpu_model_samples", "Broker x time rows the CPU model was fitted on."},
      {"streamlens_broker_cpu_predicted_ratio", "Broker CPU ratio explained by its current load."},
      {"streamlens_broker_cpu_residual_ratio",
       "Broker CPU ratio not explained by its load (observed - predicted)."},
      {"streamlens_broker_failure_offline_partitions",
       "Partitions that would have no leader if the broker failed."},
      {"streamlens_broker_failure_under_min_isr_partitions",
       "Partitions that would be online with fewer in-sync replicas than min.insync.replicas if "
       "the broker failed."},
      {"streamlens_broker_failure_peak_load_ratio",
       "Highest predicted load among the surviving brokers if the broker failed (CPU ratio with "
       "a CPU model, else relative to today's busiest broker)."},
      {"streamlens_broker_failure_data_loss_threat",
       "1 if a failure of the broker would leave some partition with one in-sync copy or less."},
      {"streamlens_broker_predicted_load_ratio", "Predicted load of the broker today."},
      {"streamlens_rebalance_proposed_moves",
       "Leader and replica moves the rebalance plan proposes; see /api/v1/rebalance/plan."},
      {"streamlens_rebalance_peak_load_before_ratio", "Peak predicted broker load today."},
      {"streamlens_rebalance_peak_load_after_ratio",
       "Peak predicted broker load after the proposed moves."},
      {"streamlens_add_broker_peak_load_ratio",
       "Peak predicted broker load after adding one broker and rebalancing onto it."},
  };
  auto it = kHelp.find(family);
  return it != kHelp.end() ? it->second : "Analysis output " + family + ".";
}

// The per-series families, in exposition order; the analysis III families follow, by name.
struct CoreFamily {
  const char* name;
  const char* help;
};
constexpr CoreFamily kCore[] = {
    {"streamlens_anomaly_score",
     "Anomaly score of the input series: 0..1 normal, above 1 anomalous."},
    {"streamlens_y", "Input value the latest anomaly score was computed for."},
    {"streamlens_yhat", "Expected value of the input series."},
    {"streamlens_yhat_lower", "Lower edge of the normal band (score 1 at the edge)."},
    {"streamlens_yhat_upper", "Upper edge of the normal band (score 1 at the edge)."},
    {"streamlens_forecast", "Point forecast of the input series at the horizon."},
    {"streamlens_forecast_lower", "Lower prediction bound (widest level) at the horizon."},
    {"streamlens_forecast_upper", "Upper prediction bound (widest level) at the horizon."},
    {"streamlens_time_to_threshold_seconds",
     "Expected seconds until the forecast crosses the threshold; absent when it does not cross "
     "within the longest horizon."},
    {"streamlens_threshold_breach_probability",
     "Probability that the series crosses the threshold within the horizon."},
    {"streamlens_threshold_breached",
     "1 while the latest observation is already beyond the threshold (the breach is happening), "
     "else 0."},
    {"streamlens_outlier_score",
     "Outlier score of a member among its peers: above 1 means outlier."},
    {"streamlens_analysis_up",
     "1 if the analysis produced results in the job's latest cycle, 0 if it could not (the "
     "reason is on /api/v1/analyses)."},
};
constexpr size_t kCoreCount = sizeof(kCore) / sizeof(kCore[0]);

// Exposition order of a family: the core families first, then the others by name.
std::pair<size_t, std::string_view> Rank(std::string_view family) {
  for (size_t i = 0; i < kCoreCount; ++i) {
    if (family == kCore[i].name) return {i, ""};
  }
  return {kCoreCount, family};
}

std::string CoreHelp(const std::string& family) {
  for (const auto& c : kCore) {
    if (family == c.name) return c.help;
  }
  return ExtraHelp(family);
}

// Adds a sample unless `value` is not finite.
void AddFinite(TextFamily& f, const engine::LabelPairs& base, TextFamily::Labels extra,
               double value) {
  if (std::isfinite(value)) f.Add(base, extra, value);
}

}  // namespace

ResultsCollector::ResultsCollector(SnapshotFn snapshot, StatusFn status, int gzip_level)
    : snapshot_(std::move(snapshot)),
      status_(std::move(status)),
      gzip_level_(gzip_level < 0   ? 0
                  : gzip_level > 9 ? 9
                                   : gzip_level) {}

void ResultsCollector::SetReloadResult(bool ok, double unix_seconds) {
  reload_ok_ = ok;
  if (ok) reload_success_ts_ = unix_seconds;
}

ResultsCollector::Piece ResultsCollector::MakePiece(std::string text) const {
  Piece p;
  if (gzip_level_ > 0) p.deflate = DeflateSegmentOf(text, gzip_level_);
  p.text = std::make_shared<const std::string>(std::move(text));
  return p;
}

ResultsCollector::JobPieces ResultsCollector::Render(
    std::shared_ptr<const engine::JobResults> job) const {
  std::vector<TextFamily> core;
  core.reserve(kCoreCount);
  for (const auto& c : kCore) core.emplace_back(c.name, "", MetricType::Gauge);
  TextFamily &score = core[0], &y = core[1], &yhat = core[2], &lo = core[3], &hi = core[4],
             &fc = core[5], &fcl = core[6], &fcu = core[7], &ttt = core[8], &bp = core[9],
             &breached = core[10], &out = core[11], &up = core[12];
  std::map<std::string, TextFamily> extra;
  const std::string& name = job->job;
  for (const auto& s : job->series) {
    if (s.has_anomaly) {
      TextFamily::Labels ex = {{"for", name}, {"model", s.anomaly_model}};
      AddFinite(score, s.labels, ex, s.anomaly.score);
      AddFinite(y, s.labels, ex, s.anomaly.y);
      AddFinite(yhat, s.labels, ex, s.anomaly.yhat);
      AddFinite(lo, s.labels, ex, s.anomaly.yhat_lower);
      AddFinite(hi, s.labels, ex, s.anomaly.yhat_upper);
    }
    if (!s.has_forecast) continue;
    const auto& f = s.forecast;
    for (const auto& h : f.horizons) {
      TextFamily::Labels ex = {{"for", name}, {"model", s.forecast_model}, {"horizon", h.horizon}};
      AddFinite(fc, s.labels, ex, h.yhat);
      AddFinite(fcl, s.labels, ex, h.yhat_lower);
      AddFinite(fcu, s.labels, ex, h.yhat_upper);
    }
    for (const auto& t : f.thresholds) {
      AddFinite(breached, s.labels,
                {{"for", name}, {"model", s.forecast_model}, {"threshold", t.threshold}},
                t.breached ? 1.0 : 0.0);
      if (t.crosses) {
        double remaining =
            t.seconds - static_cast<double>(job->evaluated_ms - f.origin_ms) / 1000.0;
        AddFinite(ttt, s.labels,
                  {{"for", name}, {"model", s.forecast_model}, {"threshold", t.threshold}},
                  remaining < 0 ? 0 : remaining);
      }
      for (size_t i = 0; i < t.probability.size() && i < f.horizons.size(); ++i) {
        AddFinite(bp, s.labels,
                  {{"for", name},
                   {"model", s.forecast_model},
                   {"threshold", t.threshold},
                   {"horizon", f.horizons[i].horizon}},
                  t.probability[i]);
      }
    }
  }
  for (const auto& o : job->outliers) AddFinite(out, o.labels, {{"for", name}}, o.score);
  for (const auto& a : job->analyses) {
    const double v = a.up ? 1.0 : 0.0;
    if (a.cluster.empty()) {
      up.Add({{"for", name}, {"analysis", a.analysis}}, v);
    } else {
      up.Add({{"for", name}, {"analysis", a.analysis}, {"cluster", a.cluster}}, v);
    }
  }
  for (const auto& e : job->extra) {
    auto it = extra.find(e.family);
    if (it == extra.end()) {
      it = extra.emplace(e.family, TextFamily(e.family, "", MetricType::Gauge)).first;
    }
    AddFinite(it->second, e.labels, {}, e.value);
  }
  JobPieces r;
  r.results = std::move(job);
  for (size_t i = 0; i < kCoreCount; ++i) {
    if (core[i].samples() > 0)
      r.families.emplace_back(kCore[i].name, MakePiece(core[i].TakeSamples()));
  }
  for (auto& [family, f] : extra) {
    if (f.samples() > 0) r.families.emplace_back(family, MakePiece(f.TakeSamples()));
  }
  return r;
}

const ResultsCollector::Piece& ResultsCollector::Header(const std::string& family) const {
  auto it = headers_.find(family);
  if (it != headers_.end()) return it->second;
  std::string text;
  TextFamily(family, CoreHelp(family), MetricType::Gauge).AppendHeader(kAge, &text);
  return headers_.emplace(family, MakePiece(std::move(text))).first->second;
}

std::vector<const ResultsCollector::Piece*> ResultsCollector::Pieces(
    const engine::ResultsSnapshot& snap) const {
  std::vector<JobPieces> next;
  next.reserve(snap.jobs.size());
  for (const auto& job : snap.jobs) {
    auto it = std::find_if(cache_.begin(), cache_.end(),
                           [&](const JobPieces& c) { return c.results == job; });
    next.push_back(it != cache_.end() ? std::move(*it) : Render(job));
  }
  cache_ = std::move(next);
  std::set<std::pair<std::pair<size_t, std::string_view>, std::string>> order;
  for (const auto& j : cache_) {
    for (const auto& [family, piece] : j.families) order.insert({Rank(family), family});
  }
  std::vector<const Piece*> pieces;
  for (const auto& [rank, family] : order) {
    pieces.push_back(&Header(family));
    for (const auto& j : cache_) {
      for (const auto& [f, piece] : j.families) {
        if (f == family) pieces.push_back(&piece);
      }
    }
  }
  return pieces;
}

SharedBody ResultsCollector::Body(bool gzip, std::string_view tail) const {
  std::shared_ptr<const engine::ResultsSnapshot> snap = snapshot_();
  std::string self = SelfMetrics();
  self.append(tail);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const Piece*> pieces = snap ? Pieces(*snap) : std::vector<const Piece*>{};
  SharedBody body;
  if (gzip && gzip_level_ > 0) {
    std::vector<const DeflateSegment*> segments;
    segments.reserve(pieces.size());
    for (const Piece* p : pieces) segments.push_back(&p->deflate);
    body.pieces = AssembleGzip(segments, self, gzip_level_);
    if (!body.pieces.empty()) {
      body.content_encoding = "gzip";
      return body;
    }
  }
  body.pieces.reserve(pieces.size() + 1);
  for (const Piece* p : pieces) body.pieces.push_back(p->text);
  body.pieces.push_back(std::make_shared<const std::string>(std::move(self)));
  return body;
}

std::string ResultsCollector::Text() const {
  SharedBody b = Body(false);
  std::string out;
  for (const auto& p : b.pieces) out.append(*p);
  return out;
}

std::string ResultsCollector::SelfMetrics() const {
  engine::EngineStatus st = status_();
  using MT = MetricType;
  TextFamily runs("streamlens_sidecar_job_runs_total", "Job cycles run.", MT::Counter);
  TextFamily fails("streamlens_sidecar_job_failures_total",
                   "Job cycles that failed (source error).", MT::Counter);
  TextFamily skipped("streamlens_sidecar_job_skipped_cycles_total",
                     "Job cycles skipped because the previous cycle was still running.",
                     MT::Counter);
  TextFamily fits("streamlens_sidecar_series_fits_total", "Per-series model fits.", MT::Counter);
  TextFamily fitf("streamlens_sidecar_series_fit_failures_total",
                  "Per-series fits that failed (too little history, constant input, ...).",
                  MT::Counter);
  TextFamily proc("streamlens_sidecar_series_processed_total", "Series fitted or updated.",
                  MT::Counter);
  TextFamily samples("streamlens_sidecar_samples_read_total", "Samples read from the source.",
                     MT::Counter);
  TextFamily dropped("streamlens_sidecar_series_dropped_total",
                     "Series dropped: gone for longer than the grace period or over max_series.",
                     MT::Counter);
  TextFamily restored("streamlens_sidecar_series_restored_total",
                      "Series states restored from --storage.path.", MT::Counter);
  TextFamily corrupt("streamlens_sidecar_state_corrupt_total",
                     "State files under --storage.path found corrupt (checksum, truncation) and "
                     "set aside as <file>.corrupt; the job refitted.",
                     MT::Counter);
  TextFamily tracked("streamlens_sidecar_job_series", "Series currently tracked by the job.",
                     MT::Gauge);
  TextFamily bytes("streamlens_sidecar_job_state_bytes",
                   "Approximate memory held by the job's per-series state.", MT::Gauge);
  TextFamily fit_s("streamlens_sidecar_job_last_fit_duration_seconds",
                   "Duration of the job's last cycle that fitted models.", MT::Gauge);
  TextFamily inf_s("streamlens_sidecar_job_last_infer_duration_seconds",
                   "Duration of the job's last incremental cycle.", MT::Gauge);
  TextFamily ok_ts("streamlens_sidecar_job_last_success_timestamp_seconds",
                   "Time of the job's last successful cycle.", MT::Gauge);
  for (const auto& j : st.jobs) {
    TextFamily::Labels l = {{"for", j.job}};
    runs.Add(l, static_cast<double>(j.runs));
    fails.Add(l, static_cast<double>(j.failures));
    skipped.Add(l, static_cast<double>(j.skipped_cycles));
    fits.Add(l, static_cast<double>(j.fits));
    fitf.Add(l, static_cast<double>(j.fit_failures));
    proc.Add(l, static_cast<double>(j.series_processed));
    samples.Add(l, static_cast<double>(j.samples_read));
    dropped.Add(l, static_cast<double>(j.series_dropped));
    restored.Add(l, static_cast<double>(j.series_restored));
    corrupt.Add(l, static_cast<double>(j.state_corrupt));
    tracked.Add(l, static_cast<double>(j.series_tracked));
    bytes.Add(l, static_cast<double>(j.state_bytes));
    if (std::isfinite(j.last_fit_seconds)) fit_s.Add(l, j.last_fit_seconds);
    if (std::isfinite(j.last_infer_seconds)) inf_s.Add(l, j.last_infer_seconds);
    if (j.last_success_unix > 0) ok_ts.Add(l, j.last_success_unix);
  }
  TextFamily up("streamlens_sidecar_source_up",
                "1 if the last request to the source succeeded, 0 if it failed.", MT::Gauge);
  for (const auto& [name, u] : st.source_up) up.Add({{"source", name}}, u ? 1 : 0);
  TextFamily reload("streamlens_sidecar_config_last_reload_successful",
                    "Whether the last configuration reload attempt was successful.", MT::Gauge);
  reload.Add({}, reload_ok_ ? 1 : 0);
  TextFamily reload_ts("streamlens_sidecar_config_last_reload_success_timestamp_seconds",
                       "Timestamp of the last successful configuration reload.", MT::Gauge);
  reload_ts.Add({}, reload_success_ts_.load());
  std::string text;
  for (TextFamily* f :
       {&runs, &fails, &skipped, &fits, &fitf, &proc, &samples, &dropped, &restored, &corrupt,
        &tracked, &bytes, &fit_s, &inf_s, &ok_ts, &up, &reload, &reload_ts}) {
    f->MoveTo("", &text);
  }
  return text;
}

}  // namespace streamlens::publish
