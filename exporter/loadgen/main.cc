// streamlens-loadgen: synthetic Kafka workload with scheduled faults, against an embedded
// librdkafka mock cluster (default) or --kafka.server. With the mock it prints
//   bootstrap=<host:port,...>
//   groups=<name,...>
// as its first two stdout lines (feed them to the exporter's --kafka.server and --group.list),
// and with --jolokia.listen-address a third,
//   jolokia=<id>=<url>,...
// the simulated brokers' Jolokia endpoints (the exporter's --jolokia.url values), then runs until
// SIGTERM/SIGINT (or --duration).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <tuple>

#include "common/daemon.h"
#include "common/flags.h"
#include "exporter/loadgen/jolokia_server.h"
#include "exporter/loadgen/scenario.h"
#include "exporter/loadgen/workload.h"

namespace {

// "1,1.08,0.94" -> {1, 1.08, 0.94}; empty -> {}.
streamlens::Result<std::vector<double>> ParseWeights(const std::string& text) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size()) {
      return streamlens::Status::Error("\"" + item + "\" is not a number");
    }
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

// The command line, before it becomes WorkloadOptions.
struct LoadgenFlags {
  streamlens::exporter::loadgen::WorkloadOptions o;
  int64_t brokers = o.brokers, topics = o.topics, partitions = o.partitions_per_topic,
          groups = o.groups, rf = o.replication_factor;
  std::string scenario_file, ground_truth_file, log_level = "info";
  std::string topic_weights, partition_weights, jolokia_listen;
  std::chrono::milliseconds duration{0};
};

void RegisterFlags(streamlens::FlagSet& flags, LoadgenFlags* f) {
  auto& o = f->o;
  flags.StringList("kafka.server", &o.servers,
                   "Bootstrap server of a real cluster (repeatable); default: embedded mock.");
  flags.Int("brokers", &f->brokers, "Mock brokers.");
  flags.Int("topics", &f->topics, "Topics (named <topic-prefix><i>).");
  flags.Int("partitions-per-topic", &f->partitions, "Partitions per topic.");
  flags.Int("replication-factor", &f->rf, "Mock replication factor (capped at --brokers).");
  flags.Int("groups", &f->groups, "Consumer groups; group i consumes topic i % topics.");
  flags.Double("rate", &o.rate, "Messages per second over all topics.");
  flags.Double("consumer.headroom", &o.headroom,
               "Consumer capacity as a multiple of its partitions' base production rate.");
  flags.Duration("tick", &o.tick, "Production/commit period.");
  flags.String("topic-prefix", &o.topic_prefix, "Topic name prefix.");
  flags.String("group-prefix", &o.group_prefix, "Consumer group name prefix.");
  flags.String("probe-topic", &o.probe_topic,
               "Mock only: create this topic for streamlens-exporter's --probe.topic, one "
               "partition led by each broker.");
  flags.String("topic-weights", &f->topic_weights,
               "Relative production rate per topic, comma-separated (default: equal).");
  flags.String("partition-weights", &f->partition_weights,
               "Relative share per partition index within every topic, comma-separated (default: "
               "equal).");
  flags.String("leaders", &o.leaders,
               "Mock only: mock (the mock places leaders) or spread (partition p of topic t led by "
               "broker (t + p) mod brokers + 1; needs --replication-factor = --brokers).");
  flags.String("jolokia.listen-address", &f->jolokia_listen,
               "Mock only: serve simulated broker JMX as Jolokia agents here (host:port, port 0 "
               "= any), POST /jolokia/<broker id>.");
  flags.Double("jmx.message-bytes", &o.jmx_message_bytes,
               "Bytes each message counts for in the simulated JMX.");
  flags.String("scenario", &f->scenario_file, "Scenario YAML with scheduled faults.");
  flags.String("ground-truth", &f->ground_truth_file,
               "Where to write the injected faults (kind, labels, start, end) as JSON.");
  flags.Duration("duration", &f->duration, "Stop after this long (0: run until SIGTERM).");
  flags.String("log.level", &f->log_level, "debug|info|warn|error");
}

// The workload options from the flags; errors name the flag or the scenario file.
streamlens::Result<streamlens::exporter::loadgen::WorkloadOptions> BuildOptions(
    const LoadgenFlags& f) {
  using namespace streamlens;
  exporter::loadgen::WorkloadOptions o = f.o;
  o.brokers = static_cast<int>(f.brokers);
  o.topics = static_cast<int>(f.topics);
  o.partitions_per_topic = static_cast<int>(f.partitions);
  o.groups = static_cast<int>(f.groups);
  o.replication_factor = static_cast<int>(f.rf);
  for (auto [text, target, flag] :
       {std::tuple{&f.topic_weights, &o.topic_weights, "--topic-weights"},
        std::tuple{&f.partition_weights, &o.partition_weights, "--partition-weights"}}) {
    auto w = ParseWeights(*text);
    if (!w.ok()) return Status::Error(std::string(flag) + ": " + w.status().message());
    *target = std::move(*w);
  }
  o.simulate_jmx = !f.jolokia_listen.empty();
  if (!f.scenario_file.empty()) {
    auto sc = exporter::loadgen::LoadScenarioFile(f.scenario_file);
    if (!sc.ok()) return sc.status();
    o.scenario = std::move(*sc);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace streamlens;
  using namespace streamlens::exporter::loadgen;
  SignalWaiter signals;
  FlagSet flags("streamlens-loadgen",
                "Drives a Kafka cluster (an embedded mock by default) with producers and consumer "
                "groups at given rates and injects scheduled faults.");
  LoadgenFlags f;
  RegisterFlags(flags, &f);
  ParseFlagsOrExit(flags, argc, argv);
  const std::string& ground_truth_file = f.ground_truth_file;
  const auto duration = f.duration;

  DaemonFlags df;
  df.log_level = f.log_level;
  auto logger = MakeLogger(df);
  if (!logger.ok()) {
    std::fprintf(stderr, "streamlens-loadgen: %s\n", logger.status().message().c_str());
    return 2;
  }
  auto built = BuildOptions(f);
  if (!built.ok()) {
    logger->Error("invalid flags or scenario", {{"err", built.status().message()}});
    return 2;
  }
  const WorkloadOptions& o = *built;
  auto w = Workload::Create(o, *logger);
  if (!w.ok()) {
    logger->Error("cannot start the workload", {{"err", w.status().message()}});
    return 1;
  }
  // The ground truth is on disk before the first stdout line, so readers of the lines find it.
  const double start =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!ground_truth_file.empty()) {
    std::ofstream out(ground_truth_file);
    out << GroundTruthJson(o.scenario, start, (*w)->GroupTopics());
    if (!out) {
      logger->Error("cannot write --ground-truth", {{"path", ground_truth_file}});
      return 1;
    }
  }
  std::string group_list;
  for (const auto& g : (*w)->groups()) group_list += (group_list.empty() ? "" : ",") + g;
  JolokiaEndpoints jolokia;
  if ((*w)->jmx() != nullptr) {
    auto j = StartJolokiaEndpoints(*(*w)->jmx(), f.jolokia_listen, *logger);
    if (!j.ok()) {
      logger->Error("cannot serve the simulated Jolokia agents", {{"err", j.status().message()}});
      return 1;
    }
    jolokia = std::move(*j);
  }
  std::printf("bootstrap=%s\ngroups=%s\n", (*w)->bootstrap().c_str(), group_list.c_str());
  if (jolokia.server) std::printf("jolokia=%s\n", jolokia.urls.c_str());
  std::fflush(stdout);

  logger->Info("loadgen running", {{"bootstrap", (*w)->bootstrap()},
                                   {"topics", o.topics},
                                   {"partitions", o.topics * o.partitions_per_topic},
                                   {"groups", o.groups},
                                   {"faults", o.scenario.faults.size()}});
  std::atomic<bool> stop{false};
  std::thread runner([&] { (*w)->Run(stop); });
  // Signals are blocked in every thread; this one receives them.
  std::thread waiter([&] {
    while (signals.Wait() != SignalEvent::kShutdown) {
    }
    stop = true;
  });
  if (duration.count() > 0) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (!stop.load() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!stop.exchange(true)) kill(getpid(), SIGTERM);  // release the waiter
  }
  runner.join();
  waiter.join();
  if (jolokia.server) jolokia.server->Stop();
  logger->Info("loadgen stopped");
  return 0;
}
