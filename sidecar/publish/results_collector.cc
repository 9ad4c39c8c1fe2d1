#include "sidecar/publish/results_collector.h"

#include <prometheus/text_serializer.h>

#include <cmath>
#include <map>
#include <string>

namespace streamlens::publish {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Family {
 public:
  Family(std::string name, std::string help, MetricType type = MetricType::Gauge) {
    f_.name = std::move(name);
    f_.help = std::move(help);
    f_.type = type;
  }
  // Adds a sample unless `value` is not finite.
  void Add(const engine::LabelPairs& base,
           std::initializer_list<std::pair<const char*, std::string>> extra, double value) {
    if (!std::isfinite(value)) return;
    ClientMetric m;
    m.label.reserve(base.size() + extra.size());
    for (const auto& [n, v] : base) m.label.push_back({n, v});
    for (const auto& [n, v] : extra) m.label.push_back({n, v});
    if (f_.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    f_.metric.push_back(std::move(m));
  }
  void MoveTo(std::vector<MetricFamily>* out) {
    if (!f_.metric.empty()) out->push_back(std::move(f_));
  }

 private:
  MetricFamily f_;
};

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

}  // namespace

ResultsCollector::ResultsCollector(SnapshotFn snapshot, StatusFn status)
    : snapshot_(std::move(snapshot)), status_(std::move(status)) {}

void ResultsCollector::SetReloadResult(bool ok, double unix_seconds) {
  reload_ok_ = ok;
  if (ok) reload_success_ts_ = unix_seconds;
}

std::vector<MetricFamily> ResultsCollector::Collect() const {
  std::shared_ptr<const engine::ResultsSnapshot> snap = snapshot_();
  std::string a = kAge;
  Family score("streamlens_anomaly_score",
               "Anomaly score of the input series: 0..1 normal, above 1 anomalous." + a);
  Family y("streamlens_y", "Input value the latest anomaly score was computed for." + a);
  Family yhat("streamlens_yhat", "Expected value of the input series." + a);
  Family lo("streamlens_yhat_lower", "Lower edge of the normal band (score 1 at the edge)." + a);
  Family hi("streamlens_yhat_upper", "Upper edge of the normal band (score 1 at the edge)." + a);
  Family fc("streamlens_forecast", "Point forecast of the input series at the horizon." + a);
  Family fcl("streamlens_forecast_lower",
             "Lower prediction bound (widest level) at the horizon." + a);
  Family fcu("streamlens_forecast_upper",
             "Upper prediction bound (widest level) at the horizon." + a);
  Family ttt("streamlens_time_to_threshold_seconds",
             "Expected seconds until the forecast crosses the threshold; absent when it does not "
             "cross within the longest horizon." +
                 a);
  Family bp("streamlens_threshold_breach_probability",
            "Probability that the series crosses the threshold within the horizon." + a);
  Family out("streamlens_outlier_score",
             "Outlier score of a member among its peers: above 1 means outlier." + a);
  std::map<std::string, Family> extra;
  for (const auto& job : snap->jobs) {
    for (const auto& s : job->series) {
      if (s.has_anomaly) {
        std::initializer_list<std::pair<const char*, std::string>> ex = {
            {"for", job->job}, {"model", s.anomaly_model}};
        // Keep labels sorted: base labels are sorted; for/model are appended and the
        // serializer does not require order, but promtool does not either.
        score.Add(s.labels, ex, s.anomaly.score);
        y.Add(s.labels, ex, s.anomaly.y);
        yhat.Add(s.labels, ex, s.anomaly.yhat);
        lo.Add(s.labels, ex, s.anomaly.yhat_lower);
        hi.Add(s.labels, ex, s.anomaly.yhat_upper);
      }
      if (s.has_forecast) {
        const auto& f = s.forecast;
        for (const auto& h : f.horizons) {
          std::initializer_list<std::pair<const char*, std::string>> ex = {
              {"for", job->job}, {"model", s.forecast_model}, {"horizon", h.horizon}};
          fc.Add(s.labels, ex, h.yhat);
          fcl.Add(s.labels, ex, h.yhat_lower);
          fcu.Add(s.labels, ex, h.yhat_upper);
        }
        for (const auto& t : f.thresholds) {
          if (t.crosses) {
            double remaining =
                t.seconds - static_cast<double>(job->evaluated_ms - f.origin_ms) / 1000.0;
            ttt.Add(s.labels,
                    {{"for", job->job}, {"model", s.forecast_model}, {"threshold", t.threshold}},
                    remaining < 0 ? 0 : remaining);
          }
          for (size_t i = 0; i < t.probability.size() && i < f.horizons.size(); ++i) {
            bp.Add(s.labels,
                   {{"for", job->job},
                    {"model", s.forecast_model},
                    {"threshold", t.threshold},
                    {"horizon", f.horizons[i].horizon}},
                   t.probability[i]);
          }
        }
      }
    }
    for (const auto& o : job->outliers) out.Add(o.labels, {{"for", job->job}}, o.score);
    for (const auto& e : job->extra) {
      auto it = extra.find(e.family);
      if (it == extra.end()) {
        it = extra.emplace(e.family, Family(e.family, ExtraHelp(e.family) + a)).first;
      }
      it->second.Add(e.labels, {}, e.value);
    }
  }
  std::vector<MetricFamily> families;
  for (Family* f : {&score, &y, &yhat, &lo, &hi, &fc, &fcl, &fcu, &ttt, &bp, &out}) {
    f->MoveTo(&families);
  }
  for (auto& [n, f] : extra) f.MoveTo(&families);

  // Self-metrics.
  engine::EngineStatus st = status_();
  using MT = MetricType;
  Family runs("streamlens_sidecar_job_runs_total", "Job cycles run.", MT::Counter);
  Family fails("streamlens_sidecar_job_failures_total", "Job cycles that failed (source error).",
               MT::Counter);
  Family skipped("streamlens_sidecar_job_skipped_cycles_total",
                 "Job cycles skipped because the previous cycle was still running.", MT::Counter);
  Family fits("streamlens_sidecar_series_fits_total", "Per-series model fits.", MT::Counter);
  Family fitf("streamlens_sidecar_series_fit_failures_total",
              "Per-series fits that failed (too little history, constant input, ...).",
              MT::Counter);
  Family proc("streamlens_sidecar_series_processed_total", "Series fitted or updated.",
              MT::Counter);
  Family samples("streamlens_sidecar_samples_read_total", "Samples read from the source.",
                 MT::Counter);
  Family dropped("streamlens_sidecar_series_dropped_total",
                 "Series dropped: gone for longer than the grace period or over max_series.",
                 MT::Counter);
  Family restored("streamlens_sidecar_series_restored_total",
                  "Series states restored from --storage.path.", MT::Counter);
  Family tracked("streamlens_sidecar_job_series", "Series currently tracked by the job.");
  Family bytes("streamlens_sidecar_job_state_bytes",
               "Approximate memory held by the job's per-series state.");
  Family fit_s("streamlens_sidecar_job_last_fit_duration_seconds",
               "Duration of the job's last cycle that fitted models.");
  Family inf_s("streamlens_sidecar_job_last_infer_duration_seconds",
               "Duration of the job's last incremental cycle.");
  Family ok_ts("streamlens_sidecar_job_last_success_timestamp_seconds",
               "Time of the job's last successful cycle.");
  for (const auto& j : st.jobs) {
    engine::LabelPairs l = {{"for", j.job}};
    runs.Add(l, {}, static_cast<double>(j.runs));
    fails.Add(l, {}, static_cast<double>(j.failures));
    skipped.Add(l, {}, static_cast<double>(j.skipped_cycles));
    fits.Add(l, {}, static_cast<double>(j.fits));
    fitf.Add(l, {}, static_cast<double>(j.fit_failures));
    proc.Add(l, {}, static_cast<double>(j.series_processed));
    samples.Add(l, {}, static_cast<double>(j.samples_read));
    dropped.Add(l, {}, static_cast<double>(j.series_dropped));
    restored.Add(l, {}, static_cast<double>(j.series_restored));
    tracked.Add(l, {}, static_cast<double>(j.series_tracked));
    bytes.Add(l, {}, static_cast<double>(j.state_bytes));
    fit_s.Add(l, {}, j.last_fit_seconds);
    inf_s.Add(l, {}, j.last_infer_seconds);
    if (j.last_success_unix > 0) ok_ts.Add(l, {}, j.last_success_unix);
  }
  Family up("streamlens_sidecar_source_up",
            "1 if the last request to the source succeeded, 0 if it failed.");
  for (const auto& [name, u] : st.source_up) up.Add({{"source", name}}, {}, u ? 1 : 0);
  Family reload("streamlens_sidecar_config_last_reload_successful",
                "Whether the last configuration reload attempt was successful.");
  reload.Add({}, {}, reload_ok_ ? 1 : 0);
  Family reload_ts("streamlens_sidecar_config_last_reload_success_timestamp_seconds",
                   "Timestamp of the last successful configuration reload.");
  reload_ts.Add({}, {}, reload_success_ts_.load());
  for (Family* f : {&runs, &fails, &skipped, &fits, &fitf, &proc, &samples, &dropped, &restored,
                    &tracked, &bytes, &fit_s, &inf_s, &ok_ts, &up, &reload, &reload_ts}) {
    f->MoveTo(&families);
  }
  return families;
}

std::string RenderText(const std::vector<prometheus::MetricFamily>& families) {
  prometheus::TextSerializer s;
  return s.Serialize(families);
}

}  // namespace streamlens::publish
