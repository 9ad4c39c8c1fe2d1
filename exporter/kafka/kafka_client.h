// KafkaClient: the exporter's read-only view of a Kafka cluster through librdkafka.
//
// One long-lived librdkafka handle (consumer type, never subscribes, never commits) is shared by
// all calls, so broker connections survive across collections. Every call honours the timeout
// it is given and reports failures as Status values; per-partition and per-group failures are
// reported in the results rather than failing the whole call.
//
// Thread-safety: all methods may be called concurrently (librdkafka handles are thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "exporter/kafka/rdkafka_conf.h"
#include "exporter/kafka/topic_config.h"

namespace streamlens::exporter::kafka {

struct BrokerInfo {
  int32_t id = -1;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = -1;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;  // sorted by id
};

struct ClusterMetadata {
  std::vector<BrokerInfo> brokers;  // sorted by id
  std::vector<TopicInfo> topics;    // sorted by name
};

// Low and high watermark of one partition; -1 when it could not be read.
struct Watermarks {
  int64_t low = -1;
  int64_t high = -1;
};

struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;
};

struct GroupDescription {
  std::string name;
  std::string state;  // "Stable", "Empty", ... as librdkafka names them
  int members = 0;
  std::vector<std::string> assigned_topics;  // topics assigned to at least one member (sorted)
};

struct CommittedOffset {
  std::string topic;
  int32_t partition;
  int64_t offset;  // < 0: no committed offset
};

struct GroupOffsets {
  std::string group;
  Status status;                         // error for this group only
  std::vector<CommittedOffset> offsets;  // committed partitions only
};

// A DescribeConfigs request for topics in flight (see KafkaClient::DescribeTopicConfigs). Owned by
// the caller; destroying it abandons the request (librdkafka drops the late reply). Poll() from
// one thread at a time.
class PendingTopicConfigs {
 public:
  struct Impl;
  explicit PendingTopicConfigs(std::unique_ptr<Impl> impl);
  ~PendingTopicConfigs();
  // The reply once it has arrived, without blocking: nullopt while in flight; an error when the
  // whole request failed (timeout, no controller, unsupported by the broker); otherwise one
  // entry per topic (per-topic errors inside).
  std::optional<Result<std::vector<TopicConfigEntries>>> Poll();

 private:
  std::unique_ptr<Impl> impl_;
};

class KafkaClient {
 public:
  // Creates the handle from librdkafka configuration pairs (see ToRdkafkaConfig). Connecting is
  // lazy; a bad configuration value is an error naming the property.
  static Result<std::unique_ptr<KafkaClient>> Create(
      const std::vector<std::pair<std::string, std::string>>& config, Logger logger);
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  // Brokers, topics and partitions of the whole cluster. Error when no broker answered.
  Result<ClusterMetadata> FetchMetadata(std::chrono::milliseconds timeout);

  // Low and high watermarks of the given partitions, grouped by leader (from `metadata`) into one
  // ListOffsets request per leader and kind, all in flight at once. `out[i][j]` corresponds to
  // `topics[i].partitions[j]`; partitions whose leader failed keep -1. Returns the number of
  // partitions that could not be read.
  size_t FetchWatermarks(const ClusterMetadata& metadata,
                         const std::vector<TopicPartitions>& topics,
                         std::chrono::milliseconds timeout,
                         std::vector<std::vector<Watermarks>>* out);

  // Consumer groups through ListConsumerGroups. Error when listing is refused everywhere (the
  // mock cluster, ACLs); partial errors with some groups listed return the groups.
  Result<std::vector<std::string>> ListGroups(std::chrono::milliseconds timeout);

  // State and members of groups through DescribeConsumerGroups; groups that could not be
  // described are absent from the result. Error when the whole request failed.
  Result<std::vector<GroupDescription>> DescribeGroups(const std::vector<std::string>& groups,
                                                       std::chrono::milliseconds timeout);

  // Starts one DescribeConfigs request for the topics' configurations (effective values,
  // including broker defaults) and returns at once; the reply is collected with Poll().
  std::unique_ptr<PendingTopicConfigs> DescribeTopicConfigs(const std::vector<std::string>& topics,
                                                            std::chrono::milliseconds timeout);

  // Committed offsets of each group through ListConsumerGroupOffsets, all groups in flight at
  // once. `partitions[i]` lists the partitions to ask group i about; nullopt asks for all of
  // them (which Kafka brokers support but librdkafka's mock answers with nothing).
  // Explicit lists are split into requests of at most offsets_chunk partitions (merged back per
  // group), with at most max_in_flight requests outstanding.
  std::vector<GroupOffsets> ListGroupOffsets(
      const std::vector<std::string>& groups,
      const std::vector<std::optional<std::vector<TopicPartitions>>>& partitions,
      std::chrono::milliseconds timeout);

  // Request sizing (defaults suit the librdkafka 2.0.2 mock and real brokers alike; see
  // bench/exporter/kafka_client_bench.cc). Call before use.
  void set_watermark_chunk(size_t n) { watermark_chunk_ = n < 1 ? 1 : n; }
  void set_offsets_chunk(size_t n) { offsets_chunk_ = n < 1 ? 1 : n; }
  void set_max_in_flight(size_t n) { max_in_flight_ = n < 1 ? 1 : n; }

 private:
  // One ListConsumerGroupOffsets request: all partitions of a group, or `count` partitions of its
  // explicit list starting at (*partitions[group])[topic].partitions[index].
  struct OffsetsRequest {
    size_t group;
    size_t topic = 0;
    size_t index = 0;
    size_t count = 0;
    bool all = false;  // null list: all partitions
  };
  std::vector<OffsetsRequest> PlanOffsetsRequests(
      const std::vector<std::optional<std::vector<TopicPartitions>>>& partitions,
      size_t groups) const;
  struct Handle;
  KafkaClient(std::unique_ptr<Handle> handle, Logger logger);
  static constexpr size_t kWatermarkWorkers = 8;
  std::unique_ptr<Handle> h_;
  Logger logger_;
  size_t watermark_chunk_ = 200;
  // librdkafka 2.0.2 matches each partition of an OffsetFetch reply to its request list with a
  // linear search (strcmp per element), so a request costs O(n^2) on its main thread; smaller
  // requests cost more per-request overhead. BM_FullScanGroups (20 groups x 10,000 partitions,
  // mean of 3): 463 / 414 / 436 / 511 ms at 500 / 200 / 100 / 50.
  size_t offsets_chunk_ = 200;
  size_t max_in_flight_ = 64;
};

}  // namespace streamlens::exporter::kafka
