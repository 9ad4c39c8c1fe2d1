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

Scenario GenerateScenario(FaultKind kind, uint64_t seed) {
  Gen gen(seed * 8 + static_cast<uint64_t>(kind));
  Scenario sc;
  sc.fault = kind;
  const int nb = gen.I(3, 5);
  sc.brokers = nb;
  const size_t fault = 262 + static_cast<size_t>(gen.I(0, 8));
  sc.fault_start = fault;
  const bool broker_fault = kind == FaultKind::kHotPartition || kind == FaultKind::kBrokerDown ||
                            kind == FaultKind::kCpuContention;
  const int fb = broker_fault ? gen.I(0, nb - 1) : -1;
  sc.faulty_broker = fb;
  const double phase = gen.U(0, 1440);
  const double r0 = gen.U(15000, 25000);  // producer messages/s at the daily mean
  const double hot_f = gen.U(0.3, 0.5);
  const double burst = gen.U(2.2, 3.0);
  const double slow = gen.U(0.35, 0.6);
  const double contention = gen.U(0.30, 0.45);

  // Producer input.
  const Series rnoise = gen.Ar(0.03);
  Series rate(kLength), up_count(kLength, nb);
  for (size_t t = 0; t < kLength; ++t) {
    const double day = 1.0 + 0.25 * std::sin(2 * M_PI * (t + phase) / 1440.0);
    rate[t] = r0 * day * (1 + rnoise[t]);
    if (kind == FaultKind::kProducerBurst && t >= fault) rate[t] *= burst;
  }
  // Broker shares of the input.
  std::vector<Series> share(nb, Series(kLength, 1.0 / nb));
  std::vector<Series> up(nb, Series(kLength, 1.0));
  for (size_t t = fault; t < kLength; ++t) {
    if (kind == FaultKind::kHotPartition) {
      for (int b = 0; b < nb; ++b) {
        share[b][t] = b == fb ? 1.0 / nb + hot_f * (1 - 1.0 / nb) : (1.0 / nb) * (1 - hot_f);
      }
    } else if (kind == FaultKind::kBrokerDown) {
      for (int b = 0; b < nb; ++b) share[b][t] = b == fb ? 0.0 : 1.0 / (nb - 1);
      up[fb][t] = 0.0;
      up_count[t] = nb - 1;
    }
  }
  // Consumer groups: capacities relative to the baseline peak input.
  double peak = 0;
  for (size_t t = 0; t < kBaselineEnd; ++t) peak = std::max(peak, rate[t]);
  std::vector<Series> consumed(kGroups, Series(kLength)), lag(kGroups, Series(kLength));
  for (int g = 0; g < kGroups; ++g) {
    const double cap0 = peak * gen.U(1.4, 1.7) * (g == 0 ? 1.0 : 1.3);
    const Series capnoise = gen.Ar(0.03);
    double backlog = gen.U(0, 200);
    for (size_t t = 0; t < kLength; ++t) {
      double cap = cap0 * (1 + capnoise[t]);
      if (kind == FaultKind::kSlowConsumer && g == 0 && t >= fault)
        cap = slow * rate[t] * (1 + capnoise[t]);
      if (kind == FaultKind::kBrokerDown && (t == fault || t == fault + 1))
        cap *= 0.3;  // rebalance
      const double want = rate[t] + backlog / 60.0;
      consumed[g][t] = std::min(cap, want);
      backlog = std::max(0.0, backlog + (rate[t] - consumed[g][t]) * 60.0);
      lag[g][t] = backlog;
    }
  }
  // Brokers.
  std::vector<Series> in(nb), msgs(nb), out(nb), repl(nb), preq(nb), freq(nb), cpu(nb), idle(nb),
      queue(nb), plat(nb), flat(nb), netidle(nb), shrinks(nb), urp(nb), disk(nb), net(nb),
      contention_s(nb);
  for (int b = 0; b < nb; ++b) {
    const Series n_in = gen.Ar(0.02), n_cpu = gen.Ar(0.012, 0.3), n_lat = gen.Ar(0.04, 0.3),
                 n_idle = gen.Ar(0.015, 0.3), n_misc = gen.Ar(0.03);
    const double cpu_base = gen.U(0.04, 0.07);
    in[b].resize(kLength);
    for (size_t t = 0; t < kLength; ++t) {
      double total_cons = 0;
      for (int g = 0; g < kGroups; ++g) total_cons += consumed[g][t];
      const double alive = up_count[t];
      in[b][t] = rate[t] * share[b][t] * kMsgSize * (1 + n_in[t]);
      msgs[b].push_back(rate[t] * share[b][t] * (1 + n_in[t]));
      out[b].push_back(total_cons * share[b][t] * kMsgSize * (1 + n_misc[t]));
      repl[b].push_back(up[b][t] * rate[t] * kMsgSize * std::min<double>(kRf - 1, alive - 1) /
                        alive * (1 + n_in[t]));
      preq[b].push_back(msgs[b][t] / 40.0 * (1 + n_misc[t]));
      freq[b].push_back(up[b][t] * (300.0 + 50.0 * alive) * (1 + n_misc[t]));
      double c = cpu_base + 2e-8 * in[b][t] + 5e-9 * out[b].back() + 1e-8 * repl[b].back() +
                 2e-6 * msgs[b].back();
      const double extra =
          (kind == FaultKind::kCpuContention && b == fb && t >= fault) ? contention : 0;
      contention_s[b].push_back(extra);
      c = up[b][t] * std::min(0.97, c + extra + n_cpu[t]);
      cpu[b].push_back(std::max(0.0, c));
    }
    const Series util = Smooth(cpu[b], 0.6);
    for (size_t t = 0; t < kLength; ++t) {
      const double uu = std::min(util[t], 0.95);
      idle[b].push_back(up[b][t] *
                        std::clamp(1.0 - 1.05 * std::pow(uu, 1.2) + n_idle[t], 0.0, 1.0));
      queue[b].push_back(up[b][t] * (0.5 + 2.0 * uu / (1 - uu)) * (1 + n_lat[t]));
      plat[b].push_back(up[b][t] * (5.0 + 20.0 * uu * uu / (1 - uu)) * (1 + n_lat[t]));
      flat[b].push_back(up[b][t] * (500.0 + 10.0 * uu / (1 - uu)) * (1 + 0.2 * n_lat[t]));
      netidle[b].push_back(
          up[b][t] *
          std::clamp(0.95 - (in[b][t] + out[b][t] + repl[b][t]) / 4e8 + n_idle[t], 0.0, 1.0));
      double sh = gen.u(gen.rng) < 0.01 ? 1.0 : 0.0;
      double ur = 0.0;
      if (kind == FaultKind::kBrokerDown && b != fb && t >= fault) {
        if (t < fault + 2) sh += gen.I(5, 15);
        ur = 8.0 * (kRf - 1) / (nb - 1);
      }
      shrinks[b].push_back(up[b][t] * sh);
      urp[b].push_back(up[b][t] * ur);
      disk[b].push_back((in[b][t] + repl[b][t]) * 1.05 * (1 + n_misc[t]));
      net[b].push_back((out[b][t] + in[b][t] * (kRf - 1)) * (1 + n_misc[t]));
    }
  }
  // CPU model on the baseline, pooled over brokers; its residual is a candidate.
  sc.cpu_features.resize(static_cast<Eigen::Index>(nb * kLength), models::kNumCpuFeatures);
  sc.cpu_observed.resize(static_cast<Eigen::Index>(nb * kLength));
  for (int b = 0; b < nb; ++b) {
    for (size_t t = 0; t < kLength; ++t) {
      const Eigen::Index row = static_cast<Eigen::Index>(b * kLength + t);
      sc.cpu_features(row, models::kLeaderBytesIn) = in[b][t];
      sc.cpu_features(row, models::kLeaderBytesOut) = out[b][t];
      sc.cpu_features(row, models::kReplicationBytesIn) = repl[b][t];
      sc.cpu_features(row, models::kProduceRequests) = preq[b][t];
      sc.cpu_features(row, models::kFetchRequests) = freq[b][t];
      sc.cpu_features(row, models::kMessagesIn) = msgs[b][t];
      sc.cpu_observed(row) = cpu[b][t];
    }
  }
  std::vector<Series> unexplained(nb, Series(kLength, 0.0));
  {
    Eigen::MatrixXd fx(nb * kBaselineEnd, models::kNumCpuFeatures);
    Eigen::VectorXd fy(nb * kBaselineEnd);
    for (int b = 0; b < nb; ++b) {
      fx.middleRows(b * kBaselineEnd, kBaselineEnd) =
          sc.cpu_features.middleRows(b * kLength, kBaselineEnd);
      fy.segment(b * kBaselineEnd, kBaselineEnd) =
          sc.cpu_observed.segment(b * kLength, kBaselineEnd);
    }
    Result<models::CpuModel> m = models::FitCpuModel(fx, fy, models::CpuModelParams{});
    if (m.ok()) {
      Result<models::CpuEvaluation> e =
          models::EvaluateCpuModel(*m, sc.cpu_features, sc.cpu_observed);
      for (int b = 0; b < nb; ++b) {
        for (size_t t = 0; t < kLength; ++t) {
          unexplained[b][t] = up[b][t] * e->residual(static_cast<Eigen::Index>(b * kLength + t));
        }
      }
    }
  }

  // Cluster-level series.
  Series topic_bytes(kLength), topic_msgs(kLength), skew(kLength), online(kLength),
      plat_max(kLength, 0.0), log_size(kLength), heap(kLength);
  const Series n_top = gen.Ar(0.006), n_skew = gen.Ar(0.01);
  for (size_t t = 0; t < kLength; ++t) {
    double sum = 0, mx = 0;
    for (int b = 0; b < nb; ++b) {
      sum += in[b][t];
      mx = std::max(mx, in[b][t]);
    }
    topic_bytes[t] = rate[t] * kMsgSize * (1 + n_top[t]);
    topic_msgs[t] = rate[t] * (1 + n_top[t]);
    skew[t] = (mx / (sum / up_count[t])) * (1 + n_skew[t]);
    online[t] = up_count[t];
    // Log size: grows with the input, retention deletes the oldest segment every 45 minutes.
    log_size[t] = (t == 0 ? 4e11 : log_size[t - 1]) + 60.0 * rate[t] * kMsgSize;
    if (t % 45 == 44) log_size[t] -= 45 * 60.0 * r0 * kMsgSize;
    heap[t] = 0.3 + 0.5 * std::fmod(t / 37.0, 1.0) + 0.02 * gen.N();
  }

  // Per-broker clock skew for every JMX series of that broker.
  std::vector<int> skew_of(nb);
  for (int b = 0; b < nb; ++b) skew_of[b] = gen.I(-2, 2);
  auto sk = [&](int b, const Series& s) { return Shift(s, skew_of[b]); };
  for (int b = 0; b < nb; ++b) {
    const Series shifted = sk(b, plat[b]);
    for (size_t t = 0; t < kLength; ++t) {
      if (up[b][t] > 0) plat_max[t] = std::max(plat_max[t], shifted[t]);
    }
  }
  // An unrelated blip in the baseline on one random broker's disk.
  const int blip_b = gen.I(0, nb - 1);
  for (size_t t = 150; t < 160; ++t) disk[blip_b][t] *= 2.0;

  // Target.
  switch (kind) {
    case FaultKind::kHotPartition:
    case FaultKind::kCpuContention:
      sc.target_name = "produce_latency{" + B(fb) + "}";
      sc.target = sk(fb, plat[fb]);
      break;
    case FaultKind::kBrokerDown:
      sc.target_name = "produce_latency_max";
      sc.target = plat_max;
      break;
    case FaultKind::kSlowConsumer:
    case FaultKind::kProducerBurst:
      sc.target_name = "consumer_lag{" + G(0) + "}";
      sc.target = lag[0];
      break;
  }

  Builder add{&sc};
  add.Add("topic_bytes_in", "topic=\"orders\"", topic_bytes);
  add.Add("topic_messages_in", "topic=\"orders\"", topic_msgs);
  add.Add("partition_skew", "", skew);
  add.Add("brokers_online", "", online);
  add.AddCustom("log_size_bytes", Layer::kResources, 0.9, +1, log_size);
  add.AddCustom("jvm_heap_used_ratio{broker=\"1\"}", Layer::kResources, 0.9, +1, heap);
  for (int g = 0; g < kGroups; ++g) {
    Series cr(kLength), members(kLength, 4.0);
    const Series n = gen.Ar(0.02);
    for (size_t t = 0; t < kLength; ++t) cr[t] = consumed[g][t] * (1 + n[t]);
    add.Add("consumer_rate", G(g), cr);
    add.Add("consumer_members", G(g), members);
    if (!(g == 0 && sc.target_name == "consumer_lag{" + G(0) + "}"))
      add.Add("consumer_lag", G(g), lag[g]);
  }
  for (int b = 0; b < nb; ++b) {
    add.Add("broker_up", B(b), up[b]);
    add.Add("broker_bytes_in", B(b), sk(b, in[b]));
    add.Add("broker_messages_in", B(b), sk(b, msgs[b]));
    add.Add("broker_bytes_out", B(b), sk(b, out[b]));
    add.Add("produce_request_rate", B(b), sk(b, preq[b]));
    add.Add("fetch_consumer_request_rate", B(b), sk(b, freq[b]));
    add.Add("broker_cpu", B(b), sk(b, cpu[b]));
    add.Add("broker_cpu_unexplained", B(b), sk(b, unexplained[b]));
    add.Add("request_handler_idle", B(b), sk(b, idle[b]));
    add.Add("network_processor_idle", B(b), sk(b, netidle[b]));
    add.Add("request_queue_time", B(b), sk(b, queue[b]));
    add.Add("isr_shrinks", B(b), sk(b, shrinks[b]));
    add.Add("under_replicated", B(b), sk(b, urp[b]));
    if (!(b == fb && (kind == FaultKind::kHotPartition || kind == FaultKind::kCpuContention))) {
      add.Add("produce_latency", B(b), sk(b, plat[b]));
    }
    add.Add("fetch_latency", B(b), sk(b, flat[b]));
    add.Add("disk_write", B(b), disk[b]);
    add.Add("network_tx", B(b), net[b]);
  }

  switch (kind) {
    case FaultKind::kHotPartition:
      sc.true_causes = {"partition_skew", "broker_bytes_in{" + B(fb) + "}",
                        "broker_messages_in{" + B(fb) + "}"};
      break;
    case FaultKind::kSlowConsumer:
      sc.true_causes = {"consumer_rate{" + G(0) + "}"};
      break;
    case FaultKind::kBrokerDown:
      sc.true_causes = {"brokers_online", "broker_up{" + B(fb) + "}"};
      break;
    case FaultKind::kProducerBurst:
      // Every input-rate series measures the burst: the topic's, and each broker's share of it.
      sc.true_causes = {"topic_bytes_in{topic=\"orders\"}", "topic_messages_in{topic=\"orders\"}"};
      for (int b = 0; b < nb; ++b) {
        sc.true_causes.push_back("broker_bytes_in{" + B(b) + "}");
        sc.true_causes.push_back("broker_messages_in{" + B(b) + "}");
      }
      break;
    case FaultKind::kCpuContention:
      sc.true_causes = {"broker_cpu{" + B(fb) + "}", "broker_cpu_unexplained{" + B(fb) + "}"};
      break;
  }

  sc.params.baseline_begin = 0;
  sc.params.baseline_end = kBaselineEnd;
  sc.params.window_begin = 255;
  sc.params.window_end = kLength;
  sc.params.max_shift = 3;
  sc.params.target_bad_direction = +1;
  return sc;
}

}  // namespace streamlens::analysis::rootcause
