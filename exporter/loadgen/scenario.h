// Scenario: the faults streamlens-loadgen injects, read from YAML, and the ground-truth JSON it
// writes so tests and the demo can score detections against what really happened.
//
//   faults:
//     - kind: consumer_stop        # the group stops committing           (group)
//       group: loadgen-group-3
//       start: 30s                 # offset from loadgen start
//       duration: 2m
//     - kind: consumer_slowdown    # the group's capacity x factor         (group, factor < 1)
//     - kind: consumer_rewind      # the group moves back by `offsets` once (group, offsets)
//     - kind: partition_skew       # one partition's share of its topic x factor (topic, partition,
//     factor)
//     - kind: producer_burst       # production x factor; topic optional (all topics)
//     - kind: daily_burst          # benign burst the consumers catch up on afterwards (factor)
//     - kind: broker_down          # mock only: rd_kafka_mock_broker_set_down (broker)
//     - kind: broker_slow          # mock only: every response of `broker` delayed by `rtt`
//     - kind: broker_saturation    # mock only: `broker`'s request handlers saturate (factor,
//     default
//                                  # 0.1): produce to and fetch from its partitions x factor,
//                                  commits # of the groups it coordinates fail, its simulated JMX
//                                  shows it
//
// Ground truth JSON: {"start": <unix s>, "faults": [{"kind": ..., "benign": bool,
//   "labels": {"consumergroup": ..., "topic": ..., "partition": ..., "broker": ...},
//   "start": <unix s>, "end": <unix s>}, ...]} with only the labels that apply to the kind.
// Plain value types; parsing is pure.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::exporter::loadgen {

enum class FaultKind {
  kConsumerStop,
  kConsumerSlowdown,
  kConsumerRewind,
  kPartitionSkew,
  kProducerBurst,
  kDailyBurst,
  kBrokerDown,
  kBrokerSlow,
  kBrokerSaturation,
};

std::string_view FaultKindName(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::kConsumerStop;
  std::string group;
  std::string topic;  // empty: all topics (bursts)
  int partition = -1;
  int broker = -1;
  double factor = 1;  // broker_saturation: 0.1 unless given
  int64_t offsets = 0;
  std::chrono::milliseconds start{0};
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds rtt{0};  // broker_slow
  bool ActiveAt(std::chrono::milliseconds t) const { return t >= start && t < start + duration; }
};

struct Scenario {
  std::vector<Fault> faults;
};

// Parses YAML; errors name `source`, the fault index and the field.
Result<Scenario> ParseScenario(std::string_view yaml, const std::string& source);
Result<Scenario> LoadScenarioFile(const std::string& path);

// Ground truth of `scenario` started at unix time `start_seconds`. `group_topic` maps each group
// to the topic it consumes (for the consumergroup faults' topic label).
std::string GroundTruthJson(const Scenario& scenario, double start_seconds,
                            const std::map<std::string, std::string>& group_topic);

}  // namespace streamlens::exporter::loadgen
