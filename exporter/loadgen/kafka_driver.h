// Producer and OffsetCommitter: the two client roles streamlens-loadgen and the tests use to drive
// a cluster (the mock or a real one).
//
// Producer sends small messages to explicit partitions and counts acknowledged ones per
// partition, so the driver knows each partition's high watermark without asking the broker.
// OffsetCommitter commits explicit offsets for a consumer group with a consumer handle that never
// subscribes (the way to set committed offsets on the mock, which has no admin call for it).
// Both are thread-safe (librdkafka handles); Producer's counters are atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace streamlens::exporter::loadgen {

class Producer {
 public:
  // Called for every delivery report (on the thread that calls Produce/Poll/Flush).
  using DeliveryHook = std::function<void(const char* topic, int32_t partition, bool ok)>;
  static Result<std::unique_ptr<Producer>> Create(
      const std::string& bootstrap,
      const std::vector<std::pair<std::string, std::string>>& extra_config = {},
      DeliveryHook hook = {});
  ~Producer();

  // Enqueues `count` messages to topic/partition. Error when the local queue is full even after
  // waiting, or the topic is unknown.
  Status Produce(const std::string& topic, int partition, int count);
  // Waits until everything enqueued is acknowledged (or failed). Error on timeout.
  Status Flush(int timeout_ms);
  // Serves delivery reports without blocking.
  void Poll();
  // Leader broker id of every partition of `topics` (partition index -> id, -1 while it has
  // none), from cluster metadata. Error when the metadata request fails or a topic is missing.
  Result<std::map<std::string, std::vector<int>>> PartitionLeaders(
      const std::vector<std::string>& topics, int timeout_ms);
  // Messages acknowledged / failed so far.
  int64_t delivered() const { return delivered_.load(); }
  int64_t failed() const { return failed_.load(); }

 private:
  Producer() = default;
  struct Impl;
  // Declared before impl_: destroying impl_ flushes, which runs the hook and the counters.
  DeliveryHook hook_;
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_{0};
  std::unique_ptr<Impl> impl_;
};

struct OffsetToCommit {
  std::string topic;
  int partition;
  int64_t offset;
};

class OffsetCommitter {
 public:
  static Result<std::unique_ptr<OffsetCommitter>> Create(
      const std::string& bootstrap, const std::string& group,
      const std::vector<std::pair<std::string, std::string>>& extra_config = {});
  ~OffsetCommitter();
  // Synchronous commit of explicit offsets.
  Status Commit(const std::vector<OffsetToCommit>& offsets);
  const std::string& group() const { return group_; }

 private:
  OffsetCommitter() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string group_;
};

}  // namespace streamlens::exporter::loadgen
