#include "sidecar/analysis/models/what_if.h"

#include <algorithm>
#include <unordered_map>

namespace streamlens::analysis::models {
namespace {

Status CheckParams(const WhatIfParams& p) {
  if (p.default_min_isr < 1) return Status::Error("what-if: default_min_isr must be >= 1");
  for (const auto& [topic, v] : p.topic_min_isr) {
    if (v < 1) return Status::Error("what-if: min ISR of topic '" + topic + "' must be >= 1");
  }
  return Status::Ok();
}

// Everything about the cluster that does not depend on which broker fails.
struct Prepared {
  std::unordered_map<int32_t, size_t> pos;  // broker id -> index
  std::vector<double> leader_contrib, follower_contrib;
  std::vector<int> min_isr;
  std::vector<double> base_load;  // predicted per broker before any failure
  double peak_before = 0.0;
};

Prepared Prepare(std::span<const PartitionState> parts, std::span<const BrokerInfo> brokers,
                 const BrokerLoadModel& model, const WhatIfParams& params) {
  Prepared pr;
  for (size_t i = 0; i < brokers.size(); ++i) pr.pos[brokers[i].id] = i;
  pr.leader_contrib.resize(parts.size());
  pr.follower_contrib.resize(parts.size());
  pr.min_isr.resize(parts.size());
  pr.base_load.assign(brokers.size(), model.intercept);
  const std::string* last_topic = nullptr;
  int last_min = params.default_min_isr;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartitionState& p = parts[i];
    pr.leader_contrib[i] = LeaderContribution(p, model);
    pr.follower_contrib[i] = FollowerContribution(p, model);
    if (last_topic == nullptr || *last_topic != p.topic) {
      auto it = params.topic_min_isr.find(p.topic);
      last_min = it == params.topic_min_isr.end() ? params.default_min_isr : it->second;
      last_topic = &p.topic;
    }
    pr.min_isr[i] = last_min;
    if (p.leader == -1) continue;
    for (int32_t r : p.replicas) {
      pr.base_load[pr.pos[r]] += r == p.leader ? pr.leader_contrib[i] : pr.follower_contrib[i];
    }
  }
  for (double l : pr.base_load) pr.peak_before = std::max(pr.peak_before, l);
  if (brokers.empty()) pr.peak_before = 0.0;
  return pr;
}

BrokerFailureResult Simulate(std::span<const PartitionState> parts,
                             std::span<const BrokerInfo> brokers, const BrokerLoadModel& model,
                             const Prepared& pr, int32_t failed, const WhatIfParams& params) {
  BrokerFailureResult res;
  res.failed_broker = failed;
  res.peak_load_before = pr.peak_before;
  const size_t nb = brokers.size();
  std::vector<BrokerLoad> loads(nb);
  for (size_t i = 0; i < nb; ++i) loads[i].broker = brokers[i].id;

  std::unordered_map<std::string, TopicThreat> topics;
  TopicThreat* tt = nullptr;
  const std::string* tt_name = nullptr;

  for (size_t i = 0; i < parts.size(); ++i) {
    const PartitionState& p = parts[i];
    if (tt_name == nullptr || *tt_name != p.topic) {
      tt = &topics[p.topic];
      tt->topic = p.topic;
      tt_name = &p.topic;
    }
    ++tt->partitions;
    // ISR after the failure (without allocating: count and remember the first in-sync replica
    // in assignment order).
    int isr_after = 0;
    for (int32_t b : p.isr) isr_after += b != failed;
    int32_t leader = p.leader;
    bool unclean = false;
    if (leader == failed) {
      leader = -1;
      for (int32_t r : p.replicas) {
        if (r == failed) continue;
        if (std::find(p.isr.begin(), p.isr.end(), r) != p.isr.end()) {
          leader = r;
          break;
        }
      }
      if (leader == -1 && params.unclean_leader_election) {
        for (int32_t r : p.replicas) {
          if (r != failed) {
            leader = r;
            unclean = true;
            break;
          }
        }
      }
      if (leader != -1) {
        res.leadership_moves.push_back({p.topic, p.partition, failed, leader, unclean});
      }
    }
    DataLossThreat level = DataLossThreat::kNone;
    if (leader == -1) {
      res.offline.push_back({p.topic, p.partition});
      ++tt->offline;
      level = DataLossThreat::kOffline;
    } else {
      if (unclean) {
        ++tt->unclean_elections;
        isr_after = 1;  // the new leader alone forms the ISR
        level = DataLossThreat::kDataLoss;
      }
      if (isr_after < pr.min_isr[i]) {
        res.under_min_isr.push_back({p.topic, p.partition});
        ++tt->under_min_isr;
        level = std::max(level, DataLossThreat::kUnderMinIsr);
      }
      if (isr_after <= 1) {
        ++tt->single_copy;
        level = std::max(level, DataLossThreat::kSingleCopy);
      }
      for (int32_t r : p.replicas) {
        if (r == failed) continue;
        BrokerLoad& l = loads[pr.pos.at(r)];
        if (r == leader) {
          l.leader_bytes_in += p.bytes_in_per_s;
          l.leader_bytes_out += p.bytes_out_per_s;
          l.messages_in += p.messages_in_per_s;
          ++l.leaders;
        } else {
          l.replication_bytes_in += p.bytes_in_per_s;
        }
      }
    }
    for (int32_t r : p.replicas) {
      if (r != failed) ++loads[pr.pos.at(r)].replicas;
    }
    tt->threat = std::max(tt->threat, level);
  }

  res.survivor_loads.reserve(nb);
  bool first = true;
  for (size_t i = 0; i < nb; ++i) {
    if (brokers[i].id == failed) continue;
    BrokerLoad& l = loads[i];
    l.predicted = model.intercept + model.leader_bytes_in * l.leader_bytes_in +
                  model.leader_bytes_out * l.leader_bytes_out +
                  model.replication_bytes_in * l.replication_bytes_in +
                  model.messages_in * l.messages_in;
    if (first || l.predicted > res.peak_load_after) {
      res.peak_load_after = l.predicted;
      res.peak_broker_after = l.broker;
      first = false;
    }
    res.survivor_loads.push_back(l);
  }
  res.topics.reserve(topics.size());
  for (auto& [name, t] : topics) {
    res.data_loss_threat |= t.threat >= DataLossThreat::kSingleCopy;
    res.topics.push_back(std::move(t));
  }
  std::sort(res.topics.begin(), res.topics.end(),
            [](const TopicThreat& a, const TopicThreat& b) { return a.topic < b.topic; });
  return res;
}

}  // namespace

const char* DataLossThreatName(DataLossThreat t) {
  switch (t) {
    case DataLossThreat::kNone:
      return "none";
    case DataLossThreat::kUnderMinIsr:
      return "under_min_isr";
    case DataLossThreat::kSingleCopy:
      return "single_copy";
    case DataLossThreat::kOffline:
      return "offline";
    case DataLossThreat::kDataLoss:
      return "data_loss";
  }
  return "unknown";
}

Result<BrokerFailureResult> SimulateBrokerFailure(std::span<const PartitionState> partitions,
                                                  std::span<const BrokerInfo> brokers,
                                                  const BrokerLoadModel& model,
                                                  int32_t failed_broker,
                                                  const WhatIfParams& params) {
  STREAMLENS_RETURN_IF_ERROR(CheckParams(params));
  STREAMLENS_RETURN_IF_ERROR(ValidateCluster(partitions, brokers));
  if (std::none_of(brokers.begin(), brokers.end(),
                   [&](const BrokerInfo& b) { return b.id == failed_broker; })) {
    return Status::Error("what-if: broker " + std::to_string(failed_broker) +
                         " is not in the cluster");
  }
  const Prepared pr = Prepare(partitions, brokers, model, params);
  return Simulate(partitions, brokers, model, pr, failed_broker, params);
}

Result<std::vector<BrokerFailureResult>> SimulateEachBrokerFailure(
    std::span<const PartitionState> partitions, std::span<const BrokerInfo> brokers,
    const BrokerLoadModel& model, const WhatIfParams& params) {
  STREAMLENS_RETURN_IF_ERROR(CheckParams(params));
  STREAMLENS_RETURN_IF_ERROR(ValidateCluster(partitions, brokers));
  const Prepared pr = Prepare(partitions, brokers, model, params);
  std::vector<BrokerFailureResult> out;
  out.reserve(brokers.size());
  for (const BrokerInfo& b : brokers) {
    out.push_back(Simulate(partitions, brokers, model, pr, b.id, params));
  }
  return out;
}

}  // namespace streamlens::analysis::models
