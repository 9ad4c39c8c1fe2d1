// streamlens-loadgen: synthetic Kafka workload with scheduled faults, against an embedded
// librdkafka mock cluster (default) or --kafka.server. With the mock it prints
//   bootstrap=<host:port,...>
//   groups=<name,...>
// as its first two stdout lines (feed them to the exporter's --kafka.server and --group.list),
// then runs until SIGTERM/SIGINT (or --duration).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "common/daemon.h"
#include "common/flags.h"
#include "exporter/loadgen/scenario.h"
#include "exporter/loadgen/workload.h"

int main(int argc, char** argv) {
  using namespace streamlens;
  using namespace streamlens::exporter::loadgen;
  SignalWaiter signals;
  FlagSet flags("streamlens-loadgen",
                "Drives a Kafka cluster (an embedded mock by default) with producers and consumer "
                "groups at given rates and injects scheduled faults.");
  WorkloadOptions o;
  int64_t brokers = o.brokers, topics = o.topics, partitions = o.partitions_per_topic,
          groups = o.groups, rf = o.replication_factor;
  std::string scenario_file, ground_truth_file, log_level = "info";
  std::chrono::milliseconds duration{0};
  flags.StringList("kafka.server", &o.servers,
                   "Bootstrap server of a real cluster (repeatable); default: embedded mock.");
  flags.Int("brokers", &brokers, "Mock brokers.");
  flags.Int("topics", &topics, "Topics (named <topic-prefix><i>).");
  flags.Int("partitions-per-topic", &partitions, "Partitions per topic.");
  flags.Int("replication-factor", &rf, "Mock replication factor (capped at --brokers).");
  flags.Int("groups", &groups, "Consumer groups; group i consumes topic i % topics.");
  flags.Double("rate", &o.rate, "Messages per second over all topics.");
  flags.Double("consumer.headroom", &o.headroom,
               "Consumer capacity as a multiple of its partitions' base production rate.");
  flags.Duration("tick", &o.tick, "Production/commit period.");
  flags.String("topic-prefix", &o.topic_prefix, "Topic name prefix.");
  flags.String("group-prefix", &o.group_prefix, "Consumer group name prefix.");
  flags.String("probe-topic", &o.probe_topic,
               "Mock only: create this topic for streamlens-exporter's --probe.topic, one "
               "partition led by each broker.");
  flags.String("scenario", &scenario_file, "Scenario YAML with scheduled faults.");
  flags.String("ground-truth", &ground_truth_file,
               "Where to write the injected faults (kind, labels, start, end) as JSON.");
  flags.Duration("duration", &duration, "Stop after this long (0: run until SIGTERM).");
  flags.String("log.level", &log_level, "debug|info|warn|error");
  ParseFlagsOrExit(flags, argc, argv);

  DaemonFlags df;
  df.log_level = log_level;
  auto logger = MakeLogger(df);
  if (!logger.ok()) {
    std::fprintf(stderr, "streamlens-loadgen: %s\n", logger.status().message().c_str());
    return 2;
  }
  o.brokers = static_cast<int>(brokers);
  o.topics = static_cast<int>(topics);
  o.partitions_per_topic = static_cast<int>(partitions);
  o.groups = static_cast<int>(groups);
  o.replication_factor = static_cast<int>(rf);
  if (!scenario_file.empty()) {
    auto sc = LoadScenarioFile(scenario_file);
    if (!sc.ok()) {
      logger->Error("invalid scenario", {{"err", sc.status().message()}});
      return 2;
    }
    o.scenario = std::move(*sc);
  }
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
  std::printf("bootstrap=%s\ngroups=%s\n", (*w)->bootstrap().c_str(), group_list.c_str());
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
  logger->Info("loadgen stopped");
  return 0;
}
