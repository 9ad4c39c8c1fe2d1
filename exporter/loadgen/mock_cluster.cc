#include "exporter/loadgen/mock_cluster.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

namespace streamlens::exporter::loadgen {

struct MockCluster::Impl {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* mc = nullptr;
  ~Impl() {
    if (mc) rd_kafka_mock_cluster_destroy(mc);
    if (rk) rd_kafka_destroy(rk);
  }
};

namespace {
Status Check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status::Error("mock cluster: " + what + ": " + rd_kafka_err2str(err));
}
}  // namespace

Result<std::unique_ptr<MockCluster>> MockCluster::Start(int brokers) {
  if (brokers < 1 || brokers > 100) {
    return Status::Error("mock cluster: broker count must be 1..100, got " +
                         std::to_string(brokers));
  }
  auto impl = std::make_unique<Impl>();
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (impl->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("mock cluster: creating the host handle: ") + errstr);
  }
  impl->mc = rd_kafka_mock_cluster_new(impl->rk, brokers);
  if (impl->mc == nullptr) return Status::Error("mock cluster: rd_kafka_mock_cluster_new failed");
  std::unique_ptr<MockCluster> c(new MockCluster());
  c->bootstrap_ = rd_kafka_mock_cluster_bootstraps(impl->mc);
  c->brokers_ = brokers;
  c->impl_ = std::move(impl);
  return c;
}

MockCluster::~MockCluster() = default;

Status MockCluster::CreateTopic(const std::string& topic, int partitions, int rf) {
  if (rf > brokers_) rf = brokers_;
  STREAMLENS_RETURN_IF_ERROR(
      Check(rd_kafka_mock_topic_create(impl_->mc, topic.c_str(), partitions, rf),
            "creating topic " + topic));
  return Status::Ok();
}

Status MockCluster::SetLeader(const std::string& topic, int partition, int broker) {
  return Check(rd_kafka_mock_partition_set_leader(impl_->mc, topic.c_str(), partition, broker),
               "setting the leader of " + topic + "/" + std::to_string(partition));
}

Status MockCluster::SetGroupCoordinator(const std::string& group, int broker) {
  return Check(rd_kafka_mock_coordinator_set(impl_->mc, "group", group.c_str(), broker),
               "setting the coordinator of group " + group);
}

Status MockCluster::SetBrokerDown(int broker) {
  return Check(rd_kafka_mock_broker_set_down(impl_->mc, broker),
               "taking broker " + std::to_string(broker) + " down");
}

Status MockCluster::SetBrokerUp(int broker) {
  return Check(rd_kafka_mock_broker_set_up(impl_->mc, broker),
               "bringing broker " + std::to_string(broker) + " up");
}

Status MockCluster::SetBrokerRtt(int broker, int rtt_ms) {
  return Check(rd_kafka_mock_broker_set_rtt(impl_->mc, broker, rtt_ms),
               "setting the round-trip time of broker " + std::to_string(broker));
}

}  // namespace streamlens::exporter::loadgen
