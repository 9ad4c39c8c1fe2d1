#include "bench/sidecar/synthetic_estate.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <memory>
#include <regex>
#include <unordered_set>

namespace streamlens::bench {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kDay = 86'400'000;

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform in [-1, 1), a pure function of (seed, minute).
double Noise(uint64_t seed, int64_t minute) {
  return static_cast<double>(SplitMix(seed ^ static_cast<uint64_t>(minute)) >> 11) * 0x1p-52 - 1;
}

// A regex matcher that is an alternation of literals ("a|b|c", as batched fetches send) is
// answered from a set; anything else goes to std::regex.
struct CompiledMatcher {
  const remote_read::Matcher* m;
  std::unique_ptr<std::regex> re;
  std::unordered_set<std::string> literals;
  bool is_set = false;
};

bool LiteralAlternation(const std::string& re, std::unordered_set<std::string>* out) {
  std::string cur;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\' && i + 1 < re.size() && !std::isalnum(static_cast<unsigned char>(re[i + 1]))) {
      cur += re[++i];
    } else if (c == '|') {
      out->insert(std::move(cur));
      cur.clear();
    } else if (std::strchr(".*+?()[]{}^$\\", c) != nullptr) {
      return false;
    } else {
      cur += c;
    }
  }
  out->insert(std::move(cur));
  return true;
}

bool Matches(const std::vector<remote_read::Label>& labels,
             const std::vector<CompiledMatcher>& matchers) {
  for (const auto& c : matchers) {
    std::string_view v;
    for (const auto& l : labels) {
      if (l.name == c.m->name) v = l.value;
    }
    bool ok = false;
    switch (c.m->type) {
      case remote_read::MatchType::kEqual:
        ok = v == c.m->value;
        break;
      case remote_read::MatchType::kNotEqual:
        ok = v != c.m->value;
        break;
      case remote_read::MatchType::kRegexMatch:
      case remote_read::MatchType::kRegexNoMatch:
        ok = (c.is_set ? c.literals.count(std::string(v)) > 0
                       : std::regex_match(v.begin(), v.end(), *c.re)) ==
             (c.m->type == remote_read::MatchType::kRegexMatch);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

SyntheticEstate::SyntheticEstate(int pairs, int brokers, int64_t history_start_ms)
    : history_start_ms_(history_start_ms) {
  daily_.resize(kDay / kMin);
  for (size_t m = 0; m < daily_.size(); ++m) {
    daily_[m] = std::sin(2 * M_PI * static_cast<double>(m) / static_cast<double>(daily_.size()));
  }
  AddConsumerGroups(pairs);
  for (int b = 0; b < brokers; ++b) {
    const std::string id = std::to_string(b);
    for (const char* m : {"kafka_server_brokertopicmetrics_bytesin_total",
                          "kafka_server_brokertopicmetrics_bytesout_total",
                          "kafka_server_brokertopicmetrics_messagesin_total"}) {
      Add({{"__name__", m}, {"broker", id}, {"topic", ""}}, Kind::kCounter, 5e6 + 1e5 * b, 2e6,
          1e5);
    }
    Add({{"__name__",
          "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_"
          "oneminuterate"},
         {"broker", id}},
        Kind::kRatio, 0.7, 0.1, 0.02);
    Add({{"__name__", "kafka_server_replicamanager_underreplicatedpartitions"}, {"broker", id}},
        Kind::kCount, 0, 0, 0);
    Add({{"__name__", "kafka_server_replicamanager_partitioncount"}, {"broker", id}}, Kind::kCount,
        300, 0, 0);
    Add({{"__name__", "kafka_server_replicamanager_leadercount"}, {"broker", id}}, Kind::kCount,
        100, 0, 0);
    Add({{"__name__", "java_lang_operatingsystem_processcpuload"}, {"broker", id}}, Kind::kRatio,
        0.4, 0.15, 0.03);
    Add({{"__name__", "broker:kafka_log_dir_fill:ratio"}, {"broker", id}}, Kind::kRatio, 0.5, 0.01,
        0.002);
  }
  AddClusterInputs(brokers);
}

// What the kafka_cluster job reads besides the brokers' series above: the CPU model's other
// features and the replica placement of the consumer groups' ten topics (12 partitions each,
// replication factor 3 where there are 3 brokers).
void SyntheticEstate::AddClusterInputs(int brokers) {
  for (int b = 0; b < brokers; ++b) {
    const std::string id = std::to_string(b);
    Add({{"__name__", "kafka_server_brokertopicmetrics_replicationbytesin_total"}, {"broker", id}},
        Kind::kCounter, 3e6 + 1e5 * b, 1e6, 1e5);
    for (const char* request : {"Produce", "FetchConsumer", "FetchFollower"}) {
      Add({{"__name__", "kafka_network_requestmetrics_requests_total"},
           {"broker", id},
           {"request", request}},
          Kind::kCounter, 2e3 + 50 * b, 8e2, 50);
    }
    Add({{"__name__", "kafka_broker_info"}, {"id", id}}, Kind::kCount, 1, 0, 0);
  }
  const int rf = std::min(3, brokers);
  for (int t = 0; t < 10 && brokers > 0; ++t) {
    for (int p = 0; p < 12; ++p) {
      const std::string topic = "t" + std::to_string(t), part = std::to_string(p);
      Add({{"__name__", "kafka_topic_partition_replicas"}, {"topic", topic}, {"partition", part}},
          Kind::kCount, rf, 0, 0);
      Add({{"__name__", "kafka_topic_partition_current_offset"},
           {"topic", topic},
           {"partition", part}},
          Kind::kCounter, 100 + 10 * p, 40, 5);
      for (int i = 0; i < rf; ++i) {
        Add({{"__name__", "kafka_topic_partition_replica_info"},
             {"topic", topic},
             {"partition", part},
             {"broker", std::to_string((t + p + i) % brokers)},
             {"role", i == 0 ? "leader" : "follower"},
             {"in_sync", "true"}},
            Kind::kCount, 1, 0, 0);
      }
    }
  }
}

void SyntheticEstate::AddConsumerGroups(int pairs) {
  for (int k = 0; k < pairs; ++k) {
    const std::string g = "g" + std::to_string(k / 10), t = "t" + std::to_string(k % 10);
    const double level = 1000 + 13 * (k % 31), amp = 100 + k % 97;
    Add({{"__name__", "kafka_consumergroup_lag_sum"}, {"consumergroup", g}, {"topic", t}},
        Kind::kLag, level, amp, 10);
    Add({{"__name__", "streamlens_consumergroup_max_lag_seconds"},
         {"consumergroup", g},
         {"topic", t}},
        Kind::kLagSeconds, 20 + k % 7, 10 + k % 5, 2);
    Add({{"__name__", "kafka_consumergroup_current_offset_sum"},
         {"consumergroup", g},
         {"topic", t}},
        Kind::kCounter, 50 + k % 41, 20, 5);
    if (k % 10 == 0) {
      Add({{"__name__", "kafka_consumergroup_members"}, {"consumergroup", g}}, Kind::kCount, 3, 0,
          0);
    }
    if (k < 10) {
      Add({{"__name__", "kafka_topic_partitions"}, {"topic", t}}, Kind::kCount, 12, 0, 0);
    }
  }
}

void SyntheticEstate::Add(std::vector<remote_read::Label> labels, Kind kind, double level,
                          double amplitude, double noise) {
  std::vector<remote_read::Label> kept;
  for (auto& l : labels) {
    if (!l.value.empty()) kept.push_back(std::move(l));
  }
  std::sort(kept.begin(), kept.end(), [](const remote_read::Label& a, const remote_read::Label& b) {
    return a.name < b.name;
  });
  series_.push_back(
      {std::move(kept), kind, level, amplitude, noise, SplitMix(series_.size() * 7919 + 17)});
}

double SyntheticEstate::Value(const Series& s, int64_t t) const {
  const int64_t minute = t / kMin;
  const double season = daily_[static_cast<size_t>((t % kDay) / kMin)];
  const double e = Noise(s.seed, minute);
  switch (s.kind) {
    case Kind::kLag:
    case Kind::kLagSeconds:
      return std::max(0.0, s.level + s.amplitude * season + s.noise * e);
    case Kind::kRatio:
      return std::clamp(s.level + s.amplitude * season + s.noise * e, 0.0, 1.0);
    case Kind::kCount:
      return s.level;
    case Kind::kCounter: {
      // The integral of a rate level + amplitude * sin(day), plus noise far below one minute's
      // increase, so the counter never decreases.
      const double secs = static_cast<double>(t) / 1000;
      const double w = 2 * M_PI / 86400;
      return s.level * secs + s.amplitude * (1 - std::cos(w * secs)) / w + s.noise * e;
    }
  }
  return 0;
}

Result<remote_read::SeriesSet> SyntheticEstate::Fetch(
    const std::vector<remote_read::Matcher>& matchers, int64_t start, int64_t end,
    remote_read::FetchStats* stats) {
  const double c0 = ThreadCpuSeconds();
  ++fetches_;
  std::vector<CompiledMatcher> compiled;
  for (const auto& m : matchers) {
    CompiledMatcher c{&m, nullptr};
    if (m.type == remote_read::MatchType::kRegexMatch ||
        m.type == remote_read::MatchType::kRegexNoMatch) {
      c.is_set = LiteralAlternation(m.value, &c.literals);
      if (!c.is_set) c.re = std::make_unique<std::regex>(m.value);
    }
    compiled.push_back(std::move(c));
  }
  const int64_t from = std::max(start, history_start_ms_);
  const int64_t first = (from + kMin - 1) / kMin * kMin;
  const size_t per = end >= first ? static_cast<size_t>((end - first) / kMin + 1) : 0;
  std::vector<const Series*> hits;
  for (const Series& s : series_) {
    if (Matches(s.labels, compiled)) hits.push_back(&s);
  }
  remote_read::SeriesSetBuilder b;
  b.ReserveSamples(per * hits.size());
  for (const Series* s : hits) {
    if (per == 0) break;
    if (Status st = b.BeginSeries(s->labels); !st.ok()) return st;
    for (int64_t t = first; t <= end; t += kMin) b.Append(t, Value(*s, t));
  }
  auto set = b.Finish();
  if (stats) stats->response_type = "synthetic";
  cpu_ns_ += static_cast<uint64_t>((ThreadCpuSeconds() - c0) * 1e9);
  return set;
}

}  // namespace streamlens::bench
