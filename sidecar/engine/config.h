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
  std::string type = "remote-read";  // "remote-read" | "query-range"
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
};

// Detection direction of the anomaly scorer.
enum class Direction { kBoth, kAbove, kBelow };

struct AnomalyConfig {
  bool enabled = false;
  std::vector<Duration> seasonal_periods;  // empty: no seasonality (trend + level only)
  Direction direction = Direction::kBoth;
  double min_dev_abs = 0;  // deviations smaller than this score 0
  double min_dev_rel = 0;  // ... or smaller than this fraction of |yhat|
  double band_sigmas = 3;  // the band yhat +- band_sigmas * robust spread; score 1 at its edge
  Duration warmup{0};      // no scores until this much history has been seen
  int persistence_k = 1;   // score > 1 needs k of the last n points above 1
  int persistence_n = 1;
  bool lag_like = false;   // recognise recurring bursts that are caught up in their usual time
  int score_history = 60;  // points of score history kept per series for the JSON API
};

struct ThresholdConfig {
  double value = 0;
  std::string label;  // the `threshold` label; defaults to the value formatted as %g
  bool above = true;  // crossing means value >= threshold (false: value <= threshold)
};

struct ForecastConfig {
  bool enabled = false;
  std::string model = "auto";          // auto|ets|arima|theta|prophet|snaive
  std::vector<Duration> horizons;      // each published as horizon="1h" ...
  Duration season{0};                  // 0: none
  std::vector<double> levels{80, 95};  // interval levels; the widest is published as _lower/_upper
  std::vector<ThresholdConfig> thresholds;  // time-to-threshold and breach probability
  Duration fit_history{0};                  // history handed to the model (0: the job's fit_window)
  // The model's step: the job's grid is averaged into buckets of this size first, so a daily
  // season at 1-minute data becomes 96 points at 15m (0: 15m, or the job step if coarser).
  Duration step{0};
};

struct OutliersConfig {
  bool enabled = false;
  std::string peer_label;           // members are the distinct values of this label (e.g. broker)
  std::string method = "robust_z";  // robust_z | dbscan
  double threshold = 3.5;           // robust z at which the score is 1
  double eps = 0;      // dbscan: neighbourhood radius on standardised vectors (0: automatic)
  int min_points = 3;  // dbscan
};

struct RootCauseConfig {
  bool enabled = false;
  std::vector<std::string> candidates;  // selectors of candidate series (empty: Kafka default set)
  Duration baseline{std::chrono::hours(1)};
  Duration max_shift{std::chrono::minutes(5)};
  int top = 5;
};

enum class Transform { kNone, kRate, kDelta };

struct JobConfig {
  std::string name;    // the `for` label
  std::string source;  // name of a SourceConfig; empty: the first source
  std::string selector;
  Duration step{std::chrono::minutes(1)};
  Duration fit_window{std::chrono::days(7)};
  Duration fit_every{std::chrono::hours(1)};
  Duration infer_every{std::chrono::minutes(1)};
  Duration grace_period{std::chrono::minutes(10)};
  Duration lookback{std::chrono::minutes(5)};  // a grid point takes the last sample this recent
  Transform transform = Transform::kNone;
  std::map<std::string, std::string> labels;  // static labels added to every output
  int max_series = 100000;  // series beyond this are not tracked (counted as dropped)
  AnomalyConfig anomaly;
  ForecastConfig forecast;
  OutliersConfig outliers;
  RootCauseConfig rootcause;
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
// `source_type` is "remote-read" or "query-range".
EngineConfig DefaultConfig(const std::string& source_url, const std::string& source_type);

// Validates cross-references and values (unique job names, known sources, step <= windows...).
// ParseConfig calls it; exposed for configs built in code.
Status ValidateConfig(const EngineConfig& config);

}  // namespace streamlens::engine
