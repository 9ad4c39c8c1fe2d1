// EngineConfig: what the sidecar engine runs, read from --config.file (YAML).
//
//   global:   defaults for every job (step, fit_window, fit_every, infer_every, grace_period,
//   labels) sources:  named history endpoints (remote-read or query-range) with their auth and TLS
//   jobs:     name (the `for` label), selector, schedule, transform, the analyses and their params
//
// The full reference with an example per analysis is docs/sidecar-config.md. Parsing is strict:
// an unknown key, a wrong type or a bad value is an error naming the file, line, column and key
// path ("sidecar.yaml:12:5: jobs[1].anomaly.direction: expected above, below or both, got \"up\"").
// Plain value types; the parsed config is immutable once built and is shared by the engine as a
// shared_ptr<const EngineConfig>.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::engine {

using Duration = std::chrono::milliseconds;

struct SourceConfig {
  std::string name;
  std::string type = "remote-read";  // "remote-read" | "query-range" | "victoriametrics-export"
  std::string url;                   // remote-read: full endpoint; query-range: base URL
  Duration timeout{std::chrono::seconds(60)};
  std::string basic_auth_username;
  std::string basic_auth_password_file;
  std::string bearer_token_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure_skip_verify = false;
  std::map<std::string, std::string> headers;
  Duration max_range{0};              // 0: the client's default sub-query range
  int64_t max_samples_per_query = 0;  // 0: the client's default
  // Named limits on one fetch (remote_read/fetch_limits.h): exceeding one stops the fetch with
  // an error naming it; the job keeps its previous results.
  int64_t max_series = 1'000'000;
  int64_t max_samples = 50'000'000;
  int64_t max_bytes = int64_t{1} << 30;
  Duration fetch_timeout{std::chrono::minutes(5)};
};

// Detection direction of the anomaly scorer.
enum class Direction { kBoth, kAbove, kBelow };

// The anomaly analysis: streamlens' detector (analysis/anomaly/detector.h), one per series.
struct AnomalyConfig {
  bool enabled = false;
  // Seasonal periods to consider; empty: the clock's day and week, each used while the data
  // confirm it (the default).
  std::vector<Duration> seasonal_periods;
  Direction direction = Direction::kBoth;
  double min_dev_abs = 0;  // deviations smaller than this never score above 1
  double min_dev_rel = 0;  // ... nor smaller than this fraction of |expected|
  // Anomalous (score > 1) beyond this multiple of the series' usual large deviation (0: the
  // detector's default).
  double sensitivity = 0;
  // Excursions shorter than this are blips and never anomalous.
  Duration min_duration{std::chrono::minutes(5)};
  Duration warmup{0};      // scores stay <= 1 until this much has been seen (0: the detector's 1d)
  int score_history = 60;  // points of score history kept per series for the JSON API
  // Further detector settings as "key=value,..." (detector_spec.h), applied last.
  std::string detector;
};

struct ThresholdConfig {
  double value = 0;
  std::string label;  // the `threshold` label; defaults to the value formatted as %g
  bool above = true;  // crossing means value >= threshold (false: value <= threshold)
};

struct ForecastConfig {
  bool enabled = false;
  std::string model = "auto";      // auto|ets|arima|theta|prophet|snaive
  std::vector<Duration> horizons;  // each published as horizon="1h" ...
  Duration season{0};              // 0: none
  // Further seasonal periods (e.g. 7d next to a 1d season), each a multiple of step; a period is
  // used only when the history holds at least two of it.
  std::vector<Duration> extra_seasons;
  // model auto: pooled candidates (ridge models fitted across the series of the job that are
  // refitted in the same scheduled fit cycle, sidecar/analysis/forecast/global_model.h).
  bool pooled = true;
  std::vector<double> levels{80, 95};  // interval levels; the widest is published as _lower/_upper
  std::vector<ThresholdConfig> thresholds;  // time-to-threshold and breach probability
  Duration fit_history{0};                  // history handed to the model (0: the job's fit_window)
  // The model's step: the job's grid is averaged into buckets of this size first, so a daily
  // season at 1-minute data becomes 96 points at 15m (0: 15m, or the job step if coarser).
  Duration step{0};
  // Between refits every new point updates the forecast: the deviations of this last span from
  // the fitted forecast set its level and, when significant, its trend.
  Duration update_window{std::chrono::minutes(15)};
  // What time to threshold and breach probability are predicted from: "forecast" (the updated
  // forecast, seasons included) or "trend" (the level and significant trend of update_window).
  std::string threshold_basis = "forecast";
};

struct OutliersConfig {
  bool enabled = false;
  std::string peer_label;           // members are the distinct values of this label (e.g. broker)
  std::string method = "robust_z";  // robust_z | dbscan | isolation_forest
  // Where the score is 1: a robust z (default 3.5) or an isolation-forest score (default 0.6);
  // 0: the method's default.
  double threshold = 0;
  double eps = 0;      // dbscan: neighbourhood radius on standardised vectors (0: automatic)
  int min_points = 3;  // dbscan
};

enum class Transform { kNone, kRate, kDelta };
enum class Aggregation { kNone, kSum, kMax };

// One candidate family for root-cause ranking: a selector, how to turn it into a gauge, and
// its domain description (sidecar/analysis/rootcause/rank.h CandidateInfo).
struct CandidateConfig {
  std::string name;  // prefix of the `candidate` label (default: the selector's metric name)
  std::string selector;
  Transform transform = Transform::kNone;
  Aggregation aggregation = Aggregation::kNone;  // sum/max by `by` labels
  std::vector<std::string> by;
  std::string layer = "platform";  // application | platform | resources | data
  double prior = 1.0;              // (0, 1]
  int bad_direction = 0;           // +1 increase hurts, -1 decrease hurts, 0 either
};

struct RootCauseConfig {
  bool enabled = false;
  std::vector<CandidateConfig> candidates;  // empty: the Kafka default set (kafka_candidates.h)
  std::vector<CandidateConfig> extra_candidates;  // appended to the default set
  Duration baseline{std::chrono::hours(1)};
  Duration window{std::chrono::minutes(30)};  // longest anomaly window considered
  Duration max_shift{std::chrono::minutes(5)};
  int top = 5;
  // A candidate series that carries one of these labels must have the target's value for it
  // (lag of group A is not explained by group B's consumption).
  std::vector<std::string> match_labels{"consumergroup", "topic"};
  int target_bad_direction = 1;  // +1: the target's rise is the problem; -1 its drop; 0 either
  int max_targets = 20;          // targets ranked per cycle (highest anomaly score first)
};

// Broker CPU model (sidecar/analysis/models/cpu_model.h): CPU per broker regressed on load
// features, each a counter selector turned into a per-second rate and summed per broker.
struct CpuModelConfig {
  bool enabled = false;
  std::string broker_label = "broker";
  std::string cpu = "java_lang_operatingsystem_processcpuload";
  // In cpu_model.h CpuFeature order; an empty selector leaves that feature out (column of 0).
  std::vector<std::string> features;
  double ridge_lambda = 1e-4;
  double anomaly_sigma = 3.0;
  int min_samples = 30;
};

// Consumer capacity and partition/consumer recommendations per group and topic
// (consumer_capacity.h, recommendations.h).
struct RecommendationsConfig {
  bool enabled = false;
  std::string group_label = "consumergroup";
  std::string topic_label = "topic";
  std::string committed_offset = "kafka_consumergroup_current_offset_sum";
  std::string lag = "kafka_consumergroup_lag_sum";
  std::string members = "kafka_consumergroup_members";
  std::string partitions = "kafka_topic_partitions";
  Duration lag_sla{std::chrono::minutes(5)};
  double headroom = 0.2;
  double min_lag = 1000;  // catch-up intervals: lag at least this at both ends
  int min_samples = 5;
  Duration peak_window{std::chrono::hours(24)};  // recent peak when no forecast is available
  bool forecast = true;  // forecast the input rate (ForecastConfig below) and use its peak
  std::string forecast_model = "auto";
  Duration forecast_horizon{std::chrono::hours(24)};
  Duration forecast_step{std::chrono::minutes(15)};
  Duration forecast_season{std::chrono::days(1)};  // 0: none
  int max_partitions = 10000;
};

// Placement analyses: what-if broker failure, add one broker, rebalance plan (what_if.h,
// rebalance_planner.h). Placement from kafka_topic_partition_replica_info, per-partition rates
// from the partitions' end offsets and the topics' bytes in/out.
struct PlacementConfig {
  bool broker_failure = false;  // what-if broker failure, each broker in turn
  bool add_broker = false;      // what adding one broker would do
  bool rebalance = false;       // leader/replica moves
  std::string replica_info = "kafka_topic_partition_replica_info";
  std::string broker_info = "kafka_broker_info";  // `id` label; `rack` label when present
  std::string partition_offset = "kafka_topic_partition_current_offset";
  std::string topic_bytes_in = "kafka_server_brokertopicmetrics_bytesin_total{topic!=\"\"}";
  std::string topic_bytes_out = "kafka_server_brokertopicmetrics_bytesout_total{topic!=\"\"}";
  Duration rate_window{std::chrono::minutes(10)};  // rates are averaged over this
  int default_min_isr = 1;
  std::map<std::string, int> topic_min_isr;
  // Per-topic min.insync.replicas published by streamlens-exporter (DescribeConfigs); used for
  // topics not in topic_min_isr, default_min_isr for the rest. "": not read.
  std::string min_isr_metric = "kafka_topic_config_min_insync_replicas";
  bool unclean_leader_election = false;
  int max_moves = 100;
  // Plans only from complete data (analysis/models/data_coverage.h): partition counts and
  // replica counts the coverage is measured against (empty: not used), and the share of
  // partitions that must be complete and of replica series that must be current.
  std::string topic_partitions = "kafka_topic_partitions";
  std::string partition_replicas = "kafka_topic_partition_replicas";
  double min_coverage = 0.995;
  // Load model weights when the job has no cpu_model: Cruise Control's static CPU weights
  // (0.7 leader bytes in, 0.15 leader bytes out, 0.15 replication bytes in), normalised so the
  // busiest broker's load today is 1.
  bool enabled() const { return broker_failure || add_broker || rebalance; }
};

struct JobConfig {
  std::string name;      // the `for` label
  std::string source;    // name of a SourceConfig; empty: the first source
  std::string selector;  // may be empty when only cpu_model/recommendations/placement run
  Duration step{std::chrono::minutes(1)};
  Duration fit_window{std::chrono::days(7)};
  Duration fit_every{std::chrono::hours(1)};
  Duration infer_every{std::chrono::minutes(1)};
  Duration grace_period{std::chrono::minutes(10)};
  Duration lookback{std::chrono::minutes(5)};  // a grid point takes the last sample this recent
  // The label that tells Kafka clusters apart (set by the exporter's --kafka.cluster-name or by
  // Prometheus external labels): peers are compared and cluster analyses run per value, never
  // pooling series of different clusters. Series without it form one unnamed cluster.
  std::string cluster_label = "cluster";
  // For jobs of cluster analyses only: the series whose `cluster_label` values name the clusters
  // (streamlens-exporter's kafka_brokers gauge exists once per cluster).
  std::string cluster_discovery = "kafka_brokers";
  Transform transform = Transform::kNone;
  std::map<std::string, std::string> labels;  // static labels added to every output
  int max_series = 100000;  // series beyond this are not tracked (counted as dropped)
  AnomalyConfig anomaly;
  ForecastConfig forecast;
  OutliersConfig outliers;
  RootCauseConfig rootcause;
  CpuModelConfig cpu_model;
  RecommendationsConfig recommendations;
  PlacementConfig placement;
  // True when an analysis that works on the cluster as a whole (not per series) is enabled.
  bool HasClusterAnalyses() const {
    return rootcause.enabled || cpu_model.enabled || recommendations.enabled || placement.enabled();
  }
};

struct EngineConfig {
  std::vector<SourceConfig> sources;
  std::vector<JobConfig> jobs;
  std::string origin;  // file name or "<built-in>"

  const SourceConfig* FindSource(std::string_view name) const;
};

// Parses YAML text. `origin` names the text in errors; `base_dir` resolves relative file paths.
// Jobs without a source use the first source; `default_source_url` (from --remote-read.url /
// --query-range.url), when not empty, supplies a source named "default" if the file has none.
Result<EngineConfig> ParseConfig(std::string_view yaml, const std::string& origin,
                                 const std::string& base_dir);
// Reads and parses `path`.
Result<EngineConfig> LoadConfig(const std::string& path);

// The built-in job set for streamlens-exporter's metrics (consumer lag and lag seconds, broker
// traffic, request handler idle, under-replicated partitions, CPU), reading from one source.
// `source_type` is "remote-read", "query-range" or "victoriametrics-export".
EngineConfig DefaultConfig(const std::string& source_url, const std::string& source_type);

// The CPU model's default feature selectors for streamlens-exporter's names, in
// sidecar/analysis/models/cpu_model.h CpuFeature order.
std::vector<std::string> DefaultCpuFeatures();

// Validates cross-references and values (unique job names, known sources, step <= windows...).
// ParseConfig calls it; exposed for configs built in code.
Status ValidateConfig(const EngineConfig& config);

}  // namespace streamlens::engine
