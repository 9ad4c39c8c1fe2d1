#include "sidecar/analysis/models/rebalance_planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "common/json_writer.h"

namespace streamlens::analysis::models {
namespace {

struct RackInfo {
  bool rack_aware = false;  // every broker has a rack
  size_t num_racks = 0;
  std::unordered_map<int32_t, std::string> rack_of;
};

RackInfo Racks(std::span<const BrokerInfo> brokers) {
  RackInfo ri;
  std::set<std::string> racks;
  ri.rack_aware = !brokers.empty();
  for (const BrokerInfo& b : brokers) {
    ri.rack_of[b.id] = b.rack;
    if (b.rack.empty()) ri.rack_aware = false;
    racks.insert(b.rack);
  }
  ri.num_racks = racks.size();
  return ri;
}

size_t DistinctRacks(const std::vector<int32_t>& replicas, const RackInfo& ri) {
  size_t n = 0;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const std::string& r = ri.rack_of.at(replicas[i]);
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = ri.rack_of.at(replicas[j]) == r;
    n += !seen;
  }
  return n;
}

bool RackOk(const std::vector<int32_t>& replicas, const RackInfo& ri) {
  if (!ri.rack_aware) return true;
  return DistinctRacks(replicas, ri) >= std::min(replicas.size(), ri.num_racks);
}

double Peak(const std::vector<BrokerLoad>& loads) {
  double peak = 0.0;
  bool first = true;
  for (const BrokerLoad& l : loads) {
    if (first || l.predicted > peak) peak = l.predicted;
    first = false;
  }
  return peak;
}

}  // namespace

std::string ReassignmentJson(std::span<const PartitionState> before,
                             std::span<const PartitionState> after) {
  std::string out = "{\"version\":1,\"partitions\":[";
  bool first = true;
  const size_t n = std::min(before.size(), after.size());
  for (size_t i = 0; i < n; ++i) {
    if (before[i].replicas == after[i].replicas) continue;
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"topic\":");
    AppendJsonString(&out, after[i].topic);
    out.append(",\"partition\":" + std::to_string(after[i].partition) + ",\"replicas\":[");
    for (size_t r = 0; r < after[i].replicas.size(); ++r) {
      if (r) out.push_back(',');
      out.append(std::to_string(after[i].replicas[r]));
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

Status CheckPlacementConstraints(std::span<const PartitionState> before,
                                 std::span<const PartitionState> after,
                                 std::span<const BrokerInfo> brokers) {
  if (before.size() != after.size()) {
    return Status::Error("placement check: " + std::to_string(before.size()) +
                         " partitions before, " + std::to_string(after.size()) + " after");
  }
  STREAMLENS_RETURN_IF_ERROR(ValidateCluster(after, brokers));
  const RackInfo ri = Racks(brokers);
  for (size_t i = 0; i < before.size(); ++i) {
    const PartitionState& b = before[i];
    const PartitionState& a = after[i];
    const std::string name = PartitionName(b);
    if (a.topic != b.topic || a.partition != b.partition) {
      return Status::Error("placement check: entry " + std::to_string(i) + " is " +
                           PartitionName(a) + ", expected " + name);
    }
    if (a.replicas.size() != b.replicas.size()) {
      return Status::Error("placement check: " + name + ": replication factor changed from " +
                           std::to_string(b.replicas.size()) + " to " +
                           std::to_string(a.replicas.size()));
    }
    std::vector<int32_t> sb = b.replicas, sa = a.replicas;
    std::sort(sb.begin(), sb.end());
    std::sort(sa.begin(), sa.end());
    if (sa != sb && !RackOk(a.replicas, ri)) {
      return Status::Error("placement check: " + name + ": replicas span " +
                           std::to_string(DistinctRacks(a.replicas, ri)) + " racks, need " +
                           std::to_string(std::min(a.replicas.size(), ri.num_racks)));
    }
  }
  return Status::Ok();
}

namespace {

// The planner's working view of the cluster: loads per broker position and integer views for
// the inner loop (kept in sync with the proposed placement as moves are applied).
struct PlannerState {
  std::span<const BrokerInfo> brokers;
  RackInfo ri;
  std::unordered_map<int32_t, size_t> pos;  // broker id -> position
  std::vector<double> load;                 // predicted load per position
  std::vector<double> lc, fc;               // leader / follower contribution per partition
  std::vector<int> rack_idx;                // rack index per position
  std::vector<std::vector<uint32_t>> rp;    // replica positions per partition

  // Rack rule for the replica set with `from` replaced by `to`.
  bool RackOkAfter(const std::vector<uint32_t>& reps, uint32_t from, uint32_t to) const {
    if (!ri.rack_aware) return true;
    size_t distinct = 0;
    for (size_t a = 0; a < reps.size(); ++a) {
      const int ra = rack_idx[reps[a] == from ? to : reps[a]];
      bool seen = false;
      for (size_t b = 0; b < a && !seen; ++b) seen = rack_idx[reps[b] == from ? to : reps[b]] == ra;
      distinct += !seen;
    }
    return distinct >= std::min(reps.size(), ri.num_racks);
  }
};

PlannerState MakePlannerState(std::span<const PartitionState> partitions,
                              std::span<const BrokerInfo> brokers, const BrokerLoadModel& model,
                              const std::vector<BrokerLoad>& loads) {
  PlannerState st;
  st.brokers = brokers;
  st.ri = Racks(brokers);
  for (size_t i = 0; i < brokers.size(); ++i) st.pos[brokers[i].id] = i;
  st.load.resize(brokers.size());
  for (size_t i = 0; i < brokers.size(); ++i) st.load[i] = loads[i].predicted;
  st.lc.resize(partitions.size());
  st.fc.resize(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    st.lc[i] = LeaderContribution(partitions[i], model);
    st.fc[i] = FollowerContribution(partitions[i], model);
  }
  st.rack_idx.resize(brokers.size());
  std::unordered_map<std::string, int> ids;
  for (size_t b = 0; b < brokers.size(); ++b) {
    st.rack_idx[b] = ids.emplace(brokers[b].rack, static_cast<int>(ids.size())).first->second;
  }
  st.rp.resize(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    for (int32_t r : partitions[i].replicas)
      st.rp[i].push_back(static_cast<uint32_t>(st.pos.at(r)));
  }
  return st;
}

// A candidate move off the hottest broker.
struct CandidateMove {
  bool found = false;
  double pair_max = 0;  // the larger of the two brokers' loads after the move
  bool leadership = false;
  double bytes = 0;
  size_t part = 0;
  size_t target = 0;
  double moved = 0;
};

// The move off broker position `hot` that lowers the larger of the two loads it touches the
// most (below `limit`); ties go to leadership moves, fewer bytes, lower partition and target.
CandidateMove BestMove(const PlannerState& st, const std::vector<PartitionState>& proposed,
                       size_t hot, double limit, const RebalanceParams& params) {
  const int32_t hot_id = st.brokers[hot].id;
  const std::vector<double>& load = st.load;
  CandidateMove best;
  auto consider = [&](double pair_max, bool leadership, double bytes, size_t part, size_t target,
                      double moved) {
    if (!(pair_max < limit)) return;
    bool better = !best.found;
    if (!better) {
      if (pair_max != best.pair_max) {
        better = pair_max < best.pair_max;
      } else if (leadership != best.leadership) {
        better = leadership;
      } else if (bytes != best.bytes) {
        better = bytes < best.bytes;
      } else if (part != best.part) {
        better = part < best.part;
      } else {
        better = target < best.target;
      }
    }
    if (better) best = {true, pair_max, leadership, bytes, part, target, moved};
  };
  for (size_t i = 0; i < proposed.size(); ++i) {
    const PartitionState& p = proposed[i];
    if (p.leader == -1) continue;
    const std::vector<uint32_t>& reps = st.rp[i];
    if (std::find(reps.begin(), reps.end(), static_cast<uint32_t>(hot)) == reps.end()) continue;
    const bool is_leader = p.leader == hot_id;
    if (is_leader && params.allow_leadership_moves) {
      const double delta = st.lc[i] - st.fc[i];
      for (int32_t f : p.isr) {
        if (f == hot_id) continue;
        const size_t t = st.pos.at(f);
        consider(std::max(load[hot] - delta, load[t] + delta), true, p.bytes_in_per_s, i, t, delta);
      }
    }
    if (params.allow_replica_moves) {
      const double c = is_leader ? st.lc[i] : st.fc[i];
      for (size_t t = 0; t < st.brokers.size(); ++t) {
        const uint32_t tp = static_cast<uint32_t>(t);
        if (std::find(reps.begin(), reps.end(), tp) != reps.end()) continue;
        if (!st.RackOkAfter(reps, static_cast<uint32_t>(hot), tp)) continue;
        consider(std::max(load[hot] - c, load[t] + c), false, p.bytes_in_per_s, i, t, c);
      }
    }
  }
  return best;
}

// Applies `best` (off broker position `hot`) to the proposed placement and the loads.
RebalanceMove ApplyMove(const CandidateMove& best, size_t hot, PlannerState* st,
                        std::vector<PartitionState>* proposed) {
  const int32_t hot_id = st->brokers[hot].id;
  PartitionState& p = (*proposed)[best.part];
  const int32_t tid = st->brokers[best.target].id;
  RebalanceMove mv;
  mv.topic = p.topic;
  mv.partition = p.partition;
  mv.from_broker = hot_id;
  mv.to_broker = tid;
  mv.load_moved = best.moved;
  if (best.leadership) {
    mv.kind = RebalanceMove::Kind::kLeadership;
    p.leader = tid;
    auto it = std::find(p.replicas.begin(), p.replicas.end(), tid);
    std::rotate(p.replicas.begin(), it, it + 1);
  } else {
    mv.kind = RebalanceMove::Kind::kReplica;
    std::replace(p.replicas.begin(), p.replicas.end(), hot_id, tid);
    std::replace(st->rp[best.part].begin(), st->rp[best.part].end(), static_cast<uint32_t>(hot),
                 static_cast<uint32_t>(best.target));
    std::replace(p.isr.begin(), p.isr.end(), hot_id, tid);
    if (p.leader == hot_id) p.leader = tid;
  }
  st->load[hot] -= best.moved;
  st->load[best.target] += best.moved;
  return mv;
}

int32_t PeakBroker(const std::vector<BrokerLoad>& loads) {
  size_t best = 0;
  for (size_t i = 1; i < loads.size(); ++i) {
    if (loads[i].predicted > loads[best].predicted) best = i;
  }
  return loads[best].broker;
}

std::string PlanSummary(const RebalancePlan& plan) {
  size_t leadership = 0;
  for (const RebalanceMove& mv : plan.moves)
    leadership += mv.kind == RebalanceMove::Kind::kLeadership;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "peak predicted load %.4g on broker %d -> %.4g on broker %d with %zu moves (%zu "
                "leadership, %zu replica; %zu partitions change)",
                plan.peak_before, PeakBroker(plan.loads_before), plan.peak_after,
                PeakBroker(plan.loads_after), plan.moves.size(), leadership,
                plan.moves.size() - leadership, plan.partitions_changed);
  return buf;
}

}  // namespace

Result<RebalancePlan> PlanRebalance(std::span<const PartitionState> partitions,
                                    std::span<const BrokerInfo> brokers,
                                    const BrokerLoadModel& model, const RebalanceParams& params) {
  if (!(params.min_improvement >= 0)) {
    return Status::Error("rebalance: min_improvement must be >= 0");
  }
  Result<std::vector<BrokerLoad>> before = ComputeBrokerLoads(partitions, brokers, model);
  if (!before.ok()) return before.status();
  RebalancePlan plan;
  plan.loads_before = *before;
  plan.peak_before = Peak(plan.loads_before);
  plan.proposed.assign(partitions.begin(), partitions.end());
  if (brokers.empty()) {
    plan.reassignment_json = ReassignmentJson(partitions, plan.proposed);
    return plan;
  }
  PlannerState st = MakePlannerState(partitions, brokers, model, plan.loads_before);
  while (plan.moves.size() < params.max_moves) {
    size_t hot = 0;
    for (size_t b = 1; b < st.load.size(); ++b) {
      if (st.load[b] > st.load[hot]) hot = b;
    }
    const double limit = st.load[hot] - params.min_improvement * std::abs(st.load[hot]);
    const CandidateMove best = BestMove(st, plan.proposed, hot, limit, params);
    if (!best.found) break;
    plan.moves.push_back(ApplyMove(best, hot, &st, &plan.proposed));
  }
  Result<std::vector<BrokerLoad>> after = ComputeBrokerLoads(plan.proposed, brokers, model);
  if (!after.ok()) return after.status();
  plan.loads_after = *after;
  plan.peak_after = Peak(plan.loads_after);
  for (size_t i = 0; i < partitions.size(); ++i) {
    plan.partitions_changed += partitions[i].replicas != plan.proposed[i].replicas;
  }
  plan.reassignment_json = ReassignmentJson(partitions, plan.proposed);
  plan.summary = PlanSummary(plan);
  return plan;
}

Result<AddBrokerResult> AddBrokerEffect(std::span<const PartitionState> partitions,
                                        std::span<const BrokerInfo> brokers,
                                        const BrokerInfo& new_broker, const BrokerLoadModel& model,
                                        const RebalanceParams& params) {
  for (const BrokerInfo& b : brokers) {
    if (b.id == new_broker.id) {
      return Status::Error("add broker: id " + std::to_string(new_broker.id) +
                           " is already in use");
    }
  }
  const bool others_have_racks =
      !brokers.empty() && std::all_of(brokers.begin(), brokers.end(),
                                      [](const BrokerInfo& b) { return !b.rack.empty(); });
  if (others_have_racks && new_broker.rack.empty()) {
    return Status::Error("add broker: the cluster is rack-aware; give the new broker a rack");
  }
  std::vector<BrokerInfo> extended(brokers.begin(), brokers.end());
  extended.push_back(new_broker);
  Result<RebalancePlan> plan = PlanRebalance(partitions, extended, model, params);
  if (!plan.ok()) return plan.status();
  Result<RebalancePlan> without = PlanRebalance(partitions, brokers, model, params);
  if (!without.ok()) return without.status();
  AddBrokerResult r;
  r.new_broker = new_broker;
  r.peak_rebalanced_without = without->peak_after;
  r.peak_before = 0.0;
  for (size_t i = 0; i + 1 < plan->loads_before.size(); ++i) {
    r.peak_before = i == 0 ? plan->loads_before[i].predicted
                           : std::max(r.peak_before, plan->loads_before[i].predicted);
  }
  r.peak_after = plan->peak_after;
  r.new_broker_load = plan->loads_after.back().predicted;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "adding broker %d (rack '%s') and rebalancing: peak predicted load %.4g -> %.4g "
                "(rebalancing without it: %.4g); the new broker takes %.4g",
                new_broker.id, new_broker.rack.c_str(), r.peak_before, r.peak_after,
                r.peak_rebalanced_without, r.new_broker_load);
  r.summary = buf;
  r.plan = std::move(*plan);
  return r;
}

}  // namespace streamlens::analysis::models
