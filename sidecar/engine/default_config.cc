// The built-in job set for streamlens-exporter's metric names (see docs/sidecar-config.md).
#include <chrono>

#include "sidecar/engine/config.h"

namespace streamlens::engine {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

JobConfig Base(std::string name, std::string selector) {
  JobConfig j;
  j.name = std::move(name);
  j.selector = std::move(selector);
  j.step = minutes(1);
  j.fit_window = days(7);
  j.fit_every = hours(1);
  j.infer_every = minutes(1);
  j.grace_period = minutes(10);
  return j;
}

void Anomaly(JobConfig* j, Direction d) {
  j->anomaly.enabled = true;
  j->anomaly.direction = d;
}

// A forecast with the daily season and, once two weeks are stored, the weekly one (each season is
// used only when the history holds two of it: a new install starts with level and trend models).
// The window is two weeks and a day: a fit sees two whole weeks even though the newest points of
// a cycle are handed to the fitted model as updates rather than fitted.
void Forecast(JobConfig* j, std::vector<ThresholdConfig> thresholds) {
  j->forecast.enabled = true;
  j->forecast.model = "auto";
  j->forecast.horizons = {hours(1), hours(6), hours(24)};
  j->forecast.season = days(1);
  j->forecast.extra_seasons = {days(7)};
  j->forecast.step = minutes(15);
  j->forecast.thresholds = std::move(thresholds);
  // A refit re-estimates parameters and seasons; between refits every cycle updates the
  // forecast from the new points (docs/forecasting.md), and a series whose new points moved beyond
  // the forecast's own uncertainty is refitted early (an hour after its last fit, then less often
  // while refits do not cure it: drift_refits.h). Refits every
  // 15 minutes cost ~225 ms CPU per series each: 12 cores at 50,000 series
  // (bench/sidecar/RESULTS-scale.md); daily, 0.13 of a core.
  j->fit_every = days(1);
  j->fit_window = days(15);
}

// Outliers among the brokers at each moment (robust z across peers per metric).
void PeerOutliers(JobConfig* j) {
  j->outliers.enabled = true;
  j->outliers.peer_label = "broker";
}

}  // namespace

std::vector<std::string> DefaultCpuFeatures() {
  return {
      "kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}",
      "kafka_server_brokertopicmetrics_bytesout_total{topic=\"\"}",
      "kafka_server_brokertopicmetrics_replicationbytesin_total{topic=\"\"}",
      "kafka_network_requestmetrics_requests_total{request=\"Produce\"}",
      "kafka_network_requestmetrics_requests_total{request=~\"FetchConsumer|FetchFollower\"}",
      "kafka_server_brokertopicmetrics_messagesin_total{topic=\"\"}",
  };
}

EngineConfig DefaultConfig(const std::string& source_url, const std::string& source_type) {
  EngineConfig c;
  c.origin = "<built-in default jobs>";
  SourceConfig s;
  s.name = "default";
  s.type = source_type;
  s.url = source_url;
  c.sources.push_back(s);

  // Consumer lag per group and topic: anomalies (the detector's seasonal envelope knows the usual
  // daily burst, and excursions shorter than two minutes are blips) and a forecast.
  JobConfig lag = Base("consumer_lag", "kafka_consumergroup_lag_sum");
  Anomaly(&lag, Direction::kAbove);
  lag.anomaly.min_dev_abs = 100;
  Forecast(&lag, {});
  // While a group's lag is anomalous, rank the Kafka default candidates (kafka_candidates.h).
  lag.rootcause.enabled = true;
  c.jobs.push_back(lag);

  // Lag in seconds (streamlens-exporter's per-topic maximum): forecast against the usual SLAs.
  JobConfig lag_s = Base("consumer_lag_seconds", "streamlens_consumergroup_max_lag_seconds");
  Anomaly(&lag_s, Direction::kAbove);
  lag_s.anomaly.min_dev_abs = 5;
  Forecast(&lag_s, {{60, "60"}, {180, "180"}, {600, "600"}});
  // Will the lag SLA be missed at the current rate? The usual daily burst is known to its owners
  // and its timing varies by more than the minutes that matter here.
  lag_s.forecast.threshold_basis = "trend";
  c.jobs.push_back(lag_s);

  // Broker traffic: bytes in and out per broker (counters, as rates), daily seasonality.
  JobConfig bytes_in = Base("broker_bytes_in", "kafka_server_brokertopicmetrics_bytesin_total");
  bytes_in.transform = Transform::kRate;
  Anomaly(&bytes_in, Direction::kBoth);
  Forecast(&bytes_in, {});
  c.jobs.push_back(bytes_in);
  JobConfig bytes_out = Base("broker_bytes_out", "kafka_server_brokertopicmetrics_bytesout_total");
  bytes_out.transform = Transform::kRate;
  Anomaly(&bytes_out, Direction::kBoth);
  c.jobs.push_back(bytes_out);

  // Peer outliers among brokers, the first question of an incident ("is one broker different?"):
  // traffic (bytes in and out, messages in; counters as rates) and state (request handler idle,
  // partitions and leaders held).
  JobConfig traffic_peers =
      Base("broker_traffic_peers",
           "{__name__=~\"kafka_server_brokertopicmetrics_(bytesin|bytesout|messagesin)_total\","
           "topic=\"\"}");
  traffic_peers.transform = Transform::kRate;
  PeerOutliers(&traffic_peers);
  c.jobs.push_back(traffic_peers);
  JobConfig state_peers =
      Base("broker_state_peers",
           "{__name__=~\"kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_"
           "oneminuterate|kafka_server_replicamanager_(partitioncount|leadercount)\"}");
  PeerOutliers(&state_peers);
  c.jobs.push_back(state_peers);

  // Request handler idle ratio: a saturating broker shows a drop.
  JobConfig idle =
      Base("request_handler_idle",
           "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate");
  Anomaly(&idle, Direction::kBelow);
  idle.anomaly.min_dev_abs = 0.05;
  c.jobs.push_back(idle);

  // Under-replicated partitions per broker: any sustained rise is worth a look.
  JobConfig urp = Base("under_replicated", "kafka_server_replicamanager_underreplicatedpartitions");
  urp.anomaly.enabled = true;
  urp.anomaly.direction = Direction::kAbove;
  urp.anomaly.min_dev_abs = 1;
  c.jobs.push_back(urp);

  // Broker CPU (JVM process CPU of the broker) with a forecast for capacity planning.
  JobConfig cpu = Base("broker_cpu", "java_lang_operatingsystem_processcpuload");
  Anomaly(&cpu, Direction::kAbove);
  cpu.anomaly.min_dev_abs = 0.05;
  Forecast(&cpu, {{0.8, "0.8"}});
  c.jobs.push_back(cpu);

  // Disk: the share of each broker's log directories in use (recording rule over the Log Size
  // MBeans and the operator's capacity series), forecast to the fill thresholds.
  JobConfig disk = Base("broker_disk_usage", "broker:kafka_log_dir_fill:ratio");
  Forecast(&disk, {{0.8, "0.8"}, {0.9, "0.9"}});
  c.jobs.push_back(disk);

  // Whole-cluster models: the broker CPU model (refitted hourly on 7 days) and, with its
  // weights as the load model, what-if broker failure / add broker and the rebalance plan from
  // the replica placement.
  JobConfig cluster = Base("kafka_cluster", "");
  cluster.infer_every = minutes(2);
  cluster.cpu_model.enabled = true;
  cluster.cpu_model.features = DefaultCpuFeatures();
  cluster.placement.broker_failure = true;
  cluster.placement.add_broker = true;
  cluster.placement.rebalance = true;
  c.jobs.push_back(cluster);

  // Consumer capacity per group and topic, and the partitions/consumers each group needs for a
  // 5-minute lag SLA at the forecast peak input rate.
  JobConfig capacity = Base("consumer_capacity", "");
  capacity.infer_every = minutes(5);
  // A refit learns capacities from a week of catch-up periods and forecasts each group's input
  // rate (~0.06 s CPU per group/topic with auto): hourly, 25,000 pairs would take 0.4 of a core;
  // daily, 0.02 of one (bench/sidecar/RESULTS-scale.md). Every cycle reads the current lag,
  // members and partitions.
  capacity.fit_every = days(1);
  capacity.recommendations.enabled = true;
  c.jobs.push_back(capacity);

  for (auto& j : c.jobs) j.source = "default";
  return c;
}

}  // namespace streamlens::engine
