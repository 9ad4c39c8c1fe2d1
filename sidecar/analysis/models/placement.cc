#include "sidecar/analysis/models/placement.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace streamlens::analysis::models {

std::string PartitionName(const PartitionState& p) {
  return p.topic + "-" + std::to_string(p.partition);
}

Result<BrokerLoadModel> LoadModelFromCpuModel(const CpuModel& model) {
  if (model.coefficients.size() <= kReplicationBytesIn) {
    return Status::Error("load model: the CPU model has " +
                         std::to_string(model.coefficients.size()) +
                         " columns; expected the standard columns (at least leader bytes in/out "
                         "and replication bytes in)");
  }
  BrokerLoadModel m;
  m.intercept = model.intercept;
  m.leader_bytes_in = model.coefficients(kLeaderBytesIn);
  m.leader_bytes_out = model.coefficients(kLeaderBytesOut);
  m.replication_bytes_in = model.coefficients(kReplicationBytesIn);
  if (model.coefficients.size() > kMessagesIn) m.messages_in = model.coefficients(kMessagesIn);
  return m;
}

double LeaderContribution(const PartitionState& p, const BrokerLoadModel& m) {
  return m.leader_bytes_in * p.bytes_in_per_s + m.leader_bytes_out * p.bytes_out_per_s +
         m.messages_in * p.messages_in_per_s;
}

double FollowerContribution(const PartitionState& p, const BrokerLoadModel& m) {
  return m.replication_bytes_in * p.bytes_in_per_s;
}

Status ValidateCluster(std::span<const PartitionState> partitions,
                       std::span<const BrokerInfo> brokers) {
  std::unordered_map<int32_t, int> ids;
  for (const BrokerInfo& b : brokers) {
    if (!ids.emplace(b.id, 0).second) {
      return Status::Error("placement: broker id " + std::to_string(b.id) + " listed twice");
    }
  }
  for (const PartitionState& p : partitions) {
    const std::string name = PartitionName(p);
    if (p.replicas.empty()) return Status::Error("placement: " + name + ": no replicas");
    for (size_t i = 0; i < p.replicas.size(); ++i) {
      if (!ids.count(p.replicas[i])) {
        return Status::Error("placement: " + name + ": replica on unknown broker " +
                             std::to_string(p.replicas[i]));
      }
      for (size_t j = 0; j < i; ++j) {
        if (p.replicas[j] == p.replicas[i]) {
          return Status::Error("placement: " + name + ": broker " + std::to_string(p.replicas[i]) +
                               " listed twice in replicas");
        }
      }
    }
    for (int32_t b : p.isr) {
      if (std::find(p.replicas.begin(), p.replicas.end(), b) == p.replicas.end()) {
        return Status::Error("placement: " + name + ": ISR member " + std::to_string(b) +
                             " is not a replica");
      }
    }
    if (p.leader != -1 &&
        std::find(p.replicas.begin(), p.replicas.end(), p.leader) == p.replicas.end()) {
      return Status::Error("placement: " + name + ": leader " + std::to_string(p.leader) +
                           " is not a replica");
    }
    for (double v : {p.bytes_in_per_s, p.bytes_out_per_s, p.messages_in_per_s}) {
      if (!std::isfinite(v) || v < 0) {
        return Status::Error("placement: " + name + ": rates must be finite and >= 0");
      }
    }
  }
  return Status::Ok();
}

Result<std::vector<BrokerLoad>> ComputeBrokerLoads(std::span<const PartitionState> partitions,
                                                   std::span<const BrokerInfo> brokers,
                                                   const BrokerLoadModel& model) {
  STREAMLENS_RETURN_IF_ERROR(ValidateCluster(partitions, brokers));
  std::unordered_map<int32_t, size_t> pos;
  std::vector<BrokerLoad> loads(brokers.size());
  for (size_t i = 0; i < brokers.size(); ++i) {
    pos[brokers[i].id] = i;
    loads[i].broker = brokers[i].id;
  }
  for (const PartitionState& p : partitions) {
    for (int32_t r : p.replicas) {
      BrokerLoad& l = loads[pos[r]];
      ++l.replicas;
      if (r == p.leader) {
        ++l.leaders;
        l.leader_bytes_in += p.bytes_in_per_s;
        l.leader_bytes_out += p.bytes_out_per_s;
        l.messages_in += p.messages_in_per_s;
      } else if (p.leader != -1) {
        // Followers replicate only while there is a leader to fetch from.
        l.replication_bytes_in += p.bytes_in_per_s;
      }
    }
  }
  for (BrokerLoad& l : loads) {
    l.predicted = model.intercept + model.leader_bytes_in * l.leader_bytes_in +
                  model.leader_bytes_out * l.leader_bytes_out +
                  model.replication_bytes_in * l.replication_bytes_in +
                  model.messages_in * l.messages_in;
  }
  return loads;
}

}  // namespace streamlens::analysis::models
