#include "sidecar/analysis/rootcause/kafka_candidates.h"

#include <array>
#include <utility>

namespace streamlens::analysis::rootcause {
namespace {

constexpr std::array kKinds = {
    // Data: the workload.
    KafkaCandidateKind{
        "topic_bytes_in",
        "sum by (topic) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic!=\"\"}[5m]))",
        Layer::kData, 1.0, +1, "Produced bytes per second per topic"},
    KafkaCandidateKind{
        "topic_messages_in",
        "sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{topic!=\"\"}[5m]))",
        Layer::kData, 1.0, +1, "Produced messages per second per topic"},
    KafkaCandidateKind{"broker_bytes_in",
                       "rate(kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}[5m])",
                       Layer::kData, 1.0, +1, "Leader bytes in per second per broker"},
    KafkaCandidateKind{"broker_messages_in",
                       "rate(kafka_server_brokertopicmetrics_messagesin_total{topic=\"\"}[5m])",
                       Layer::kData, 1.0, +1, "Messages in per second per broker"},
    KafkaCandidateKind{"broker_bytes_out",
                       "rate(kafka_server_brokertopicmetrics_bytesout_total{topic=\"\"}[5m])",
                       Layer::kData, 1.0, +1, "Bytes out (fetches) per second per broker"},
    KafkaCandidateKind{
        "partition_skew",
        "max(sum by (broker) "
        "(rate(kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}[5m]))) / avg(sum by "
        "(broker) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}[5m])))",
        Layer::kData, 1.0, +1, "Busiest broker's bytes in over the mean (1 = balanced)"},
    // Application: producers and consumers.
    KafkaCandidateKind{
        "consumer_rate",
        "sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset[5m]))",
        Layer::kApplication, 1.0, -1, "Committed-offset advance (messages/s) per group and topic"},
    KafkaCandidateKind{"consumer_members", "kafka_consumergroup_members", Layer::kApplication, 1.0,
                       -1, "Members per consumer group"},
    KafkaCandidateKind{"consumer_lag", "kafka_consumergroup_lag_sum", Layer::kApplication, 0.6, +1,
                       "Lag (messages) per group and topic"},
    KafkaCandidateKind{"consumer_lag_seconds",
                       "max by (consumergroup, topic) (streamlens_consumergroup_lag_seconds)",
                       Layer::kApplication, 0.6, +1, "Lag in seconds per group and topic"},
    KafkaCandidateKind{"produce_request_rate",
                       "rate(kafka_network_requestmetrics_requests_total{request=\"Produce\"}[5m])",
                       Layer::kApplication, 1.0, +1, "Produce requests per second per broker"},
    KafkaCandidateKind{
        "fetch_consumer_request_rate",
        "rate(kafka_network_requestmetrics_requests_total{request=\"FetchConsumer\"}[5m])",
        Layer::kApplication, 1.0, +1, "Consumer fetch requests per second per broker"},
    // Platform: Kafka itself.
    KafkaCandidateKind{"brokers_online", "kafka_brokers", Layer::kPlatform, 1.0, -1,
                       "Brokers in the cluster metadata"},
    KafkaCandidateKind{"broker_up", "jolokia_up", Layer::kPlatform, 1.0, -1,
                       "Broker reachable (1) or not (0)"},
    // A Yammer meter: streamlens-exporter (like jmx_exporter's Kafka example) publishes the idle
    // ratio as the meter's one-minute rate.
    KafkaCandidateKind{
        "request_handler_idle",
        "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate",
        Layer::kPlatform, 0.8, -1, "Request handler idle ratio (healthy above 0.3)"},
    KafkaCandidateKind{"network_processor_idle",
                       "kafka_network_socketserver_networkprocessoravgidlepercent",
                       Layer::kPlatform, 0.8, -1, "Network processor idle ratio"},
    KafkaCandidateKind{
        "request_queue_time",
        "kafka_network_requestmetrics_requestqueuetimems{request=\"Produce\",quantile=\"0.99\"}",
        Layer::kPlatform, 0.8, +1, "Produce request queue time p99 (ms)"},
    KafkaCandidateKind{"isr_shrinks", "rate(kafka_server_replicamanager_isrshrinks_total[5m])",
                       Layer::kPlatform, 0.8, +1, "ISR shrinks per second per broker"},
    KafkaCandidateKind{"under_replicated", "kafka_server_replicamanager_underreplicatedpartitions",
                       Layer::kPlatform, 0.8, +1, "Under-replicated partitions per broker"},
    KafkaCandidateKind{"offline_partitions",
                       "kafka_controller_kafkacontroller_offlinepartitionscount", Layer::kPlatform,
                       0.8, +1, "Offline partitions (controller)"},
    KafkaCandidateKind{
        "produce_latency",
        "kafka_network_requestmetrics_totaltimems{request=\"Produce\",quantile=\"0.99\"}",
        Layer::kPlatform, 0.6, +1, "Produce total time p99 (ms)"},
    KafkaCandidateKind{
        "fetch_latency",
        "kafka_network_requestmetrics_totaltimems{request=\"FetchConsumer\",quantile=\"0.99\"}",
        Layer::kPlatform, 0.6, +1, "Consumer fetch total time p99 (ms)"},
    // Resources: machines.
    KafkaCandidateKind{"broker_cpu", "java_lang_operatingsystem_processcpuload", Layer::kResources,
                       0.9, +1, "Broker process CPU (0..1)"},
    KafkaCandidateKind{"broker_cpu_unexplained", "streamlens_broker_cpu_residual_ratio",
                       Layer::kResources, 1.0, +1,
                       "Broker CPU not explained by load (CPU model residual)"},
    KafkaCandidateKind{"network_tx", "rate(node_network_transmit_bytes_total{device!=\"lo\"}[5m])",
                       Layer::kResources, 0.9, +1, "Host network transmit bytes/s"},
    KafkaCandidateKind{"disk_write", "rate(node_disk_written_bytes_total[5m])", Layer::kResources,
                       0.9, +1, "Host disk write bytes/s"},
    KafkaCandidateKind{"disk_io_time", "rate(node_disk_io_time_seconds_total[5m])",
                       Layer::kResources, 0.9, +1, "Fraction of time the disk was busy"},
};

}  // namespace

std::span<const KafkaCandidateKind> DefaultKafkaCandidateKinds() { return kKinds; }

const KafkaCandidateKind* FindKafkaCandidateKind(std::string_view key) {
  for (const KafkaCandidateKind& k : kKinds) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

CandidateInfo MakeKafkaCandidate(const KafkaCandidateKind& kind, std::string series_name) {
  CandidateInfo info;
  info.name = std::move(series_name);
  info.layer = kind.layer;
  info.prior = kind.prior;
  info.bad_direction = kind.bad_direction;
  return info;
}

}  // namespace streamlens::analysis::rootcause
