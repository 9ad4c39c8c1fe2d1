// Rebalance planner: leaders and replicas to move so that the busiest broker's predicted load
// goes down, never violating replication factor or rack-awareness, emitted as a
// kafka-reassign-partitions JSON plan. Also answers "what would adding one broker do".
//
// Algorithm (greedy, deterministic): repeatedly take the broker with the highest predicted load
// and apply the single move that most lowers max(load of that broker, load of the receiver):
//   - leadership move: an in-sync follower becomes leader (no data copied); expressed in the
//     plan by putting the new leader first in the replica list (apply the plan, then run
//     kafka-leader-election --election-type PREFERRED);
//   - replica move: one replica goes from the hot broker to a broker that holds none of the
//     partition's replicas, keeping its position in the list (a moved leader stays preferred).
// A move is taken only if it lowers that maximum strictly; each one strictly lowers the sum of
// squared loads, so the planner terminates. Ties prefer leadership moves, then the lower-traffic
// partition (less data to copy), then partition order.
//
// Constraints on every partition whose replica set changes: replication factor unchanged, all
// replicas on distinct known brokers, and - when every broker has a rack - the replicas span at
// least min(RF, number of racks) racks. Partitions without a leader are never moved.
//
// Published by the engine as streamlens_rebalance_proposed_moves = moves.size(), the plan's JSON
// at /api/v1/rebalance/plan, and AddBrokerResult at /api/v1/whatif/add-broker.
//
// Pure, thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/models/placement.h"

namespace streamlens::analysis::models {

struct RebalanceParams {
  size_t max_moves = 100;  // upper bound on moves in one plan
  bool allow_leadership_moves = true;
  bool allow_replica_moves = true;
  double min_improvement = 1e-9;  // a move must lower the pair's max by this fraction (>= 0)
};

struct RebalanceMove {
  enum class Kind { kLeadership, kReplica };
  Kind kind = Kind::kLeadership;
  std::string topic;
  int32_t partition = 0;
  int32_t from_broker = -1;
  int32_t to_broker = -1;
  double load_moved = 0.0;  // predicted load taken from `from` (model units)
};

struct RebalancePlan {
  std::vector<RebalanceMove> moves;      // in the order found
  std::vector<PartitionState> proposed;  // the whole placement after all moves (input order)
  std::vector<BrokerLoad> loads_before;  // input broker order
  std::vector<BrokerLoad> loads_after;
  double peak_before = 0.0;  // max predicted load, model units
  double peak_after = 0.0;
  size_t partitions_changed = 0;  // partitions whose replica list changed
  std::string reassignment_json;  // kafka-reassign-partitions plan (changed only)
  // One sentence with the numbers, e.g. "peak predicted load 0.714 on broker 3 -> 0.587 on
  // broker 5 with 100 moves (12 leadership, 88 replica; 88 partitions change)".
  std::string summary;
};

// Plans moves for the given placement. Validates the placement and params.
Result<RebalancePlan> PlanRebalance(std::span<const PartitionState> partitions,
                                    std::span<const BrokerInfo> brokers,
                                    const BrokerLoadModel& model, const RebalanceParams& params);

// Checks `after` against `before` (same partitions, same order) under the constraints above.
// OK or an error naming the first violating partition.
Status CheckPlacementConstraints(std::span<const PartitionState> before,
                                 std::span<const PartitionState> after,
                                 std::span<const BrokerInfo> brokers);

// {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]},...]} listing the
// partitions whose replica list differs between before and after (same order required; extra
// entries in either are ignored). Topic names are JSON-escaped.
std::string ReassignmentJson(std::span<const PartitionState> before,
                             std::span<const PartitionState> after);

struct AddBrokerResult {
  BrokerInfo new_broker;
  double peak_before = 0.0;  // current max predicted load
  double peak_after = 0.0;   // after rebalancing onto the new broker
  // After the same rebalancing WITHOUT the new broker: what the broker itself adds is
  // peak_rebalanced_without - peak_after (the rest is just balance).
  double peak_rebalanced_without = 0.0;
  double new_broker_load = 0.0;
  RebalancePlan plan;   // includes the new broker in loads_after
  std::string summary;  // one sentence with the three peaks and the new broker's load
};

// What adding `new_broker` (id not in use; rack required iff the others have racks) and
// rebalancing onto it would do to peak predicted load.
Result<AddBrokerResult> AddBrokerEffect(std::span<const PartitionState> partitions,
                                        std::span<const BrokerInfo> brokers,
                                        const BrokerInfo& new_broker, const BrokerLoadModel& model,
                                        const RebalanceParams& params);

}  // namespace streamlens::analysis::models
