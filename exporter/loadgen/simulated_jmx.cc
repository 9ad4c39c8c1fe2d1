#include "exporter/loadgen/simulated_jmx.h"

#include <algorithm>
#include <cmath>

namespace streamlens::exporter::loadgen {
namespace {

// Yammer meters tick every 5 s; with a continuous update the weight of a tick of dt seconds in
// an exponentially weighted rate of time constant tau is 1 - exp(-dt / tau).
double Ewma(double previous, double value, double dt, double tau) {
  return previous + (1 - std::exp(-dt / tau)) * (value - previous);
}

void AddMeter(std::vector<MBean>* out, std::string name, const double count, double m1, double m5,
              double m15, double uptime) {
  out->push_back({std::move(name),
                  {{"Count", count},
                   {"MeanRate", uptime > 0 ? count / uptime : 0},
                   {"OneMinuteRate", m1},
                   {"FiveMinuteRate", m5},
                   {"FifteenMinuteRate", m15}}});
}

void AddTimer(std::vector<MBean>* out, std::string name, double count, double p50) {
  out->push_back({std::move(name),
                  {{"Count", count},
                   {"Mean", p50 * 1.2},
                   {"50thPercentile", p50},
                   {"75thPercentile", p50 * 1.5},
                   {"95thPercentile", p50 * 2.5},
                   {"98thPercentile", p50 * 3},
                   {"99thPercentile", p50 * 3.5},
                   {"999thPercentile", p50 * 6}}});
}

}  // namespace

void SimulatedJmx::Meter::Mark(double n, double dt) {
  const double rate = dt > 0 ? n / dt : 0;
  if (count == 0 && m1 == 0) {
    m1 = m5 = m15 = rate;  // as Yammer: the first tick sets the rates
  } else {
    m1 = Ewma(m1, rate, dt, 60);
    m5 = Ewma(m5, rate, dt, 300);
    m15 = Ewma(m15, rate, dt, 900);
  }
  count += n;
}

Result<std::unique_ptr<SimulatedJmx>> SimulatedJmx::Create(JmxLayout layout, uint64_t seed) {
  if (layout.brokers < 1) return Status::Error("simulated JMX: expected at least one broker");
  if (layout.leader.size() != layout.topics.size()) {
    return Status::Error("simulated JMX: one leader list per topic expected");
  }
  for (const auto& parts : layout.leader) {
    for (int b : parts) {
      if (b < 1 || b > layout.brokers) {
        return Status::Error("simulated JMX: leader " + std::to_string(b) +
                             " is not a broker (1.." + std::to_string(layout.brokers) + ")");
      }
    }
  }
  if (!(layout.nominal_rate > 0) || !(layout.message_bytes > 0)) {
    return Status::Error("simulated JMX: nominal rate and message size must be > 0");
  }
  layout.replication_factor = std::clamp(layout.replication_factor, 1, layout.brokers);
  return std::unique_ptr<SimulatedJmx>(new SimulatedJmx(std::move(layout), seed));
}

SimulatedJmx::SimulatedJmx(JmxLayout layout, uint64_t seed)
    : layout_(std::move(layout)), rng_(seed) {
  brokers_.resize(static_cast<size_t>(layout_.brokers));
  size_t total = 0;
  for (auto& br : brokers_) {
    br.topic_bytes_in.resize(layout_.topics.size());
    br.topic_bytes_out.resize(layout_.topics.size());
    br.topic_messages_in.resize(layout_.topics.size());
  }
  for (size_t t = 0; t < layout_.leader.size(); ++t) {
    log_bytes_.emplace_back(layout_.leader[t].size(), 0.0);
    for (int b : layout_.leader[t]) ++brokers_[static_cast<size_t>(b - 1)].leaders;
    total += layout_.leader[t].size();
  }
  for (auto& br : brokers_) {
    const bool all = layout_.replication_factor >= layout_.brokers;
    br.partitions =
        all ? static_cast<int>(total)
            : static_cast<int>(std::lround(static_cast<double>(total) * layout_.replication_factor /
                                           layout_.brokers));
  }
}

void SimulatedJmx::Record(const JmxTick& tick) {
  const size_t nb = brokers_.size();
  if (tick.produced.size() != layout_.topics.size() ||
      tick.consumed.size() != layout_.topics.size() ||
      tick.fetches.size() != layout_.topics.size() || tick.saturated.size() != nb ||
      tick.down.size() != nb || !(tick.dt > 0)) {
    return;
  }
  for (size_t t = 0; t < layout_.topics.size(); ++t) {
    const size_t np = layout_.leader[t].size();
    if (tick.produced[t].size() != np || tick.consumed[t].size() != np ||
        tick.fetches[t].size() != np) {
      return;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  uptime_ += tick.dt;
  std::uniform_real_distribution<double> noise(-0.002, 0.002);
  for (int b = 1; b <= layout_.brokers; ++b) {
    const double ni = noise(rng_), nc = noise(rng_);
    RecordBroker(tick, b, ni, nc);
  }
  for (size_t t = 0; t < layout_.topics.size(); ++t) {
    for (size_t p = 0; p < layout_.leader[t].size(); ++p) {
      log_bytes_[t][p] += tick.produced[t][p] * layout_.message_bytes;
    }
  }
}

void SimulatedJmx::RecordBroker(const JmxTick& tick, int b, double noise_idle, double noise_cpu) {
  Broker& br = brokers_[static_cast<size_t>(b - 1)];
  const double dt = tick.dt;
  const double mb = layout_.message_bytes;
  const int rf = layout_.replication_factor;
  double msgs = 0, out_msgs = 0, others = 0, produce_req = 0, fetch_req = 0;
  int offline = 0;
  for (size_t t = 0; t < layout_.topics.size(); ++t) {
    double tin = 0, tout = 0;
    for (size_t p = 0; p < layout_.leader[t].size(); ++p) {
      const int leader = layout_.leader[t][p];
      if (tick.down[static_cast<size_t>(leader - 1)]) ++offline;
      if (leader != b) {
        others += tick.produced[t][p];
        continue;
      }
      tin += tick.produced[t][p];
      tout += tick.consumed[t][p];
      if (tick.produced[t][p] > 0) produce_req += 1;
      fetch_req += tick.fetches[t][p];
    }
    br.topic_messages_in[t].Mark(tin, dt);
    br.topic_bytes_in[t].Mark(tin * mb, dt);
    br.topic_bytes_out[t].Mark(tout * mb, dt);
    msgs += tin;
    out_msgs += tout;
  }
  const double followers =
      layout_.brokers > 1 ? static_cast<double>(rf - 1) / (layout_.brokers - 1) : 0;
  br.messages_in.Mark(msgs, dt);
  br.bytes_in.Mark(msgs * mb, dt);
  br.bytes_out.Mark(out_msgs * mb, dt);
  br.repl_in.Mark(others * mb * followers, dt);
  br.repl_out.Mark(msgs * mb * (rf - 1), dt);
  br.produce_requests.Mark(produce_req, dt);
  br.fetch_consumer_requests.Mark(fetch_req, dt);
  br.fetch_follower_requests.Mark(br.leaders * (rf - 1) * 2.0 * dt, dt);

  br.down = tick.down[static_cast<size_t>(b - 1)];
  const bool saturated = tick.saturated[static_cast<size_t>(b - 1)];
  br.saturation = Ewma(br.saturation, saturated ? 1.0 : 0.0, dt, 60);
  const double load = br.messages_in.m1 / (layout_.nominal_rate / layout_.brokers);
  const double idle_target = saturated ? 0.05 : std::clamp(0.95 - 0.2 * load, 0.05, 1.0);
  br.idle_meter.Mark(std::clamp(idle_target + noise_idle, 0.0, 1.0) * dt, dt);
  br.idle = br.idle_meter.m1;
  br.cpu =
      Ewma(br.cpu, std::clamp(0.08 + 0.2 * load + (saturated ? 0.55 : 0.0) + noise_cpu, 0.0, 1.0),
           dt, 60);
  int down_peers = 0;
  for (int o = 1; o <= layout_.brokers; ++o) {
    if (o != b && tick.down[static_cast<size_t>(o - 1)]) ++down_peers;
  }
  br.under_replicated =
      static_cast<int>(std::lround(br.leaders * std::min(1.0, down_peers * followers)));
  br.offline = offline;
}

Result<std::vector<MBean>> SimulatedJmx::Read(int broker) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (broker < 1 || broker > layout_.brokers) {
    return Status::Error("no broker " + std::to_string(broker));
  }
  if (brokers_[static_cast<size_t>(broker - 1)].down) {
    return Status::Error("broker " + std::to_string(broker) + " is down");
  }
  return Beans(broker);
}

std::vector<MBean> SimulatedJmx::Beans(int b) const {
  const Broker& br = brokers_[static_cast<size_t>(b - 1)];
  std::vector<MBean> out;
  const std::string btm = "kafka.server:type=BrokerTopicMetrics,name=";
  auto meter = [&](const std::string& name, const Meter& m) {
    AddMeter(&out, name, m.count, m.m1, m.m5, m.m15, uptime_);
  };
  meter(btm + "MessagesInPerSec", br.messages_in);
  meter(btm + "BytesInPerSec", br.bytes_in);
  meter(btm + "BytesOutPerSec", br.bytes_out);
  meter(btm + "ReplicationBytesInPerSec", br.repl_in);
  meter(btm + "ReplicationBytesOutPerSec", br.repl_out);
  for (size_t t = 0; t < layout_.topics.size(); ++t) {
    const std::string topic = ",topic=" + layout_.topics[t];
    meter(btm + "MessagesInPerSec" + topic, br.topic_messages_in[t]);
    meter(btm + "BytesInPerSec" + topic, br.topic_bytes_in[t]);
    meter(btm + "BytesOutPerSec" + topic, br.topic_bytes_out[t]);
  }
  const std::string rm = "kafka.network:type=RequestMetrics,name=";
  meter(rm + "RequestsPerSec,request=Produce", br.produce_requests);
  meter(rm + "RequestsPerSec,request=FetchConsumer", br.fetch_consumer_requests);
  meter(rm + "RequestsPerSec,request=FetchFollower", br.fetch_follower_requests);
  const double slow = 1 + 200 * br.saturation;
  AddTimer(&out, rm + "TotalTimeMs,request=Produce", br.produce_requests.count, 1.5 * slow);
  AddTimer(&out, rm + "TotalTimeMs,request=FetchConsumer", br.fetch_consumer_requests.count,
           2.0 * slow);
  AddTimer(&out, rm + "RequestQueueTimeMs,request=Produce", br.produce_requests.count,
           0.1 * (1 + 1000 * br.saturation));
  meter("kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent",
        br.idle_meter);
  out.push_back({"kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent",
                 {{"Value", std::clamp(1 - (1 - br.idle) * 0.5, 0.0, 1.0)}}});
  const std::string rpm = "kafka.server:type=ReplicaManager,name=";
  out.push_back({rpm + "PartitionCount", {{"Value", static_cast<double>(br.partitions)}}});
  out.push_back({rpm + "LeaderCount", {{"Value", static_cast<double>(br.leaders)}}});
  out.push_back(
      {rpm + "UnderReplicatedPartitions", {{"Value", static_cast<double>(br.under_replicated)}}});
  out.push_back({rpm + "UnderMinIsrPartitionCount", {{"Value", 0.0}}});
  meter(rpm + "IsrShrinksPerSec", br.isr_shrinks);
  int controller = 0;
  for (int o = 1; o <= layout_.brokers && controller == 0; ++o) {
    if (!brokers_[static_cast<size_t>(o - 1)].down) controller = o;
  }
  const std::string kc = "kafka.controller:type=KafkaController,name=";
  out.push_back({kc + "ActiveControllerCount", {{"Value", controller == b ? 1.0 : 0.0}}});
  out.push_back(
      {kc + "OfflinePartitionsCount", {{"Value", controller == b ? br.offline * 1.0 : 0.0}}});
  const bool all = layout_.replication_factor >= layout_.brokers;
  for (size_t t = 0; t < layout_.topics.size(); ++t) {
    for (size_t p = 0; p < layout_.leader[t].size(); ++p) {
      if (!all && layout_.leader[t][p] != b) continue;
      out.push_back({"kafka.log:type=Log,name=Size,topic=" + layout_.topics[t] +
                         ",partition=" + std::to_string(p),
                     {{"Value", log_bytes_[t][p]}}});
    }
  }
  out.push_back({"java.lang:type=OperatingSystem",
                 {{"ProcessCpuLoad", br.cpu}, {"SystemCpuLoad", std::min(1.0, br.cpu + 0.05)}}});
  return out;
}

}  // namespace streamlens::exporter::loadgen
