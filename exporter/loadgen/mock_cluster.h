// MockCluster: an in-process librdkafka mock cluster (a real Kafka wire-protocol server on
// loopback) that tests, the loadgen and the benchmarks drive.
//
// Owns a private librdkafka handle hosting the mock brokers; any client can connect to
// bootstrap(). Broker ids are 1..n. The cluster lives until the object is destroyed.
// Thread-safe as librdkafka's mock API is (calls are forwarded to the mock's own thread).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace streamlens::exporter::loadgen {

class MockCluster {
 public:
  // Starts `brokers` mock brokers on loopback.
  static Result<std::unique_ptr<MockCluster>> Start(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }

  // Creates a topic; replication factor min(rf, brokers). Leaders are spread round robin.
  Status CreateTopic(const std::string& topic, int partitions, int replication_factor);
  Status SetLeader(const std::string& topic, int partition, int broker);
  // Makes broker `broker` coordinator of consumer group `group`.
  Status SetGroupCoordinator(const std::string& group, int broker);
  Status SetBrokerDown(int broker);
  Status SetBrokerUp(int broker);
  // Delays every response of `broker` by `rtt_ms` (0: back to normal).
  Status SetBrokerRtt(int broker, int rtt_ms);

 private:
  MockCluster() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string bootstrap_;
  int brokers_ = 0;
};

}  // namespace streamlens::exporter::loadgen
