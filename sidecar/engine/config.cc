#include "sidecar/engine/config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "common/flags.h"
#include "common/yaml_keys.h"
#include "sidecar/analysis/anomaly/detector_spec.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {
namespace {

// Thrown inside the parser only, turned into a Status at the boundary (ParseConfig).
struct ConfigError {
  std::string message;
};

class Parser {
 public:
  Parser(std::string origin, std::string base_dir)
      : origin_(std::move(origin)), base_dir_(std::move(base_dir)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& path,
                         const std::string& what) const {
    std::string where = origin_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      where +=
          ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    throw ConfigError{where + ": " + (path.empty() ? std::string("<top>") : path) + ": " + what};
  }

  // Rejects keys not in `allowed` (common/yaml_keys.h).
  void CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<std::string_view> allowed) const {
    Status s = CheckYamlKeys(map, origin_, path, allowed);
    if (!s.ok()) throw ConfigError{s.message()};
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string Str(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) Fail(n, path, "expected a string");
    return n.Scalar();
  }
  bool Bool(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      if (s == "true") return true;
      if (s == "false") return false;
    }
    Fail(n, path, "expected true or false");
  }
  double Double(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(v)) return v;
    }
    Fail(n, path, "expected a finite number, got \"" + (n.IsScalar() ? n.Scalar() : "") + "\"");
  }
  int64_t Int(const YAML::Node& n, const std::string& path, int64_t min, int64_t max) const {
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && end == s.c_str() + s.size()) {
        if (v < min || v > max) {
          Fail(n, path,
               "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                   "], got " + s);
        }
        return v;
      }
    }
    Fail(n, path, "expected an integer, got \"" + (n.IsScalar() ? n.Scalar() : "") + "\"");
  }
  Duration Dur(const YAML::Node& n, const std::string& path, bool allow_zero = false) const {
    if (!n.IsScalar()) Fail(n, path, "expected a duration like 30s, 5m, 1h, 7d");
    auto d = ParseDuration(n.Scalar());
    if (!d.ok()) Fail(n, path, d.status().message());
    if (!allow_zero && d->count() <= 0) Fail(n, path, "expected a positive duration");
    return *d;
  }
  std::vector<Duration> DurList(const YAML::Node& n, const std::string& path) const {
    std::vector<Duration> out;
    if (n.IsScalar()) {
      out.push_back(Dur(n, path));
      return out;
    }
    if (!n.IsSequence()) Fail(n, path, "expected a list of durations");
    for (size_t i = 0; i < n.size(); ++i) {
      out.push_back(Dur(n[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
  std::map<std::string, std::string> StrMap(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) Fail(n, path, "expected a mapping of strings");
    std::map<std::string, std::string> out;
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      out[key] = Str(kv.second, Join(path, key));
    }
    return out;
  }
  std::string File(const YAML::Node& n, const std::string& path) const {
    std::string f = Str(n, path);
    if (!f.empty() && f[0] != '/' && !base_dir_.empty()) f = base_dir_ + "/" + f;
    return f;
  }
  void Labels(const YAML::Node& n, const std::string& path,
              std::map<std::string, std::string>* out) const {
    for (auto& [k, v] : StrMap(n, path)) {
      if (!ValidLabelName(k)) {
        Fail(n, Join(path, k), "invalid label name (expected [a-zA-Z_][a-zA-Z0-9_]*)");
      }
      if (k == "for" || k == "model" || k == "horizon" || k == "threshold") {
        Fail(n, Join(path, k), "label name is reserved for the sidecar's outputs");
      }
      (*out)[k] = v;
    }
  }
  static bool ValidLabelName(const std::string& k) {
    if (k.empty() || k.rfind("__", 0) == 0) return false;
    for (size_t i = 0; i < k.size(); ++i) {
      char c = k[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                (i > 0 && c >= '0' && c <= '9');
      if (!ok) return false;
    }
    return true;
  }

  SourceConfig Source(const YAML::Node& n, const std::string& path) const {
    CheckKeys(n, path,
              {"name", "type", "url", "timeout", "basic_auth", "bearer_token_file", "tls_config",
               "headers", "max_range", "max_samples_per_query", "max_series", "max_samples",
               "max_bytes", "fetch_timeout"});
    SourceConfig s;
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string p = Join(path, key);
      const YAML::Node& v = kv.second;
      if (key == "name") s.name = Str(v, p);
      if (key == "type") {
        s.type = Str(v, p);
        if (s.type != "remote-read" && s.type != "query-range" &&
            s.type != "victoriametrics-export") {
          Fail(v, p,
               "expected remote-read, query-range or victoriametrics-export, got \"" + s.type +
                   "\"");
        }
      }
      if (key == "url") s.url = Str(v, p);
      if (key == "timeout") s.timeout = Dur(v, p);
      if (key == "basic_auth") {
        CheckKeys(v, p, {"username", "password_file"});
        if (v["username"]) s.basic_auth_username = Str(v["username"], Join(p, "username"));
        if (v["password_file"]) {
          s.basic_auth_password_file = File(v["password_file"], Join(p, "password_file"));
        }
      }
      if (key == "bearer_token_file") s.bearer_token_file = File(v, p);
      if (key == "tls_config") {
        CheckKeys(v, p, {"ca_file", "cert_file", "key_file", "insecure_skip_verify"});
        if (v["ca_file"]) s.tls_ca_file = File(v["ca_file"], Join(p, "ca_file"));
        if (v["cert_file"]) s.tls_cert_file = File(v["cert_file"], Join(p, "cert_file"));
        if (v["key_file"]) s.tls_key_file = File(v["key_file"], Join(p, "key_file"));
        if (v["insecure_skip_verify"]) {
          s.tls_insecure_skip_verify =
              Bool(v["insecure_skip_verify"], Join(p, "insecure_skip_verify"));
        }
      }
      if (key == "headers") s.headers = StrMap(v, p);
      if (key == "max_range") s.max_range = Dur(v, p);
      if (key == "max_samples_per_query") {
        s.max_samples_per_query = Int(v, p, 1000, int64_t{1} << 40);
      }
      if (key == "max_series") s.max_series = Int(v, p, 1, int64_t{1} << 32);
      if (key == "max_samples") s.max_samples = Int(v, p, 1, int64_t{1} << 40);
      if (key == "max_bytes") s.max_bytes = Int(v, p, 1024, int64_t{1} << 50);
      if (key == "fetch_timeout") s.fetch_timeout = Dur(v, p);
    }
    if (s.url.empty()) Fail(n, Join(path, "url"), "missing (the source's endpoint URL)");
    if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0) {
      Fail(n["url"], Join(path, "url"),
           "expected an http:// or https:// URL, got \"" + s.url + "\"");
    }
    if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
      Fail(n, Join(path, "tls_config"), "cert_file and key_file must be given together");
    }
    return s;
  }

  void Anomaly(const YAML::Node& n, const std::string& p, AnomalyConfig* a) const {
    a->enabled = true;
    if (n.IsNull()) return;
    for (const char* gone : {"band_sigmas", "persistence", "lag_like", "likelihood"}) {
      if (n.IsMap() && n[gone]) {
        Fail(n[gone], Join(p, gone),
             "was removed: the detector measures deviations against the series' own usual "
             "deviations (sensitivity), ignores excursions shorter than min_duration and knows "
             "usual bursts from its seasonal envelope (docs/anomaly-detection.md)");
      }
    }
    CheckKeys(n, p,
              {"enabled", "seasonal_periods", "period", "direction", "min_dev_abs", "min_dev_rel",
               "sensitivity", "min_duration", "warmup", "score_history", "detector"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "enabled") a->enabled = Bool(v, q);
      if (key == "seasonal_periods" || key == "period") a->seasonal_periods = DurList(v, q);
      if (key == "direction") {
        std::string d = Str(v, q);
        if (d == "both") {
          a->direction = Direction::kBoth;
        } else if (d == "above") {
          a->direction = Direction::kAbove;
        } else if (d == "below") {
          a->direction = Direction::kBelow;
        } else {
          Fail(v, q, "expected above, below or both, got \"" + d + "\"");
        }
      }
      if (key == "min_dev_abs") a->min_dev_abs = Double(v, q);
      if (key == "min_dev_rel") a->min_dev_rel = Double(v, q);
      if (key == "sensitivity") {
        a->sensitivity = Double(v, q);
        if (a->sensitivity <= 0) Fail(v, q, "expected a positive number");
      }
      if (key == "min_duration") a->min_duration = Dur(v, q, true);
      if (key == "warmup") a->warmup = Dur(v, q, true);
      if (key == "score_history") a->score_history = static_cast<int>(Int(v, q, 0, 10000));
      if (key == "detector") {
        a->detector = Str(v, q);
        if (auto spec = analysis::ParseDetectorSpec(a->detector); !spec.ok()) {
          Fail(v, q, spec.status().message());
        }
      }
    }
    if (a->min_dev_abs < 0 || a->min_dev_rel < 0) Fail(n, p, "min_dev_* must be >= 0");
  }

  void Forecast(const YAML::Node& n, const std::string& p, ForecastConfig* f) const {
    f->enabled = true;
    if (!n.IsNull()) {
      CheckKeys(n, p,
                {"enabled", "model", "horizons", "season", "extra_seasons", "pooled", "levels",
                 "thresholds", "fit_history", "step", "update_window", "threshold_basis"});
      for (const auto& kv : n) {
        std::string key = kv.first.Scalar();
        std::string q = Join(p, key);
        const YAML::Node& v = kv.second;
        if (key == "enabled") f->enabled = Bool(v, q);
        if (key == "model") {
          f->model = Str(v, q);
          static const std::set<std::string> kModels = {"auto",  "ets",     "arima",
                                                        "theta", "prophet", "snaive"};
          if (!kModels.count(f->model)) {
            Fail(v, q,
                 "expected auto, ets, arima, theta, prophet or snaive, got \"" + f->model + "\"");
          }
        }
        if (key == "horizons") f->horizons = DurList(v, q);
        if (key == "season") f->season = Dur(v, q, true);
        if (key == "extra_seasons") f->extra_seasons = DurList(v, q);
        if (key == "pooled") f->pooled = Bool(v, q);
        if (key == "fit_history") f->fit_history = Dur(v, q);
        if (key == "step") f->step = Dur(v, q);
        if (key == "update_window") f->update_window = Dur(v, q);
        if (key == "threshold_basis") {
          f->threshold_basis = Str(v, q);
          if (f->threshold_basis != "forecast" && f->threshold_basis != "trend") {
            Fail(v, q, "expected forecast or trend, got \"" + f->threshold_basis + "\"");
          }
        }
        if (key == "levels") {
          if (!v.IsSequence()) Fail(v, q, "expected a list of percentages like [80, 95]");
          f->levels.clear();
          for (size_t i = 0; i < v.size(); ++i) {
            double l = Double(v[i], q + "[" + std::to_string(i) + "]");
            if (l <= 0 || l >= 100) Fail(v[i], q, "expected a level in (0, 100)");
            f->levels.push_back(l);
          }
        }
        if (key == "thresholds") {
          if (!v.IsSequence()) Fail(v, q, "expected a list of thresholds");
          for (size_t i = 0; i < v.size(); ++i) {
            std::string r = q + "[" + std::to_string(i) + "]";
            ThresholdConfig t;
            if (v[i].IsScalar()) {
              t.value = Double(v[i], r);
            } else {
              CheckKeys(v[i], r, {"value", "label", "direction"});
              if (!v[i]["value"]) Fail(v[i], Join(r, "value"), "missing");
              t.value = Double(v[i]["value"], Join(r, "value"));
              if (v[i]["label"]) t.label = Str(v[i]["label"], Join(r, "label"));
              if (v[i]["direction"]) {
                std::string d = Str(v[i]["direction"], Join(r, "direction"));
                if (d != "above" && d != "below") {
                  Fail(v[i]["direction"], Join(r, "direction"),
                       "expected above or below, got \"" + d + "\"");
                }
                t.above = d == "above";
              }
            }
            if (t.label.empty()) {
              char buf[64];
              std::snprintf(buf, sizeof buf, "%g", t.value);
              t.label = buf;
            }
            f->thresholds.push_back(t);
          }
        }
      }
    }
    if (f->enabled && f->horizons.empty()) {
      f->horizons = {std::chrono::hours(1), std::chrono::hours(6), std::chrono::hours(24)};
    }
  }

  void Outliers(const YAML::Node& n, const std::string& p, OutliersConfig* o) const {
    o->enabled = true;
    CheckKeys(n, p, {"enabled", "peer_label", "method", "threshold", "eps", "min_points"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "enabled") o->enabled = Bool(v, q);
      if (key == "peer_label") o->peer_label = Str(v, q);
      if (key == "method") {
        o->method = Str(v, q);
        if (o->method != "robust_z" && o->method != "dbscan" && o->method != "isolation_forest") {
          Fail(v, q, "expected robust_z, dbscan or isolation_forest, got \"" + o->method + "\"");
        }
      }
      if (key == "threshold") {
        o->threshold = Double(v, q);
        if (o->threshold <= 0) Fail(v, q, "expected a positive number");
      }
      if (key == "eps") o->eps = Double(v, q);
      if (key == "min_points") o->min_points = static_cast<int>(Int(v, q, 1, 1000));
    }
    if (o->enabled && o->peer_label.empty()) {
      Fail(n, Join(p, "peer_label"), "missing (the label whose values are the peers, e.g. broker)");
    }
  }

  Transform ParseTransform(const YAML::Node& v, const std::string& q) const {
    std::string t = Str(v, q);
    if (t == "none") return Transform::kNone;
    if (t == "rate") return Transform::kRate;
    if (t == "delta") return Transform::kDelta;
    Fail(v, q, "expected none, rate or delta, got \"" + t + "\"");
  }
  std::vector<std::string> StrList(const YAML::Node& v, const std::string& q) const {
    std::vector<std::string> out;
    if (v.IsScalar()) {
      out.push_back(Str(v, q));
      return out;
    }
    if (!v.IsSequence()) Fail(v, q, "expected a list of strings");
    for (size_t i = 0; i < v.size(); ++i)
      out.push_back(Str(v[i], q + "[" + std::to_string(i) + "]"));
    return out;
  }
  std::string Selector(const YAML::Node& v, const std::string& q, bool allow_empty) const {
    std::string sel = Str(v, q);
    if (sel.empty() && allow_empty) return sel;
    if (auto m = remote_read::ParseSelector(sel); !m.ok()) Fail(v, q, m.status().message());
    return sel;
  }

  CandidateConfig Candidate(const YAML::Node& n, const std::string& p) const {
    CandidateConfig c;
    if (n.IsScalar()) {
      c.selector = Selector(n, p, false);
    } else {
      CheckKeys(
          n, p,
          {"name", "selector", "transform", "sum_by", "max_by", "layer", "prior", "bad_direction"});
      for (const auto& kv : n) {
        std::string key = kv.first.Scalar();
        std::string q = Join(p, key);
        const YAML::Node& v = kv.second;
        if (key == "name") c.name = Str(v, q);
        if (key == "selector") c.selector = Selector(v, q, false);
        if (key == "transform") c.transform = ParseTransform(v, q);
        if (key == "sum_by" || key == "max_by") {
          if (c.aggregation != Aggregation::kNone) Fail(v, q, "give sum_by or max_by, not both");
          c.aggregation = key == "sum_by" ? Aggregation::kSum : Aggregation::kMax;
          c.by = StrList(v, q);
        }
        if (key == "layer") {
          c.layer = Str(v, q);
          if (c.layer != "application" && c.layer != "platform" && c.layer != "resources" &&
              c.layer != "data") {
            Fail(v, q,
                 "expected application, platform, resources or data, got \"" + c.layer + "\"");
          }
        }
        if (key == "prior") {
          c.prior = Double(v, q);
          if (!(c.prior > 0 && c.prior <= 1)) Fail(v, q, "expected a number in (0, 1]");
        }
        if (key == "bad_direction") c.bad_direction = Direction3(v, q);
      }
      if (c.selector.empty()) Fail(n, Join(p, "selector"), "missing (a PromQL series selector)");
    }
    if (c.name.empty()) {
      auto m = remote_read::ParseSelector(c.selector);
      if (m.ok()) {
        for (const auto& x : *m) {
          if (x.name == "__name__" && x.type == remote_read::MatchType::kEqual) c.name = x.value;
        }
      }
      if (c.name.empty()) c.name = c.selector;
    }
    return c;
  }
  // "up" (+1), "down" (-1) or "either" (0).
  int Direction3(const YAML::Node& v, const std::string& q) const {
    std::string d = Str(v, q);
    if (d == "up") return 1;
    if (d == "down") return -1;
    if (d == "either") return 0;
    Fail(v, q, "expected up, down or either, got \"" + d + "\"");
  }

  void RootCause(const YAML::Node& n, const std::string& p, RootCauseConfig* r) const {
    r->enabled = true;
    if (n.IsNull()) return;
    CheckKeys(n, p,
              {"enabled", "candidates", "extra_candidates", "baseline", "window", "max_shift",
               "top", "match_labels", "target_direction", "max_targets"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "enabled") r->enabled = Bool(v, q);
      if (key == "candidates" || key == "extra_candidates") {
        if (!v.IsSequence()) Fail(v, q, "expected a list of selectors or candidate mappings");
        auto* list = key == "candidates" ? &r->candidates : &r->extra_candidates;
        for (size_t i = 0; i < v.size(); ++i) {
          list->push_back(Candidate(v[i], q + "[" + std::to_string(i) + "]"));
        }
      }
      if (key == "baseline") r->baseline = Dur(v, q);
      if (key == "window") r->window = Dur(v, q);
      if (key == "max_shift") r->max_shift = Dur(v, q, true);
      if (key == "top") r->top = static_cast<int>(Int(v, q, 1, 1000));
      if (key == "match_labels") r->match_labels = StrList(v, q);
      if (key == "target_direction") r->target_bad_direction = Direction3(v, q);
      if (key == "max_targets") r->max_targets = static_cast<int>(Int(v, q, 1, 10000));
    }
  }

  void CpuModel(const YAML::Node& n, const std::string& p, CpuModelConfig* c) const {
    c->enabled = true;
    if (n.IsNull()) return;
    CheckKeys(n, p,
              {"enabled", "broker_label", "cpu", "features", "ridge_lambda", "anomaly_sigma",
               "min_samples"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "enabled") c->enabled = Bool(v, q);
      if (key == "broker_label") c->broker_label = Str(v, q);
      if (key == "cpu") c->cpu = Selector(v, q, false);
      if (key == "features") {
        CheckKeys(v, q,
                  {"leader_bytes_in", "leader_bytes_out", "replication_bytes_in",
                   "produce_requests", "fetch_requests", "messages_in"});
        static const char* kNames[] = {"leader_bytes_in",      "leader_bytes_out",
                                       "replication_bytes_in", "produce_requests",
                                       "fetch_requests",       "messages_in"};
        c->features = DefaultCpuFeatures();
        for (int i = 0; i < 6; ++i) {
          if (v[kNames[i]]) c->features[i] = Selector(v[kNames[i]], Join(q, kNames[i]), true);
        }
      }
      if (key == "ridge_lambda") {
        c->ridge_lambda = Double(v, q);
        if (c->ridge_lambda < 0) Fail(v, q, "expected a number >= 0");
      }
      if (key == "anomaly_sigma") {
        c->anomaly_sigma = Double(v, q);
        if (c->anomaly_sigma <= 0) Fail(v, q, "expected a positive number");
      }
      if (key == "min_samples") c->min_samples = static_cast<int>(Int(v, q, 8, 100000000));
    }
  }

  void Recommendations(const YAML::Node& n, const std::string& p, RecommendationsConfig* r) const {
    r->enabled = true;
    if (n.IsNull()) return;
    CheckKeys(n, p,
              {"enabled", "group_label", "topic_label", "committed_offset", "lag", "members",
               "partitions", "lag_sla", "headroom", "min_lag", "min_samples", "peak_window",
               "forecast", "max_partitions"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "enabled") r->enabled = Bool(v, q);
      if (key == "group_label") r->group_label = Str(v, q);
      if (key == "topic_label") r->topic_label = Str(v, q);
      if (key == "committed_offset") r->committed_offset = Selector(v, q, false);
      if (key == "lag") r->lag = Selector(v, q, false);
      if (key == "members") r->members = Selector(v, q, false);
      if (key == "partitions") r->partitions = Selector(v, q, false);
      if (key == "lag_sla") r->lag_sla = Dur(v, q);
      if (key == "headroom") {
        r->headroom = Double(v, q);
        if (r->headroom < 0) Fail(v, q, "expected a number >= 0");
      }
      if (key == "min_lag") {
        r->min_lag = Double(v, q);
        if (r->min_lag <= 0) Fail(v, q, "expected a positive number");
      }
      if (key == "min_samples") r->min_samples = static_cast<int>(Int(v, q, 1, 1000000));
      if (key == "peak_window") r->peak_window = Dur(v, q);
      if (key == "max_partitions") r->max_partitions = static_cast<int>(Int(v, q, 1, 1000000));
      if (key == "forecast") {
        if (v.IsScalar()) {
          r->forecast = Bool(v, q);
          continue;
        }
        r->forecast = true;
        CheckKeys(v, q, {"enabled", "model", "horizon", "step", "season"});
        if (v["enabled"]) r->forecast = Bool(v["enabled"], Join(q, "enabled"));
        if (v["model"]) {
          r->forecast_model = Str(v["model"], Join(q, "model"));
          static const std::set<std::string> kModels = {"auto",  "ets",     "arima",
                                                        "theta", "prophet", "snaive"};
          if (!kModels.count(r->forecast_model)) {
            Fail(v["model"], Join(q, "model"),
                 "expected auto, ets, arima, theta, prophet or snaive, got \"" + r->forecast_model +
                     "\"");
          }
        }
        if (v["horizon"]) r->forecast_horizon = Dur(v["horizon"], Join(q, "horizon"));
        if (v["step"]) r->forecast_step = Dur(v["step"], Join(q, "step"));
        if (v["season"]) r->forecast_season = Dur(v["season"], Join(q, "season"), true);
        if (r->forecast_season.count() % r->forecast_step.count() != 0) {
          Fail(v, Join(q, "season"), "must be a multiple of forecast.step");
        }
        if (r->forecast_horizon < r->forecast_step) {
          Fail(v, Join(q, "horizon"), "must be at least forecast.step");
        }
      }
    }
  }

  void Placement(const YAML::Node& n, const std::string& p, PlacementConfig* c) const {
    c->broker_failure = c->add_broker = c->rebalance = true;
    if (n.IsNull()) return;
    CheckKeys(n, p,
              {"broker_failure", "add_broker", "rebalance", "replica_info", "broker_info",
               "partition_offset", "topic_bytes_in", "topic_bytes_out", "rate_window", "min_isr",
               "topic_min_isr", "min_isr_metric", "unclean_leader_election", "max_moves",
               "topic_partitions", "partition_replicas", "min_coverage"});
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(p, key);
      const YAML::Node& v = kv.second;
      if (key == "broker_failure") c->broker_failure = Bool(v, q);
      if (key == "add_broker") c->add_broker = Bool(v, q);
      if (key == "rebalance") c->rebalance = Bool(v, q);
      if (key == "replica_info") c->replica_info = Selector(v, q, false);
      if (key == "broker_info") c->broker_info = Selector(v, q, false);
      if (key == "partition_offset") c->partition_offset = Selector(v, q, false);
      if (key == "topic_bytes_in") c->topic_bytes_in = Selector(v, q, true);
      if (key == "topic_bytes_out") c->topic_bytes_out = Selector(v, q, true);
      if (key == "rate_window") c->rate_window = Dur(v, q);
      if (key == "min_isr") c->default_min_isr = static_cast<int>(Int(v, q, 1, 100));
      if (key == "topic_min_isr") {
        if (!v.IsMap()) Fail(v, q, "expected a mapping of topic to min.insync.replicas");
        for (const auto& t : v) {
          c->topic_min_isr[t.first.Scalar()] =
              static_cast<int>(Int(t.second, Join(q, t.first.Scalar()), 1, 100));
        }
      }
      if (key == "min_isr_metric") c->min_isr_metric = Selector(v, q, true);
      if (key == "unclean_leader_election") c->unclean_leader_election = Bool(v, q);
      if (key == "max_moves") c->max_moves = static_cast<int>(Int(v, q, 1, 100000));
      if (key == "topic_partitions") c->topic_partitions = Selector(v, q, true);
      if (key == "partition_replicas") c->partition_replicas = Selector(v, q, true);
      if (key == "min_coverage") {
        c->min_coverage = Double(v, q);
        if (!(c->min_coverage >= 0 && c->min_coverage <= 1)) Fail(v, q, "expected 0 to 1");
      }
    }
  }

  // Fields shared by `global` and each job.
  bool CommonField(const std::string& key, const YAML::Node& v, const std::string& q,
                   JobConfig* j) const {
    if (key == "step") {
      j->step = Dur(v, q);
    } else if (key == "fit_window") {
      j->fit_window = Dur(v, q);
    } else if (key == "fit_every") {
      j->fit_every = Dur(v, q);
    } else if (key == "infer_every") {
      j->infer_every = Dur(v, q);
    } else if (key == "grace_period") {
      j->grace_period = Dur(v, q, true);
    } else if (key == "lookback") {
      j->lookback = Dur(v, q);
    } else if (key == "cluster_label") {
      j->cluster_label = Str(v, q);
    } else if (key == "cluster_discovery") {
      j->cluster_discovery = Selector(v, q, true);
    } else if (key == "labels") {
      Labels(v, q, &j->labels);
    } else if (key == "max_series") {
      j->max_series = static_cast<int>(Int(v, q, 1, 10000000));
    } else {
      return false;
    }
    return true;
  }

  JobConfig Job(const YAML::Node& n, const std::string& path, const JobConfig& defaults) const {
    CheckKeys(n, path, {"name",       "source",        "selector",          "step",
                        "fit_window", "fit_every",     "infer_every",       "grace_period",
                        "lookback",   "cluster_label", "cluster_discovery", "transform",
                        "labels",     "max_series",    "anomaly",           "forecast",
                        "outliers",   "rootcause",     "cpu_model",         "recommendations",
                        "placement"});
    JobConfig j = defaults;
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      std::string q = Join(path, key);
      const YAML::Node& v = kv.second;
      if (CommonField(key, v, q, &j)) continue;
      if (key == "name") j.name = Str(v, q);
      if (key == "source") j.source = Str(v, q);
      if (key == "selector") j.selector = Str(v, q);
      if (key == "transform") {
        std::string t = Str(v, q);
        if (t == "none") {
          j.transform = Transform::kNone;
        } else if (t == "rate") {
          j.transform = Transform::kRate;
        } else if (t == "delta") {
          j.transform = Transform::kDelta;
        } else {
          Fail(v, q, "expected none, rate or delta, got \"" + t + "\"");
        }
      }
      if (key == "anomaly") Anomaly(v, q, &j.anomaly);
      if (key == "forecast") Forecast(v, q, &j.forecast);
      if (key == "outliers") Outliers(v, q, &j.outliers);
      if (key == "rootcause") RootCause(v, q, &j.rootcause);
      if (key == "cpu_model") CpuModel(v, q, &j.cpu_model);
      if (key == "recommendations") Recommendations(v, q, &j.recommendations);
      if (key == "placement") Placement(v, q, &j.placement);
    }
    if (j.cpu_model.enabled && j.cpu_model.features.empty()) {
      j.cpu_model.features = DefaultCpuFeatures();
    }
    if (j.name.empty()) Fail(n, Join(path, "name"), "missing (becomes the `for` label)");
    const bool per_series =
        j.anomaly.enabled || j.forecast.enabled || j.outliers.enabled || j.rootcause.enabled;
    if (j.selector.empty() && per_series) {
      Fail(n, Join(path, "selector"),
           "missing (a PromQL series selector; anomaly, forecast, outliers and rootcause need "
           "one)");
    }
    if (!j.selector.empty()) {
      if (auto m = remote_read::ParseSelector(j.selector); !m.ok()) {
        Fail(n["selector"], Join(path, "selector"), m.status().message());
      }
    }
    if (j.rootcause.enabled && !j.anomaly.enabled) {
      Fail(n, Join(path, "rootcause"),
           "needs the job's anomaly analysis (ranking starts when a target scores above 1)");
    }
    if (!per_series && !j.HasClusterAnalyses()) {
      Fail(n, path,
           "no analysis enabled (add anomaly, forecast, outliers, rootcause, cpu_model, "
           "recommendations or placement)");
    }
    if (j.fit_window < j.step * 10) {
      Fail(n, Join(path, "fit_window"), "expected at least 10 steps of history");
    }
    for (Duration p : j.anomaly.seasonal_periods) {
      if (p.count() % j.step.count() != 0 || p < j.step * 2) {
        Fail(n, Join(path, "anomaly.seasonal_periods"),
             "each period must be a multiple of step and at least 2 steps");
      }
    }
    if (j.forecast.enabled) {
      if (j.forecast.step.count() == 0) {
        j.forecast.step = std::max<Duration>(j.step, std::chrono::minutes(15));
      }
      if (j.forecast.step.count() % j.step.count() != 0) {
        Fail(n, Join(path, "forecast.step"), "must be a multiple of the job's step");
      }
      if (j.forecast.season.count() % j.forecast.step.count() != 0) {
        Fail(n, Join(path, "forecast.season"), "must be a multiple of forecast.step");
      }
      for (Duration e : j.forecast.extra_seasons) {
        if (e.count() % j.forecast.step.count() != 0 || e < 2 * j.forecast.step) {
          Fail(n, Join(path, "forecast.extra_seasons"),
               "each period must be a multiple of forecast.step and at least 2 steps, got " +
                   FormatDuration(e));
        }
      }
      for (Duration h : j.forecast.horizons) {
        if (h < j.forecast.step) {
          Fail(n, Join(path, "forecast.horizons"), "each horizon must be at least forecast.step");
        }
      }
    }
    return j;
  }

  EngineConfig Top(const YAML::Node& root) const {
    EngineConfig c;
    c.origin = origin_;
    if (root.IsNull()) return c;
    CheckKeys(root, "", {"global", "sources", "jobs"});
    JobConfig defaults;
    if (root["global"]) {
      const YAML::Node& g = root["global"];
      CheckKeys(g, "global",
                {"step", "fit_window", "fit_every", "infer_every", "grace_period", "lookback",
                 "cluster_label", "cluster_discovery", "labels", "max_series"});
      for (const auto& kv : g) {
        CommonField(kv.first.Scalar(), kv.second, "global." + kv.first.Scalar(), &defaults);
      }
    }
    if (root["sources"]) {
      const YAML::Node& s = root["sources"];
      if (!s.IsSequence()) Fail(s, "sources", "expected a list of sources");
      std::set<std::string> names;
      for (size_t i = 0; i < s.size(); ++i) {
        std::string p = "sources[" + std::to_string(i) + "]";
        SourceConfig src = Source(s[i], p);
        if (src.name.empty()) src.name = i == 0 ? "default" : "source" + std::to_string(i);
        if (!names.insert(src.name).second) {
          Fail(s[i], p + ".name", "duplicate source name \"" + src.name + "\"");
        }
        c.sources.push_back(std::move(src));
      }
    }
    if (root["jobs"]) {
      const YAML::Node& js = root["jobs"];
      if (!js.IsSequence()) Fail(js, "jobs", "expected a list of jobs");
      std::set<std::string> names;
      for (size_t i = 0; i < js.size(); ++i) {
        std::string p = "jobs[" + std::to_string(i) + "]";
        JobConfig j = Job(js[i], p, defaults);
        if (!names.insert(j.name).second) {
          Fail(js[i]["name"], p + ".name", "duplicate job name \"" + j.name + "\"");
        }
        if (!j.source.empty()) {
          bool found = false;
          for (const auto& src : c.sources) found = found || src.name == j.source;
          if (!found) Fail(js[i]["source"], p + ".source", "unknown source \"" + j.source + "\"");
        }
        c.jobs.push_back(std::move(j));
      }
    }
    return c;
  }

 private:
  std::string origin_;
  std::string base_dir_;
};

}  // namespace

const SourceConfig* EngineConfig::FindSource(std::string_view name) const {
  if (sources.empty()) return nullptr;
  if (name.empty()) return &sources.front();
  for (const auto& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status ValidateConfig(const EngineConfig& config) {
  std::set<std::string> names;
  for (const auto& j : config.jobs) {
    if (j.name.empty()) return Status::Error(config.origin + ": a job has no name");
    if (!names.insert(j.name).second) {
      return Status::Error(config.origin + ": duplicate job name \"" + j.name + "\"");
    }
    if (!config.FindSource(j.source)) {
      return Status::Error(config.origin + ": job \"" + j.name + "\": no source" +
                           (j.source.empty() ? std::string(" configured (add sources: or pass "
                                                           "--remote-read.url)")
                                             : " named \"" + j.source + "\""));
    }
    if (j.step.count() <= 0 || j.fit_window < j.step * 10) {
      return Status::Error(config.origin + ": job \"" + j.name +
                           "\": fit_window must hold at least 10 steps");
    }
  }
  return Status::Ok();
}

Result<EngineConfig> ParseConfig(std::string_view yaml, const std::string& origin,
                                 const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  try {
    Parser parser(origin, base_dir);
    EngineConfig c = parser.Top(root);
    return c;
  } catch (const ConfigError& e) {
    return Status::Error(e.message);
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<EngineConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string dir = ".";
  if (auto pos = path.rfind('/'); pos != std::string::npos) dir = path.substr(0, pos);
  return ParseConfig(ss.str(), path, dir);
}

}  // namespace streamlens::engine
