#include "exporter/kafka/kafka_families.h"

namespace streamlens::exporter::kafka {

namespace {

using prometheus::MetricType;

TextFamily Gauge(std::string name, std::string help) {
  return TextFamily(std::move(name), std::move(help), MetricType::Gauge);
}

TextFamily Untyped(std::string name, std::string help) {
  return TextFamily(std::move(name), std::move(help), MetricType::Untyped);
}

}  // namespace

KafkaFamilies::KafkaFamilies(const std::vector<std::pair<std::string, std::string>>& target_labels)
    : brokers(Gauge("kafka_brokers", "Number of Brokers in the Kafka Cluster.")),
      broker_info(Gauge("kafka_broker_info", "Information about the Kafka Broker.")),
      partitions(Gauge("kafka_topic_partitions", "Number of partitions for this Topic")),
      current(Gauge("kafka_topic_partition_current_offset",
                    "Current Offset of a Broker at Topic/Partition")),
      oldest(Gauge("kafka_topic_partition_oldest_offset",
                   "Oldest Offset of a Broker at Topic/Partition")),
      leader(Gauge("kafka_topic_partition_leader", "Leader Broker ID of this Topic/Partition")),
      replicas(
          Gauge("kafka_topic_partition_replicas", "Number of Replicas for this Topic/Partition")),
      isr(Gauge("kafka_topic_partition_in_sync_replica",
                "Number of In-Sync Replicas for this Topic/Partition")),
      preferred(Gauge("kafka_topic_partition_leader_is_preferred",
                      "1 if Topic/Partition is using the Preferred Broker")),
      under(Gauge("kafka_topic_partition_under_replicated_partition",
                  "1 if Topic/Partition is under Replicated")),
      replica_info(Gauge("kafka_topic_partition_replica_info",
                         "Replica placement: one series per replica with its broker, role "
                         "(leader|follower) and whether it is in sync (value 1).")),
      replication_factor(Gauge("kafka_topic_replication_factor",
                               "Replication factor of the topic: the largest replica count of "
                               "its partitions (cluster metadata).")),
      min_isr(Gauge("kafka_topic_config_min_insync_replicas",
                    "The topic's min.insync.replicas (DescribeConfigs): acks=all writes fail "
                    "while fewer replicas are in sync.")),
      retention_seconds(Gauge("kafka_topic_config_retention_seconds",
                              "The topic's retention.ms in seconds (DescribeConfigs); +Inf when "
                              "time-based deletion is off.")),
      retention_bytes(Gauge("kafka_topic_config_retention_bytes",
                            "The topic's retention.bytes per partition (DescribeConfigs); +Inf "
                            "when size-based deletion is off.")),
      cleanup_policy(Gauge("kafka_topic_config_cleanup_policy_info",
                           "The topic's cleanup.policy (DescribeConfigs) as a label, value 1.")),
      g_current(Gauge("kafka_consumergroup_current_offset",
                      "Current Offset of a ConsumerGroup at Topic/Partition")),
      // kafka_exporter's two *_sum names are kept for its dashboards; they are exposed untyped
      // because promtool's lint reserves the _sum suffix of typed non-summary metrics.
      g_current_sum(Untyped("kafka_consumergroup_current_offset_sum",
                            "Current Offset of a ConsumerGroup at Topic for all partitions")),
      g_lag(Gauge("kafka_consumergroup_lag",
                  "Current Approximate Lag of a ConsumerGroup at Topic/Partition "
                  "(max(0, high watermark - committed offset))")),
      g_lag_sum(Untyped("kafka_consumergroup_lag_sum",
                        "Current Approximate Lag of a ConsumerGroup at Topic for all partitions")),
      g_uncommitted(Gauge("kafka_consumergroup_uncommitted_partitions",
                          "Partitions of a topic the group consumes that have no committed offset "
                          "(no lag series is exported for them).")),
      g_members(Gauge("kafka_consumergroup_members", "Amount of members in a consumer group")),
      g_lag_seconds(Gauge("streamlens_consumergroup_lag_seconds",
                          "Estimated age of the oldest unconsumed message: now minus the time the "
                          "high watermark passed the committed offset, interpolated over the "
                          "exporter's watermark history.")),
      g_max_lag_seconds(Gauge("streamlens_consumergroup_max_lag_seconds",
                              "Largest streamlens_consumergroup_lag_seconds over a topic's "
                              "partitions.")),
      g_status(Gauge("streamlens_consumergroup_status",
                     "Burrow-style partition lag health: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR, "
                     "4 STOP, 5 STALL, 6 REWIND.")),
      g_group_status(Gauge("streamlens_consumergroup_group_status",
                           "Burrow's group lag health: 3 ERR if any partition is STOP, STALL or "
                           "REWIND, else 2 WARN if any is WARN, else 1 OK.")),
      g_status_info(Gauge("streamlens_consumergroup_status_info",
                          "Burrow's group lag health as a state set (OK, WARN, ERR): 1 for the "
                          "current status.")),
      wm_errors(Gauge("streamlens_exporter_kafka_unreadable_partitions",
                      "Partitions whose watermarks could not be read in the last collection "
                      "(leader down or slow).")),
      grp_errors(Gauge("streamlens_exporter_kafka_unreadable_groups",
                       "Consumer groups whose committed offsets could not be read in the last "
                       "collection.")),
      phases(Gauge("streamlens_exporter_kafka_phase_duration_seconds",
                   "Duration of each phase of the last Kafka collection (watermarks run "
                   "concurrently with the group phase).")),
      listing(Gauge("streamlens_exporter_kafka_group_listing_supported",
                    "1 if the cluster lists consumer groups, 0 if the exporter relies on "
                    "--group.list.")),
      configs_ok(Gauge("streamlens_exporter_kafka_topic_configs_supported",
                       "1 if the last DescribeConfigs of the topics succeeded, 0 if it failed "
                       "(old broker, ACLs, librdkafka's mock cluster).")) {
  if (target_labels.empty()) return;
  for (auto* f : All()) f->SetConstLabels(target_labels);
  for (const auto& [name, value] : target_labels) label_bytes_ += name.size() + value.size() + 4;
}

std::vector<TextFamily*> KafkaFamilies::All() {
  return {&brokers,         &broker_info,
          &partitions,      &current,
          &oldest,          &leader,
          &replicas,        &isr,
          &preferred,       &under,
          &replica_info,    &replication_factor,
          &min_isr,         &retention_seconds,
          &retention_bytes, &cleanup_policy,
          &g_current,       &g_current_sum,
          &g_lag,           &g_lag_sum,
          &g_uncommitted,   &g_members,
          &g_lag_seconds,   &g_max_lag_seconds,
          &g_status,        &g_group_status,
          &g_status_info,   &wm_errors,
          &grp_errors,      &phases,
          &listing,         &configs_ok};
}

void KafkaFamilies::ReservePartitions(size_t n) {
  // ~70 bytes per partition series, ~90 per replica series: one allocation per family.
  for (auto* f : {&current, &oldest, &leader, &replicas, &isr, &preferred, &under}) {
    f->Reserve(n * (72 + label_bytes_));
  }
  replica_info.Reserve(n * 3 * (96 + label_bytes_));
}

void KafkaFamilies::MoveTo(std::string_view help_suffix, std::string* out) {
  const std::vector<TextFamily*> all = All();
  // One allocation of the exact output size: appending 13 MB with geometric growth would peak at
  // ~3x the text.
  size_t bound = out->size();
  for (const auto* f : all) bound += f->BoundSize(help_suffix);
  out->reserve(bound);
  for (auto* f : all) f->MoveTo(help_suffix, out);
}

}  // namespace streamlens::exporter::kafka
