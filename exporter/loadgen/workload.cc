#include "exporter/loadgen/workload.h"

#include <algorithm>
#include <cmath>
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
    std::vector<int64_t> acked;  // acknowledged messages = high watermark (from 0)
    std::vector<double> carry;   // fractional messages not produced yet
  };
  std::vector<Topic> topics;
  std::unordered_map<std::string, size_t> topic_index;
  struct Group {
    std::string name;
    size_t topic;
    std::vector<int64_t> committed;
    std::vector<int64_t> last_committed;  // what the broker has
    std::vector<double> capacity;         // consumable messages carried over
    std::unique_ptr<OffsetCommitter> committer;
    bool rewound = false;
    bool commit_failing = false;
  };
  std::vector<Group> groups;
  std::vector<bool> broker_down_applied;  // broker faults in force, per fault index
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
  return k == FaultKind::kBrokerDown || k == FaultKind::kBrokerSlow;
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
  if (!o.probe_topic.empty() && !o.servers.empty()) {
    return Status::Error("--probe-topic needs the embedded mock cluster (no --kafka.server)");
  }
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

}  // namespace

Result<std::unique_ptr<Workload>> Workload::Create(WorkloadOptions o, Logger logger) {
  STREAMLENS_RETURN_IF_ERROR(ValidateWorkload(o));
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
  for (int t = 0; t < o.topics; ++t) {
    Impl::Topic topic;
    topic.name = o.topic_prefix + std::to_string(t);
    topic.acked.assign(o.partitions_per_topic, 0);
    topic.carry.assign(o.partitions_per_topic, 0);
    if (impl->mock) {
      STREAMLENS_RETURN_IF_ERROR(
          impl->mock->CreateTopic(topic.name, o.partitions_per_topic, o.replication_factor));
    }
    impl->topic_index[topic.name] = impl->topics.size();
    impl->topics.push_back(std::move(topic));
  }
  for (const auto& f : o.scenario.faults) {
    if (!f.topic.empty() && !impl->topic_index.count(f.topic)) {
      return Status::Error("scenario: fault " + std::string(FaultKindName(f.kind)) +
                           " names unknown topic \"" + f.topic + "\"");
    }
    if (f.kind == FaultKind::kPartitionSkew && f.partition >= o.partitions_per_topic) {
      return Status::Error("scenario: partition_skew partition " + std::to_string(f.partition) +
                           " out of range");
    }
  }
  Impl* raw = impl.get();
  auto producer = Producer::Create(bootstrap, {{"message.timeout.ms", "60000"}},
                                   [raw](const char* topic, int32_t partition, bool ok) {
                                     raw->OnDelivery(topic, partition, ok);
                                   });
  if (!producer.ok()) return producer.status();
  impl->producer = std::move(*producer);

  std::vector<std::string> group_names;
  for (int g = 0; g < o.groups; ++g) {
    Impl::Group group;
    group.name = o.group_prefix + std::to_string(g);
    group.topic = static_cast<size_t>(g % o.topics);
    group.committed.assign(o.partitions_per_topic, 0);
    group.last_committed.assign(o.partitions_per_topic, -1);
    group.capacity.assign(o.partitions_per_topic, 0);
    auto c = OffsetCommitter::Create(bootstrap, group.name);
    if (!c.ok()) return c.status();
    group.committer = std::move(*c);
    group_names.push_back(group.name);
    impl->groups.push_back(std::move(group));
  }
  for (const auto& f : o.scenario.faults) {
    if (!f.group.empty() &&
        std::find(group_names.begin(), group_names.end(), f.group) == group_names.end()) {
      return Status::Error("scenario: fault " + std::string(FaultKindName(f.kind)) +
                           " names unknown group \"" + f.group + "\"");
    }
  }
  impl->broker_down_applied.assign(o.scenario.faults.size(), false);

  std::unique_ptr<Workload> w(new Workload(std::move(impl)));
  w->bootstrap_ = bootstrap;
  w->group_names_ = group_names;
  for (const auto& t : w->impl_->topics) w->topic_names_.push_back(t.name);
  // Initial commit at 0 everywhere, in parallel.
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  std::string first_error;
  std::mutex mu;
  const size_t nthreads = std::min<size_t>(4, std::max<size_t>(1, w->impl_->groups.size()));
  for (size_t k = 0; k < nthreads; ++k) {
    threads.emplace_back([&, k] {
      for (size_t g = k; g < w->impl_->groups.size(); g += nthreads) {
        auto& group = w->impl_->groups[g];
        std::vector<OffsetToCommit> list;
        const std::string& topic = w->impl_->topics[group.topic].name;
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
  return w;
}

std::map<std::string, std::string> Workload::GroupTopics() const {
  std::map<std::string, std::string> m;
  for (const auto& g : impl_->groups) m[g.name] = impl_->topics[g.topic].name;
  return m;
}

void Workload::Tick(std::chrono::milliseconds elapsed, double dt) {
  Impl& s = *impl_;
  const WorkloadOptions& o = s.options;
  const auto& faults = o.scenario.faults;

  // Broker faults (mock).
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    if (!IsBrokerFault(f.kind) || !s.mock) continue;
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

  // Production.
  const double base_topic_rate = o.rate / o.topics;
  for (size_t t = 0; t < s.topics.size(); ++t) {
    auto& topic = s.topics[t];
    double rate = base_topic_rate;
    std::vector<double> weight(topic.acked.size(), 1.0);
    for (const Fault& f : faults) {
      if (!f.ActiveAt(elapsed)) continue;
      if ((f.kind == FaultKind::kProducerBurst || f.kind == FaultKind::kDailyBurst) &&
          (f.topic.empty() || f.topic == topic.name)) {
        rate *= f.factor;
      }
      if (f.kind == FaultKind::kPartitionSkew && f.topic == topic.name) {
        weight[f.partition] *= f.factor;
      }
    }
    double wsum = 0;
    for (double w : weight) wsum += w;
    for (size_t p = 0; p < topic.acked.size(); ++p) {
      topic.carry[p] += rate * dt * weight[p] / wsum;
      const int n = static_cast<int>(std::floor(topic.carry[p]));
      if (n <= 0) continue;
      topic.carry[p] -= n;
      Status st = s.producer->Produce(topic.name, static_cast<int>(p), n);
      if (!st.ok()) s.logger.Debug("produce failed", {{"err", st.message()}});
    }
  }
  // Wait for acknowledgements (bounded: a down leader must not stall the tick).
  (void)s.producer->Flush(static_cast<int>(std::max<int64_t>(10, o.tick.count() / 2)));

  // Consumption and commits.
  const double base_partition_rate = base_topic_rate / o.partitions_per_topic;
  const size_t nthreads = std::min<size_t>(4, std::max<size_t>(1, s.groups.size()));
  std::vector<std::thread> threads;
  for (size_t k = 0; k < nthreads; ++k) {
    threads.emplace_back([&, k] {
      for (size_t g = k; g < s.groups.size(); g += nthreads) {
        auto& group = s.groups[g];
        const auto& topic = s.topics[group.topic];
        double factor = 1;
        bool stopped = false;
        int64_t rewind = 0;
        for (const Fault& f : faults) {
          if (f.group != group.name || !f.ActiveAt(elapsed)) continue;
          if (f.kind == FaultKind::kConsumerStop) stopped = true;
          if (f.kind == FaultKind::kConsumerSlowdown) factor *= f.factor;
          if (f.kind == FaultKind::kConsumerRewind && !group.rewound) {
            rewind = f.offsets;
            group.rewound = true;
          }
        }
        if (stopped) continue;
        std::vector<OffsetToCommit> list;
        for (size_t p = 0; p < group.committed.size(); ++p) {
          const int64_t hw = topic.acked[p];
          if (rewind > 0) {
            group.committed[p] = std::max<int64_t>(0, group.committed[p] - rewind);
            group.capacity[p] = 0;
          } else {
            group.capacity[p] += o.headroom * base_partition_rate * dt * factor;
            const int64_t can = static_cast<int64_t>(std::floor(group.capacity[p]));
            const int64_t take = std::min<int64_t>(can, hw - group.committed[p]);
            if (take > 0) {
              group.committed[p] += take;
              group.capacity[p] -= static_cast<double>(take);
            }
            // A consumer at the head cannot bank capacity for later.
            if (group.committed[p] >= hw) group.capacity[p] = std::min(group.capacity[p], 1.0);
          }
          if (group.committed[p] != group.last_committed[p]) {
            list.push_back({topic.name, static_cast<int>(p), group.committed[p]});
          }
        }
        Status st = group.committer->Commit(list);
        if (st.ok()) {
          for (const auto& c : list) group.last_committed[c.partition] = c.offset;
          if (group.commit_failing) s.logger.Info("commits recovered", {{"group", group.name}});
          group.commit_failing = false;
        } else if (!group.commit_failing) {
          s.logger.Warn("commit failed", {{"group", group.name}, {"err", st.message()}});
          group.commit_failing = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
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
