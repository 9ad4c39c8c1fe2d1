#include "sidecar/analysis/rootcause/scenario_generator.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "sidecar/analysis/models/cpu_model.h"
#include "sidecar/analysis/rootcause/kafka_candidates.h"

namespace streamlens::analysis::rootcause {
namespace {

constexpr size_t kLength = 330;
constexpr size_t kBaselineEnd = 240;
constexpr double kMsgSize = 1000.0;  // bytes
constexpr int kGroups = 2;
constexpr int kRf = 3;

using Series = std::vector<double>;

struct Gen {
  std::mt19937_64 rng;
  std::normal_distribution<double> g{0.0, 1.0};
  std::uniform_real_distribution<double> u{0.0, 1.0};
  explicit Gen(uint64_t seed) : rng(seed * 0x9E3779B97F4A7C15ULL + 17) {}
  double N() { return g(rng); }
  double U(double lo, double hi) { return lo + (hi - lo) * u(rng); }
  int I(int lo, int hi) { return lo + static_cast<int>(u(rng) * (hi - lo + 1)) % (hi - lo + 1); }
  // Multiplicative AR(1) noise path with the given stddev.
  Series Ar(double sd, double phi = 0.5) {
    Series s(kLength);
    double e = 0;
    for (double& v : s) {
      e = phi * e + std::sqrt(1 - phi * phi) * sd * N();
      v = e;
    }
    return s;
  }
};

Series Smooth(const Series& x, double alpha) {
  Series y(x.size());
  double s = x[0];
  for (size_t t = 0; t < x.size(); ++t) y[t] = s = alpha * x[t] + (1 - alpha) * s;
  return y;
}

Series Shift(const Series& x, int s) {
  Series y(x.size());
  const long n = static_cast<long>(x.size());
  for (long t = 0; t < n; ++t) y[t] = x[std::clamp(t - s, 0L, n - 1)];
  return y;
}

struct Builder {
  Scenario* sc;
  void Add(const char* kind_key, const std::string& labels, const Series& s) {
    const KafkaCandidateKind* k = FindKafkaCandidateKind(kind_key);
    const std::string name = std::string(kind_key) + (labels.empty() ? "" : "{" + labels + "}");
    CandidateInfo info = k != nullptr ? MakeKafkaCandidate(*k, name) : CandidateInfo{name};
    sc->infos.push_back(info);
    sc->candidates.insert(sc->candidates.end(), s.begin(), s.end());
  }
  void AddCustom(const std::string& name, Layer layer, double prior, int dir, const Series& s) {
    sc->infos.push_back({name, layer, prior, dir});
    sc->candidates.insert(sc->candidates.end(), s.begin(), s.end());
  }
};

std::string B(int b) { return "broker=\"" + std::to_string(b + 1) + "\""; }
std::string G(int g) { return "consumergroup=\"g" + std::to_string(g) + "\""; }

}  // namespace

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kHotPartition:
      return "hot_partition";
    case FaultKind::kSlowConsumer:
      return "slow_consumer";
    case FaultKind::kBrokerDown:
      return "broker_down";
    case FaultKind::kProducerBurst:
      return "producer_burst";
    case FaultKind::kCpuContention:
      return "cpu_contention";
  }
  return "unknown";
}

namespace {

// The simulated cluster: what the stages below draw, in the order they draw it (the scenario
// for a seed depends on that order).
struct World {
  FaultKind kind;
  int nb = 0;        // brokers
  size_t fault = 0;  // first faulty step
  int fb = -1;       // faulty broker (broker faults)
  double r0 = 0;     // producer messages/s at the daily mean
  double hot_f = 0, burst = 0, slow = 0, contention = 0;
  double phase = 0;
  Series rate, up_count;
  std::vector<Series> share, up;
  std::vector<Series> consumed, lag;  // per group
  // Per broker.
  std::vector<Series> in, msgs, out, repl, preq, freq, cpu, idle, queue, plat, flat, netidle,
      shrinks, urp, disk, net, contention_s, unexplained;
  // Cluster-level.
  Series topic_bytes, topic_msgs, skew, online, plat_max, log_size, heap;
  std::vector<int> skew_of;  // per-broker clock skew of every JMX series of that broker
  Series Skewed(int b, const Series& s) const { return Shift(s, skew_of[b]); }
};

void DrawKnobs(Gen& gen, Scenario* sc, World* w) {
  const FaultKind kind = w->kind;
  w->nb = gen.I(3, 5);
  sc->brokers = w->nb;
  w->fault = 262 + static_cast<size_t>(gen.I(0, 8));
  sc->fault_start = w->fault;
  const bool broker_fault = kind == FaultKind::kHotPartition || kind == FaultKind::kBrokerDown ||
                            kind == FaultKind::kCpuContention;
  w->fb = broker_fault ? gen.I(0, w->nb - 1) : -1;
  sc->faulty_broker = w->fb;
  w->phase = gen.U(0, 1440);
  w->r0 = gen.U(15000, 25000);
  w->hot_f = gen.U(0.3, 0.5);
  w->burst = gen.U(2.2, 3.0);
  w->slow = gen.U(0.35, 0.6);
  w->contention = gen.U(0.30, 0.45);
}

// Producer input and the brokers' shares of it.
void SimulateInput(Gen& gen, World* w) {
  const FaultKind kind = w->kind;
  const int nb = w->nb, fb = w->fb;
  const size_t fault = w->fault;
  const Series rnoise = gen.Ar(0.03);
  w->rate.assign(kLength, 0.0);
  w->up_count.assign(kLength, nb);
  for (size_t t = 0; t < kLength; ++t) {
    const double day = 1.0 + 0.25 * std::sin(2 * M_PI * (t + w->phase) / 1440.0);
    w->rate[t] = w->r0 * day * (1 + rnoise[t]);
    if (kind == FaultKind::kProducerBurst && t >= fault) w->rate[t] *= w->burst;
  }
  w->share.assign(nb, Series(kLength, 1.0 / nb));
  w->up.assign(nb, Series(kLength, 1.0));
  for (size_t t = fault; t < kLength; ++t) {
    if (kind == FaultKind::kHotPartition) {
      for (int b = 0; b < nb; ++b) {
        w->share[b][t] =
            b == fb ? 1.0 / nb + w->hot_f * (1 - 1.0 / nb) : (1.0 / nb) * (1 - w->hot_f);
      }
    } else if (kind == FaultKind::kBrokerDown) {
      for (int b = 0; b < nb; ++b) w->share[b][t] = b == fb ? 0.0 : 1.0 / (nb - 1);
      w->up[fb][t] = 0.0;
      w->up_count[t] = nb - 1;
    }
  }
}

// Consumer groups: capacities relative to the baseline peak input.
void SimulateConsumers(Gen& gen, World* w) {
  const FaultKind kind = w->kind;
  const size_t fault = w->fault;
  const Series& rate = w->rate;
  double peak = 0;
  for (size_t t = 0; t < kBaselineEnd; ++t) peak = std::max(peak, rate[t]);
  w->consumed.assign(kGroups, Series(kLength));
  w->lag.assign(kGroups, Series(kLength));
  for (int g = 0; g < kGroups; ++g) {
    const double cap0 = peak * gen.U(1.4, 1.7) * (g == 0 ? 1.0 : 1.3);
    const Series capnoise = gen.Ar(0.03);
    double backlog = gen.U(0, 200);
    for (size_t t = 0; t < kLength; ++t) {
      double cap = cap0 * (1 + capnoise[t]);
      if (kind == FaultKind::kSlowConsumer && g == 0 && t >= fault)
        cap = w->slow * rate[t] * (1 + capnoise[t]);
      if (kind == FaultKind::kBrokerDown && (t == fault || t == fault + 1))
        cap *= 0.3;  // rebalance
      const double want = rate[t] + backlog / 60.0;
      w->consumed[g][t] = std::min(cap, want);
      backlog = std::max(0.0, backlog + (rate[t] - w->consumed[g][t]) * 60.0);
      w->lag[g][t] = backlog;
    }
  }
}

// Broker b's traffic, requests and CPU.
void SimulateBrokerLoad(Gen& gen, int b, const Series& n_in, const Series& n_cpu,
                        const Series& n_misc, World* w) {
  const double cpu_base = gen.U(0.04, 0.07);
  w->in[b].resize(kLength);
  for (size_t t = 0; t < kLength; ++t) {
    double total_cons = 0;
    for (int g = 0; g < kGroups; ++g) total_cons += w->consumed[g][t];
    const double alive = w->up_count[t];
    const double rate = w->rate[t], share = w->share[b][t], up = w->up[b][t];
    w->in[b][t] = rate * share * kMsgSize * (1 + n_in[t]);
    w->msgs[b].push_back(rate * share * (1 + n_in[t]));
    w->out[b].push_back(total_cons * share * kMsgSize * (1 + n_misc[t]));
    w->repl[b].push_back(up * rate * kMsgSize * std::min<double>(kRf - 1, alive - 1) / alive *
                         (1 + n_in[t]));
    w->preq[b].push_back(w->msgs[b][t] / 40.0 * (1 + n_misc[t]));
    w->freq[b].push_back(up * (300.0 + 50.0 * alive) * (1 + n_misc[t]));
    double c = cpu_base + 2e-8 * w->in[b][t] + 5e-9 * w->out[b].back() + 1e-8 * w->repl[b].back() +
               2e-6 * w->msgs[b].back();
    const double extra =
        (w->kind == FaultKind::kCpuContention && b == w->fb && t >= w->fault) ? w->contention : 0;
    w->contention_s[b].push_back(extra);
    c = up * std::min(0.97, c + extra + n_cpu[t]);
    w->cpu[b].push_back(std::max(0.0, c));
  }
}

// Broker b's saturation, latency, replication and disk/network series.
void SimulateBrokerHealth(Gen& gen, int b, const Series& n_lat, const Series& n_idle,
                          const Series& n_misc, World* w) {
  const int nb = w->nb;
  const size_t fault = w->fault;
  const Series util = Smooth(w->cpu[b], 0.6);
  const Series& up = w->up[b];
  const Series &in = w->in[b], &out = w->out[b], &repl = w->repl[b];
  for (size_t t = 0; t < kLength; ++t) {
    const double uu = std::min(util[t], 0.95);
    w->idle[b].push_back(up[t] * std::clamp(1.0 - 1.05 * std::pow(uu, 1.2) + n_idle[t], 0.0, 1.0));
    w->queue[b].push_back(up[t] * (0.5 + 2.0 * uu / (1 - uu)) * (1 + n_lat[t]));
    w->plat[b].push_back(up[t] * (5.0 + 20.0 * uu * uu / (1 - uu)) * (1 + n_lat[t]));
    w->flat[b].push_back(up[t] * (500.0 + 10.0 * uu / (1 - uu)) * (1 + 0.2 * n_lat[t]));
    w->netidle[b].push_back(
        up[t] * std::clamp(0.95 - (in[t] + out[t] + repl[t]) / 4e8 + n_idle[t], 0.0, 1.0));
    double sh = gen.u(gen.rng) < 0.01 ? 1.0 : 0.0;
    double ur = 0.0;
    if (w->kind == FaultKind::kBrokerDown && b != w->fb && t >= fault) {
      if (t < fault + 2) sh += gen.I(5, 15);
      ur = 8.0 * (kRf - 1) / (nb - 1);
    }
    w->shrinks[b].push_back(up[t] * sh);
    w->urp[b].push_back(up[t] * ur);
    w->disk[b].push_back((in[t] + repl[t]) * 1.05 * (1 + n_misc[t]));
    w->net[b].push_back((out[t] + in[t] * (kRf - 1)) * (1 + n_misc[t]));
  }
}

void SimulateBrokers(Gen& gen, World* w) {
  const int nb = w->nb;
  for (auto* v : {&w->in, &w->msgs, &w->out, &w->repl, &w->preq, &w->freq, &w->cpu, &w->idle,
                  &w->queue, &w->plat, &w->flat, &w->netidle, &w->shrinks, &w->urp, &w->disk,
                  &w->net, &w->contention_s}) {
    v->assign(nb, Series());
  }
  for (int b = 0; b < nb; ++b) {
    const Series n_in = gen.Ar(0.02), n_cpu = gen.Ar(0.012, 0.3), n_lat = gen.Ar(0.04, 0.3),
                 n_idle = gen.Ar(0.015, 0.3), n_misc = gen.Ar(0.03);
    SimulateBrokerLoad(gen, b, n_in, n_cpu, n_misc, w);
    SimulateBrokerHealth(gen, b, n_lat, n_idle, n_misc, w);
  }
}

// CPU model on the baseline, pooled over brokers; its residual is a candidate.
void FitScenarioCpuModel(Scenario* sc, World* w) {
  const int nb = w->nb;
  sc->cpu_features.resize(static_cast<Eigen::Index>(nb * kLength), models::kNumCpuFeatures);
  sc->cpu_observed.resize(static_cast<Eigen::Index>(nb * kLength));
  for (int b = 0; b < nb; ++b) {
    for (size_t t = 0; t < kLength; ++t) {
      const Eigen::Index row = static_cast<Eigen::Index>(b * kLength + t);
      sc->cpu_features(row, models::kLeaderBytesIn) = w->in[b][t];
      sc->cpu_features(row, models::kLeaderBytesOut) = w->out[b][t];
      sc->cpu_features(row, models::kReplicationBytesIn) = w->repl[b][t];
      sc->cpu_features(row, models::kProduceRequests) = w->preq[b][t];
      sc->cpu_features(row, models::kFetchRequests) = w->freq[b][t];
      sc->cpu_features(row, models::kMessagesIn) = w->msgs[b][t];
      sc->cpu_observed(row) = w->cpu[b][t];
    }
  }
  w->unexplained.assign(nb, Series(kLength, 0.0));
  Eigen::MatrixXd fx(nb * kBaselineEnd, models::kNumCpuFeatures);
  Eigen::VectorXd fy(nb * kBaselineEnd);
  for (int b = 0; b < nb; ++b) {
    fx.middleRows(b * kBaselineEnd, kBaselineEnd) =
        sc->cpu_features.middleRows(b * kLength, kBaselineEnd);
    fy.segment(b * kBaselineEnd, kBaselineEnd) =
        sc->cpu_observed.segment(b * kLength, kBaselineEnd);
  }
  Result<models::CpuModel> m = models::FitCpuModel(fx, fy, models::CpuModelParams{});
  if (!m.ok()) return;
  Result<models::CpuEvaluation> e =
      models::EvaluateCpuModel(*m, sc->cpu_features, sc->cpu_observed);
  for (int b = 0; b < nb; ++b) {
    for (size_t t = 0; t < kLength; ++t) {
      w->unexplained[b][t] = w->up[b][t] * e->residual(static_cast<Eigen::Index>(b * kLength + t));
    }
  }
}

// Cluster-level series, the clock skews, and an unrelated blip in the baseline on one random
// broker's disk.
void SimulateCluster(Gen& gen, World* w) {
  const int nb = w->nb;
  for (Series* s :
       {&w->topic_bytes, &w->topic_msgs, &w->skew, &w->online, &w->log_size, &w->heap}) {
    s->assign(kLength, 0.0);
  }
  w->plat_max.assign(kLength, 0.0);
  const Series n_top = gen.Ar(0.006), n_skew = gen.Ar(0.01);
  for (size_t t = 0; t < kLength; ++t) {
    double sum = 0, mx = 0;
    for (int b = 0; b < nb; ++b) {
      sum += w->in[b][t];
      mx = std::max(mx, w->in[b][t]);
    }
    const double rate = w->rate[t];
    w->topic_bytes[t] = rate * kMsgSize * (1 + n_top[t]);
    w->topic_msgs[t] = rate * (1 + n_top[t]);
    w->skew[t] = (mx / (sum / w->up_count[t])) * (1 + n_skew[t]);
    w->online[t] = w->up_count[t];
    // Log size: grows with the input, retention deletes the oldest segment every 45 minutes.
    w->log_size[t] = (t == 0 ? 4e11 : w->log_size[t - 1]) + 60.0 * rate * kMsgSize;
    if (t % 45 == 44) w->log_size[t] -= 45 * 60.0 * w->r0 * kMsgSize;
    w->heap[t] = 0.3 + 0.5 * std::fmod(t / 37.0, 1.0) + 0.02 * gen.N();
  }
  w->skew_of.resize(nb);
  for (int b = 0; b < nb; ++b) w->skew_of[b] = gen.I(-2, 2);
  for (int b = 0; b < nb; ++b) {
    const Series shifted = w->Skewed(b, w->plat[b]);
    for (size_t t = 0; t < kLength; ++t) {
      if (w->up[b][t] > 0) w->plat_max[t] = std::max(w->plat_max[t], shifted[t]);
    }
  }
  const int blip_b = gen.I(0, nb - 1);
  for (size_t t = 150; t < 160; ++t) w->disk[blip_b][t] *= 2.0;
}

void ChooseTarget(const World& w, Scenario* sc) {
  switch (w.kind) {
    case FaultKind::kHotPartition:
    case FaultKind::kCpuContention:
      sc->target_name = "produce_latency{" + B(w.fb) + "}";
      sc->target = w.Skewed(w.fb, w.plat[w.fb]);
      break;
    case FaultKind::kBrokerDown:
      sc->target_name = "produce_latency_max";
      sc->target = w.plat_max;
      break;
    case FaultKind::kSlowConsumer:
    case FaultKind::kProducerBurst:
      sc->target_name = "consumer_lag{" + G(0) + "}";
      sc->target = w.lag[0];
      break;
  }
}

void AddCandidates(Gen& gen, const World& w, Scenario* sc) {
  const int nb = w.nb, fb = w.fb;
  const FaultKind kind = w.kind;
  Builder add{sc};
  add.Add("topic_bytes_in", "topic=\"orders\"", w.topic_bytes);
  add.Add("topic_messages_in", "topic=\"orders\"", w.topic_msgs);
  add.Add("partition_skew", "", w.skew);
  add.Add("brokers_online", "", w.online);
  add.AddCustom("log_size_bytes", Layer::kResources, 0.9, +1, w.log_size);
  add.AddCustom("jvm_heap_used_ratio{broker=\"1\"}", Layer::kResources, 0.9, +1, w.heap);
  for (int g = 0; g < kGroups; ++g) {
    Series cr(kLength), members(kLength, 4.0);
    const Series n = gen.Ar(0.02);
    for (size_t t = 0; t < kLength; ++t) cr[t] = w.consumed[g][t] * (1 + n[t]);
    add.Add("consumer_rate", G(g), cr);
    add.Add("consumer_members", G(g), members);
    if (!(g == 0 && sc->target_name == "consumer_lag{" + G(0) + "}"))
      add.Add("consumer_lag", G(g), w.lag[g]);
  }
  for (int b = 0; b < nb; ++b) {
    add.Add("broker_up", B(b), w.up[b]);
    // The broker's JMX series, each with the broker's clock skew.
    static constexpr std::pair<const char*, std::vector<Series> World::*> kJmx[] = {
        {"broker_bytes_in", &World::in},
        {"broker_messages_in", &World::msgs},
        {"broker_bytes_out", &World::out},
        {"produce_request_rate", &World::preq},
        {"fetch_consumer_request_rate", &World::freq},
        {"broker_cpu", &World::cpu},
        {"broker_cpu_unexplained", &World::unexplained},
        {"request_handler_idle", &World::idle},
        {"network_processor_idle", &World::netidle},
        {"request_queue_time", &World::queue},
        {"isr_shrinks", &World::shrinks},
        {"under_replicated", &World::urp}};
    for (const auto& [key, series] : kJmx) add.Add(key, B(b), w.Skewed(b, (w.*series)[b]));
    if (!(b == fb && (kind == FaultKind::kHotPartition || kind == FaultKind::kCpuContention))) {
      add.Add("produce_latency", B(b), w.Skewed(b, w.plat[b]));
    }
    add.Add("fetch_latency", B(b), w.Skewed(b, w.flat[b]));
    add.Add("disk_write", B(b), w.disk[b]);
    add.Add("network_tx", B(b), w.net[b]);
  }
}

void SetTrueCauses(const World& w, Scenario* sc) {
  const int fb = w.fb;
  switch (w.kind) {
    case FaultKind::kHotPartition:
      sc->true_causes = {"partition_skew", "broker_bytes_in{" + B(fb) + "}",
                         "broker_messages_in{" + B(fb) + "}"};
      break;
    case FaultKind::kSlowConsumer:
      sc->true_causes = {"consumer_rate{" + G(0) + "}"};
      break;
    case FaultKind::kBrokerDown:
      sc->true_causes = {"brokers_online", "broker_up{" + B(fb) + "}"};
      break;
    case FaultKind::kProducerBurst:
      // Every input-rate series measures the burst: the topic's, and each broker's share of it.
      sc->true_causes = {"topic_bytes_in{topic=\"orders\"}", "topic_messages_in{topic=\"orders\"}"};
      for (int b = 0; b < w.nb; ++b) {
        sc->true_causes.push_back("broker_bytes_in{" + B(b) + "}");
        sc->true_causes.push_back("broker_messages_in{" + B(b) + "}");
      }
      break;
    case FaultKind::kCpuContention:
      sc->true_causes = {"broker_cpu{" + B(fb) + "}", "broker_cpu_unexplained{" + B(fb) + "}"};
      break;
  }
}

}  // namespace

Scenario GenerateScenario(FaultKind kind, uint64_t seed) {
  Gen gen(seed * 8 + static_cast<uint64_t>(kind));
  Scenario sc;
  sc.fault = kind;
  World w;
  w.kind = kind;
  DrawKnobs(gen, &sc, &w);
  SimulateInput(gen, &w);
  SimulateConsumers(gen, &w);
  SimulateBrokers(gen, &w);
  FitScenarioCpuModel(&sc, &w);
  SimulateCluster(gen, &w);
  ChooseTarget(w, &sc);
  AddCandidates(gen, w, &sc);
  SetTrueCauses(w, &sc);
  sc.params.baseline_begin = 0;
  sc.params.baseline_end = kBaselineEnd;
  sc.params.window_begin = 255;
  sc.params.window_end = kLength;
  sc.params.max_shift = 3;
  sc.params.target_bad_direction = +1;
  return sc;
}

}  // namespace streamlens::analysis::rootcause
