#include "exporter/loadgen/workload.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "exporter/loadgen/kafka_driver.h"
#include "exporter/loadgen/mock_cluster.h"

namespace streamlens::exporter::loadgen {

struct Workload::Impl {
  WorkloadOptions options;
  Logger logger;
  std::unique_ptr<MockCluster> mock;
  struct Topic {
    std::string name;
    std::vector<int64_t> acked;   // acknowledged messages = high watermark (from 0)
    std::vector<double> carry;    // fractional messages not produced yet
    std::vector<double> nominal;  // base messages/s per partition (no faults)
    std::vector<int> leader;      // broker id per partition (mock only; -1 unknown)
  };
  std::vector<Topic> topics;
  std::unordered_map<std::string, size_t> topic_index;
  struct Group {
    std::string name;
    size_t topic;
    int coordinator = -1;  // mock only
    std::vector<int64_t> committed;
    std::vector<int64_t> last_committed;  // what the broker has
    std::vector<double> capacity;         // consumable messages carried over
    std::unique_ptr<OffsetCommitter> committer;
    bool rewound = false;
    bool commit_failing = false;
  };
  std::vector<Group> groups;
  std::vector<bool> broker_down_applied;  // broker faults in force, per fault index
  std::unique_ptr<SimulatedJmx> jmx;
  // Declared last: destroying the producer flushes and runs the delivery hook on `topics`.
  std::unique_ptr<Producer> producer;

  void OnDelivery(const char* topic, int32_t partition, bool ok) {
    if (!ok) return;
    auto it = topic_index.find(topic);
    if (it == topic_index.end()) return;
    auto& acked = topics[it->second].acked;
    if (partition >= 0 && static_cast<size_t>(partition) < acked.size()) ++acked[partition];
  }
};

Workload::Workload(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Workload::~Workload() = default;

namespace {

bool IsBrokerFault(FaultKind k) {
  return k == FaultKind::kBrokerDown || k == FaultKind::kBrokerSlow ||
         k == FaultKind::kBrokerSaturation;
}

Status ValidateWeights(const std::vector<double>& w, int n, const char* flag) {
  if (w.empty()) return Status::Ok();
  if (static_cast<int>(w.size()) != n) {
    return Status::Error(std::string(flag) + ": expected " + std::to_string(n) + " values, got " +
                         std::to_string(w.size()));
  }
  for (double x : w) {
    if (!(x > 0)) return Status::Error(std::string(flag) + ": weights must be > 0");
  }
  return Status::Ok();
}

Status ValidateMockOptions(const WorkloadOptions& o) {
  if (o.leaders != "mock" && o.leaders != "spread") {
    return Status::Error("--leaders: expected mock or spread, got \"" + o.leaders + "\"");
  }
  const bool mock = o.servers.empty();
  if (!mock && (o.leaders == "spread" || o.simulate_jmx || !o.probe_topic.empty())) {
    return Status::Error(
        "--leaders=spread, the simulated JMX and --probe-topic need the embedded mock cluster "
        "(no --kafka.server)");
  }
  if (o.leaders == "spread" && std::min(o.replication_factor, o.brokers) != o.brokers) {
    return Status::Error("--leaders=spread needs --replication-factor equal to --brokers");
  }
  if (!(o.jmx_message_bytes > 0)) return Status::Error("--jmx.message-bytes must be > 0");
  return Status::Ok();
}

Status ValidateWorkload(const WorkloadOptions& o) {
  if (o.topics < 1 || o.partitions_per_topic < 1 || o.groups < 0 || o.brokers < 1) {
    return Status::Error(
        "--topics, --partitions-per-topic and --brokers must be >= 1, --groups >= 0");
  }
  if (!(o.rate >= 0) || !(o.headroom > 0)) {
    return Status::Error("--rate must be >= 0 and --consumer.headroom > 0");
  }
  if (o.tick.count() < 10) return Status::Error("--tick: expected at least 10ms");
  STREAMLENS_RETURN_IF_ERROR(ValidateWeights(o.topic_weights, o.topics, "--topic-weights"));
  STREAMLENS_RETURN_IF_ERROR(
      ValidateWeights(o.partition_weights, o.partitions_per_topic, "--partition-weights"));
  STREAMLENS_RETURN_IF_ERROR(ValidateMockOptions(o));
  for (const auto& f : o.scenario.faults) {
    if (!IsBrokerFault(f.kind)) continue;
    const std::string kind(FaultKindName(f.kind));
    if (!o.servers.empty()) {
      return Status::Error("scenario: " + kind +
                           " needs the embedded mock cluster (no --kafka.server)");
    }
    if (f.broker > o.brokers) {
      return Status::Error("scenario: " + kind + " broker " + std::to_string(f.broker) +
                           " does not exist (brokers are 1.." + std::to_string(o.brokers) + ")");
    }
  }
  return Status::Ok();
}

// The end-to-end probe's topic on the mock: partition i led by broker i + 1, so each broker's
// latency shows in its own partition.
Status CreateProbeTopic(MockCluster& mock, const WorkloadOptions& o) {
  STREAMLENS_RETURN_IF_ERROR(mock.CreateTopic(o.probe_topic, o.brokers, o.replication_factor));
  for (int b = 1; b <= o.brokers; ++b) {
    STREAMLENS_RETURN_IF_ERROR(mock.SetLeader(o.probe_topic, b - 1, b));
  }
  return Status::Ok();
}

// Base messages/s of partition p of topic t.
double NominalRate(const WorkloadOptions& o, int t, int p) {
  const auto share = [](const std::vector<double>& w, int i, int n) {
    if (w.empty()) return 1.0 / n;
    return w[static_cast<size_t>(i)] / std::accumulate(w.begin(), w.end(), 0.0);
  };
  return o.rate * share(o.topic_weights, t, o.topics) *
         share(o.partition_weights, p, o.partitions_per_topic);
}

}  // namespace

Status Workload::CreateTopics(Impl& s) {
  const WorkloadOptions& o = s.options;
  for (int t = 0; t < o.topics; ++t) {
    Impl::Topic topic;
    topic.name = o.topic_prefix + std::to_string(t);
    topic.acked.assign(o.partitions_per_topic, 0);
    topic.carry.assign(o.partitions_per_topic, 0);
    topic.leader.assign(o.partitions_per_topic, -1);
    for (int p = 0; p < o.partitions_per_topic; ++p) topic.nominal.push_back(NominalRate(o, t, p));
    if (s.mock) {
      STREAMLENS_RETURN_IF_ERROR(
          s.mock->CreateTopic(topic.name, o.partitions_per_topic, o.replication_factor));
      for (int p = 0; o.leaders == "spread" && p < o.partitions_per_topic; ++p) {
        STREAMLENS_RETURN_IF_ERROR(s.mock->SetLeader(topic.name, p, (t + p) % o.brokers + 1));
      }
    }
    s.topic_index[topic.name] = s.topics.size();
    s.topics.push_back(std::move(topic));
  }
  for (const auto& f : o.scenario.faults) {
    if (!f.topic.empty() && !s.topic_index.count(f.topic)) {
      return Status::Error("scenario: fault " + std::string(FaultKindName(f.kind)) +
                           " names unknown topic \"" + f.topic + "\"");
    }
    if (f.kind == FaultKind::kPartitionSkew && f.partition >= o.partitions_per_topic) {
      return Status::Error("scenario: partition_skew partition " + std::to_string(f.partition) +
                           " out of range");
    }
  }
  return Status::Ok();
}

// Mock only: every partition's leader from the metadata, and the simulated JMX over them.
Status Workload::ReadLeaders(Impl& s) {
  if (!s.mock) return Status::Ok();
  std::vector<std::string> names;
  for (const auto& t : s.topics) names.push_back(t.name);
  auto leaders = s.producer->PartitionLeaders(names, 10000);
  if (!leaders.ok()) return leaders.status();
  JmxLayout layout;
  layout.brokers = s.options.brokers;
  layout.replication_factor = s.options.replication_factor;
  layout.nominal_rate = std::max(s.options.rate, 1e-9);
  layout.message_bytes = s.options.jmx_message_bytes;
  for (auto& t : s.topics) {
    const auto& l = leaders->at(t.name);
    for (size_t p = 0; p < t.leader.size() && p < l.size(); ++p) {
      // A partition without a leader in the metadata counts against the first broker.
      t.leader[p] = l[p] >= 1 && l[p] <= s.options.brokers ? l[p] : 1;
    }
    layout.topics.push_back(t.name);
    layout.leader.push_back(t.leader);
  }
  if (!s.options.simulate_jmx) return Status::Ok();
  auto jmx = SimulatedJmx::Create(std::move(layout));
  if (!jmx.ok()) return jmx.status();
  s.jmx = std::move(*jmx);
  return Status::Ok();
}

Result<std::vector<std::string>> Workload::CreateGroups(Impl& s, const std::string& bootstrap) {
  const WorkloadOptions& o = s.options;
  std::vector<std::string> group_names;
  for (int g = 0; g < o.groups; ++g) {
    Impl::Group group;
    group.name = o.group_prefix + std::to_string(g);
    group.topic = static_cast<size_t>(g % o.topics);
    group.committed.assign(o.partitions_per_topic, 0);
    group.last_committed.assign(o.partitions_per_topic, -1);
    group.capacity.assign(o.partitions_per_topic, 0);
    if (s.mock) {
      group.coordinator = g % o.brokers + 1;
      STREAMLENS_RETURN_IF_ERROR(s.mock->SetGroupCoordinator(group.name, group.coordinator));
    }
    auto c = OffsetCommitter::Create(bootstrap, group.name);
    if (!c.ok()) return c.status();
    group.committer = std::move(*c);
    group_names.push_back(group.name);
    s.groups.push_back(std::move(group));
  }
  for (const auto& f : o.scenario.faults) {
    if (!f.group.empty() &&
        std::find(group_names.begin(), group_names.end(), f.group) == group_names.end()) {
      return Status::Error("scenario: fault " + std::string(FaultKindName(f.kind)) +
                           " names unknown group \"" + f.group + "\"");
    }
  }
  return group_names;
}

// Initial commit at 0 everywhere, in parallel.
Status Workload::CommitZero() {
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex mu;
  auto& groups = impl_->groups;
  const size_t nthreads = std::min<size_t>(4, std::max<size_t>(1, groups.size()));
  for (size_t k = 0; k < nthreads; ++k) {
    threads.emplace_back([&, k] {
      for (size_t g = k; g < groups.size(); g += nthreads) {
        auto& group = groups[g];
        std::vector<OffsetToCommit> list;
        const std::string& topic = impl_->topics[group.topic].name;
        for (size_t p = 0; p < group.committed.size(); ++p) {
          list.push_back({topic, static_cast<int>(p), 0});
        }
        Status s = group.committer->Commit(list);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failed.exchange(true)) first_error = s.message();
        } else {
          std::fill(group.last_committed.begin(), group.last_committed.end(), 0);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return Status::Error("initial commit failed: " + first_error);
  return Status::Ok();
}

Result<std::unique_ptr<Workload>> Workload::Create(WorkloadOptions o, Logger logger) {
  STREAMLENS_RETURN_IF_ERROR(ValidateWorkload(o));
  o.replication_factor = std::min(o.replication_factor, o.brokers);
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->logger = logger;
  std::string bootstrap;
  if (o.servers.empty()) {
    auto mc = MockCluster::Start(o.brokers);
    if (!mc.ok()) return mc.status();
    impl->mock = std::move(*mc);
    bootstrap = impl->mock->bootstrap();
    if (!o.probe_topic.empty()) STREAMLENS_RETURN_IF_ERROR(CreateProbeTopic(*impl->mock, o));
  } else {
    for (const auto& s : o.servers) bootstrap += (bootstrap.empty() ? "" : ",") + s;
  }
  STREAMLENS_RETURN_IF_ERROR(CreateTopics(*impl));
  Impl* raw = impl.get();
  auto producer = Producer::Create(bootstrap, {{"message.timeout.ms", "60000"}},
                                   [raw](const char* topic, int32_t partition, bool ok) {
                                     raw->OnDelivery(topic, partition, ok);
                                   });
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(*producer);
  STREAMLENS_RETURN_IF_ERROR(ReadLeaders(*impl));
  auto group_names = CreateGroups(*impl, bootstrap);
  if (!group_names.ok()) return group_names.status();
  impl->broker_down_applied.assign(o.scenario.faults.size(), false);

  std::unique_ptr<Workload> w(new Workload(std::move(impl)));
  w->bootstrap_ = bootstrap;
  w->group_names_ = *group_names;
  for (const auto& t : w->impl_->topics) w->topic_names_.push_back(t.name);
  STREAMLENS_RETURN_IF_ERROR(w->CommitZero());
  return w;
}

std::map<std::string, std::string> Workload::GroupTopics() const {
  std::map<std::string, std::string> m;
  for (const auto& g : impl_->groups) m[g.name] = impl_->topics[g.topic].name;
  return m;
}

const SimulatedJmx* Workload::jmx() const { return impl_->jmx.get(); }

// Mock broker faults whose state changed: down/up, slow/fast.
void Workload::ApplyMockFaults(std::chrono::milliseconds elapsed) {
  Impl& s = *impl_;
  const auto& faults = s.options.scenario.faults;
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    if ((f.kind != FaultKind::kBrokerDown && f.kind != FaultKind::kBrokerSlow) || !s.mock) {
      continue;
    }
    const bool active = f.ActiveAt(elapsed);
    if (active != s.broker_down_applied[i]) {
      const bool down = f.kind == FaultKind::kBrokerDown;
      Status st =
          down ? (active ? s.mock->SetBrokerDown(f.broker) : s.mock->SetBrokerUp(f.broker))
               : s.mock->SetBrokerRtt(f.broker, active ? static_cast<int>(f.rtt.count()) : 0);
      s.logger.Info(down ? (active ? "broker down" : "broker up")
                         : (active ? "broker slow" : "broker fast again"),
                    {{"broker", f.broker}, {"ok", st.ok()}});
      s.broker_down_applied[i] = active;
    }
  }
}

Workload::BrokerStates Workload::States(std::chrono::milliseconds elapsed) const {
  const int n = impl_->options.brokers;
  BrokerStates st{std::vector<double>(static_cast<size_t>(n), 1.0),
                  std::vector<bool>(static_cast<size_t>(n), false)};
  for (const Fault& f : impl_->options.scenario.faults) {
    if (!f.ActiveAt(elapsed) || f.broker < 1 || f.broker > n) continue;
    if (f.kind == FaultKind::kBrokerSaturation) {
      auto& x = st.throughput[static_cast<size_t>(f.broker - 1)];
      x = std::min(x, f.factor);
    }
    if (f.kind == FaultKind::kBrokerDown) st.down[static_cast<size_t>(f.broker - 1)] = true;
  }
  return st;
}

double Workload::LeaderThroughput(const BrokerStates& st, size_t t, size_t p) const {
  const int leader = impl_->topics[t].leader[p];
  return leader >= 1 ? st.throughput[static_cast<size_t>(leader - 1)] : 1.0;
}

void Workload::Produce(std::chrono::milliseconds elapsed, double dt, const BrokerStates& st,
                       JmxTick* tick) {
  Impl& s = *impl_;
  const WorkloadOptions& o = s.options;
  std::vector<std::vector<int64_t>> before;
  for (auto& topic : s.topics) before.push_back(topic.acked);
  for (size_t t = 0; t < s.topics.size(); ++t) {
    auto& topic = s.topics[t];
    double burst = 1;
    std::vector<double> skew(topic.acked.size(), 1.0);
    for (const Fault& f : o.scenario.faults) {
      if (!f.ActiveAt(elapsed)) continue;
      if ((f.kind == FaultKind::kProducerBurst || f.kind == FaultKind::kDailyBurst) &&
          (f.topic.empty() || f.topic == topic.name)) {
        burst *= f.factor;
      }
      if (f.kind == FaultKind::kPartitionSkew && f.topic == topic.name) {
        skew[f.partition] *= f.factor;
      }
    }
    // A skewed partition takes a larger share of the topic's rate.
    double base = 0, skewed = 0;
    for (size_t p = 0; p < skew.size(); ++p) {
      base += topic.nominal[p];
      skewed += topic.nominal[p] * skew[p];
    }
    for (size_t p = 0; p < topic.acked.size(); ++p) {
      const double rate = topic.nominal[p] * skew[p] * (skewed > 0 ? base / skewed : 1) * burst;
      topic.carry[p] += rate * dt * LeaderThroughput(st, t, p);
      const int n = static_cast<int>(std::floor(topic.carry[p]));
      if (n <= 0) continue;
      topic.carry[p] -= n;
      Status ps = s.producer->Produce(topic.name, static_cast<int>(p), n);
      if (!ps.ok()) s.logger.Debug("produce failed", {{"err", ps.message()}});
    }
  }
  // Wait for acknowledgements (bounded: a down leader must not stall the tick).
  (void)s.producer->Flush(static_cast<int>(std::max<int64_t>(10, o.tick.count() / 2)));
  if (tick == nullptr) return;
  for (size_t t = 0; t < s.topics.size(); ++t) {
    for (size_t p = 0; p < s.topics[t].acked.size(); ++p) {
      tick->produced[t][p] = static_cast<double>(s.topics[t].acked[p] - before[t][p]);
    }
  }
}

// One group's tick: consume within capacity and commit (unless its coordinator is saturated).
void Workload::ConsumeGroup(std::chrono::milliseconds elapsed, double dt, const BrokerStates& st,
                            size_t g, JmxTick* tick, std::mutex* tick_mu) {
  Impl& s = *impl_;
  auto& group = s.groups[g];
  const auto& topic = s.topics[group.topic];
  double factor = 1;
  bool stopped = false;
  int64_t rewind = 0;
  for (const Fault& f : s.options.scenario.faults) {
    if (f.group != group.name || !f.ActiveAt(elapsed)) continue;
    if (f.kind == FaultKind::kConsumerStop) stopped = true;
    if (f.kind == FaultKind::kConsumerSlowdown) factor *= f.factor;
    if (f.kind == FaultKind::kConsumerRewind && !group.rewound) {
      rewind = f.offsets;
      group.rewound = true;
    }
  }
  if (stopped) return;
  // A saturated coordinator times out every commit: the group's progress is not recorded.
  if (group.coordinator >= 1 && st.throughput[static_cast<size_t>(group.coordinator - 1)] < 1) {
    return;
  }
  std::vector<OffsetToCommit> list;
  std::vector<double> consumed(group.committed.size(), 0);
  for (size_t p = 0; p < group.committed.size(); ++p) {
    const int64_t hw = topic.acked[p];
    if (rewind > 0) {
      group.committed[p] = std::max<int64_t>(0, group.committed[p] - rewind);
      group.capacity[p] = 0;
    } else {
      group.capacity[p] += s.options.headroom * topic.nominal[p] * dt * factor *
                           LeaderThroughput(st, group.topic, p);
      const int64_t can = static_cast<int64_t>(std::floor(group.capacity[p]));
      const int64_t take = std::min<int64_t>(can, hw - group.committed[p]);
      if (take > 0) {
        group.committed[p] += take;
        group.capacity[p] -= static_cast<double>(take);
        consumed[p] = static_cast<double>(take);
      }
      // A consumer at the head cannot bank capacity for later.
      if (group.committed[p] >= hw) group.capacity[p] = std::min(group.capacity[p], 1.0);
    }
    if (group.committed[p] != group.last_committed[p]) {
      list.push_back({topic.name, static_cast<int>(p), group.committed[p]});
    }
  }
  if (tick != nullptr) {
    std::lock_guard<std::mutex> lock(*tick_mu);
    for (size_t p = 0; p < consumed.size(); ++p) {
      tick->consumed[group.topic][p] += consumed[p];
      tick->fetches[group.topic][p] += 1;
    }
  }
  Status cs = group.committer->Commit(list);
  if (cs.ok()) {
    for (const auto& c : list) group.last_committed[c.partition] = c.offset;
    if (group.commit_failing) s.logger.Info("commits recovered", {{"group", group.name}});
    group.commit_failing = false;
  } else if (!group.commit_failing) {
    s.logger.Warn("commit failed", {{"group", group.name}, {"err", cs.message()}});
    group.commit_failing = true;
  }
}

void Workload::Tick(std::chrono::milliseconds elapsed, double dt) {
  Impl& s = *impl_;
  ApplyMockFaults(elapsed);
  const BrokerStates st = States(elapsed);
  JmxTick tick;
  JmxTick* rec = s.jmx ? &tick : nullptr;
  if (rec) {
    tick.dt = dt;
    for (const auto& t : s.topics) {
      tick.produced.emplace_back(t.acked.size(), 0.0);
      tick.consumed.emplace_back(t.acked.size(), 0.0);
      tick.fetches.emplace_back(t.acked.size(), 0);
    }
    for (double x : st.throughput) tick.saturated.push_back(x < 1);
    tick.down = st.down;
  }
  Produce(elapsed, dt, st, rec);
  // Consumption and commits, a few groups per thread.
  std::mutex tick_mu;
  const size_t nthreads = std::min<size_t>(4, std::max<size_t>(1, s.groups.size()));
  std::vector<std::thread> threads;
  for (size_t k = 0; k < nthreads; ++k) {
    threads.emplace_back([&, k] {
      for (size_t g = k; g < s.groups.size(); g += nthreads) {
        ConsumeGroup(elapsed, dt, st, g, rec, &tick_mu);
      }
    });
  }
  for (auto& t : threads) t.join();
  if (rec) s.jmx->Record(tick);
}

void Workload::Run(const std::atomic<bool>& stop) {
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  auto next = start;
  while (!stop.load()) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    Tick(std::chrono::duration_cast<std::chrono::milliseconds>(now - start), dt);
    next += impl_->options.tick;
    while (!stop.load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                             next - std::chrono::steady_clock::now()) +
                                             std::chrono::milliseconds(1)));
    }
  }
}

}  // namespace streamlens::exporter::loadgen
