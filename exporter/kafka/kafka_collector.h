// KafkaCollector: the `kafka` collector - cluster metadata, partition offsets, consumer-group
// offsets, lag, lag in seconds and lag health, under kafka_exporter's metric names where it has
// one (so existing dashboards keep working) and `streamlens_`/`kafka_` names for the rest.
//
// One Collect() = one metadata request, watermarks batched per leader (in parallel with the
// group work), group discovery (ListConsumerGroups + DescribeConsumerGroups, unioned with
// --group.list; listing refusals fall back to the list), and committed offsets of all groups in
// flight at once. Lag = max(0, high watermark - committed); partitions without a committed
// offset get no lag series and are counted in kafka_consumergroup_uncommitted_partitions.
//
// Committed offsets: first every group is asked for "all partitions"; if the cluster answers that
// with nothing for every group (librdkafka's mock does), the collector switches to explicit
// partition lists: all selected partitions on a full scan (a group's first cycle and then every
// kFullScanEvery cycles), otherwise only the topics
// the group committed to at its last full scan. Full scans are staggered over the cycles (each
// group every kFullScanEvery cycles, at a per-group phase), so a group that starts consuming a
// further topic is seen within kFullScanEvery cycles and no cycle pays for all groups' scans.
//
// Topic configurations (min.insync.replicas, retention, cleanup policy) come from a DescribeConfigs
// request started every --topic.config-refresh and collected without blocking: a cycle publishes
// the last reply it has (a broker or mock that never answers costs no cycle time).
//
// State kept between collections (bounded, evicted when topics/groups disappear): the
// high-watermark history per partition (lag seconds, see offset_history.h) and the commit
// window per group partition (lag health, see consumer_status.h).
//
// Thread-safety: Collect() is not reentrant (the scheduler never calls it concurrently).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/log.h"
#include "exporter/collect/collector.h"
#include "exporter/kafka/consumer_status.h"
#include "exporter/kafka/kafka_client.h"
#include "exporter/kafka/kafka_families.h"
#include "exporter/kafka/kafka_options.h"
#include "exporter/kafka/offset_history.h"

namespace streamlens::exporter::kafka {

struct KafkaCollectorOptions {
  KafkaOptions kafka;
  // STOP needs at least this long without a commit (pass ~3 collection intervals).
  double min_stop_seconds = 90;
  // Wall clock in seconds; injectable for tests.
  std::function<double()> clock;
};

class KafkaCollector : public Collector {
 public:
  static constexpr int kFullScanEvery = 10;

  // Validates the options and creates the librdkafka client (connecting lazily).
  static Result<std::unique_ptr<KafkaCollector>> Create(KafkaCollectorOptions options,
                                                        Logger logger);
  ~KafkaCollector() override;

  std::string Name() const override { return "kafka"; }
  // Renders the families straight to exposition text (TextFamily: no object per series).
  // Error only when the cluster metadata cannot be read (nothing else is meaningful then);
  // partial failures (a dead leader, a group whose coordinator is down) are reported in
  // streamlens_exporter_kafka_* gauges and the affected series are left out.
  Status CollectText(std::string_view help_suffix, std::string* out) override;
  // Rendered with every sample (no second pass over 10+ MB of text).
  bool ApplyTargetLabels(const std::vector<std::pair<std::string, std::string>>& labels) override {
    target_labels_ = labels;
    return true;
  }

 private:
  struct GroupTopicState {
    std::vector<std::optional<CommitWindow>> windows;  // by partition id
    uint64_t seen_cycle = 0;
  };
  struct TopicState {
    std::vector<OffsetHistory> history;  // by partition id
    uint64_t seen_cycle = 0;
  };
  struct GroupCache {
    std::vector<std::string> topics;  // topics with commits at the last scan
    int cycles_since_full = 0;
  };
  enum class AllOffsetsMode { kUnknown, kSupported, kUnsupported };
  struct Cycle;  // one collection's inputs (kafka_collector.cc)

  // Phases of one collection, in order.
  Status Gather(Cycle* c);
  void RenderCluster(const Cycle& c, KafkaFamilies* f);
  void RenderTopicConfigs(const Cycle& c, KafkaFamilies* f);
  size_t RenderGroups(const Cycle& c, KafkaFamilies* f);  // returns unreadable groups
  void RenderGroupTopic(const Cycle& c, const std::string& group, size_t topic,
                        std::vector<std::pair<size_t, int64_t>>& committed,
                        std::optional<bool> alive, KafkaFamilies* f, ConsumerStatus* worst);
  void Evict(const std::vector<std::string>& live_groups);

  KafkaCollector(KafkaCollectorOptions options, std::unique_ptr<KafkaClient> client, Logger logger);
  bool TopicSelected(const std::string& topic);
  bool GroupSelected(const std::string& group);
  std::vector<std::string> DiscoverGroups(std::vector<GroupDescription>* described);
  std::vector<GroupOffsets> FetchGroupOffsets(const std::vector<std::string>& groups,
                                              const std::vector<TopicPartitions>& all);

  KafkaCollectorOptions options_;
  std::unique_ptr<KafkaClient> client_;
  Logger logger_;
  StatusParams status_params_;
  std::vector<std::pair<std::string, std::string>> target_labels_;
  std::regex topic_filter_, topic_exclude_, group_filter_, group_exclude_;
  std::unordered_map<std::string, bool> topic_selected_, group_selected_;
  std::vector<std::string> configured_groups_;

  uint64_t cycle_ = 0;
  std::unordered_map<std::string, TopicState> topics_;
  std::unordered_map<std::string, std::unordered_map<std::string, GroupTopicState>> groups_;
  std::unordered_map<std::string, GroupCache> group_cache_;
  AllOffsetsMode all_offsets_ = AllOffsetsMode::kUnknown;
  std::optional<bool> listing_ok_;  // for logging once per state change
  std::optional<bool> describing_ok_;
  // Topic configurations: the request in flight, the last good reply and when to ask again.
  std::unique_ptr<PendingTopicConfigs> configs_pending_;
  std::unordered_map<std::string, TopicConfig> topic_configs_;
  std::optional<bool> configs_ok_;
  double configs_due_ = 0;
};

}  // namespace streamlens::exporter::kafka
