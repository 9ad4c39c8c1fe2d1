#include "sidecar/analysis/models/what_if.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sidecar/analysis/models/synthetic_cluster.h"

namespace streamlens::analysis::models {
namespace {

// Brute-force reference: materialize the whole post-failure cluster state broker by broker,
// then derive every answer from that state with plain loops and ordered maps.
struct BruteState {
  std::vector<int32_t> leader;
  std::vector<std::set<int32_t>> isr;
  std::vector<bool> unclean;
};

BrokerFailureResult BruteForce(const std::vector<PartitionState>& parts,
                               const std::vector<BrokerInfo>& brokers, const BrokerLoadModel& m,
                               int32_t failed, const WhatIfParams& params) {
  std::set<int32_t> alive;
  for (const BrokerInfo& b : brokers) {
    if (b.id != failed) alive.insert(b.id);
  }
  BruteState st;
  for (const PartitionState& p : parts) {
    std::set<int32_t> isr;
    for (int32_t b : p.isr) {
      if (alive.count(b)) isr.insert(b);
    }
    int32_t leader = p.leader;
    bool unclean = false;
    if (leader != -1 && !alive.count(leader)) {
      leader = -1;
      for (int32_t r : p.replicas) {
        if (alive.count(r) && isr.count(r)) {
          leader = r;
          break;
        }
      }
      if (leader == -1 && params.unclean_leader_election) {
        for (int32_t r : p.replicas) {
          if (alive.count(r)) {
            leader = r;
            unclean = true;
            isr = {r};
            break;
          }
        }
      }
    }
    st.leader.push_back(leader);
    st.isr.push_back(isr);
    st.unclean.push_back(unclean);
  }
  BrokerFailureResult r;
  r.failed_broker = failed;
  std::map<std::string, TopicThreat> topics;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartitionState& p = parts[i];
    TopicThreat& t = topics[p.topic];
    t.topic = p.topic;
    ++t.partitions;
    const int min_isr = params.topic_min_isr.count(p.topic) ? params.topic_min_isr.at(p.topic)
                                                            : params.default_min_isr;
    DataLossThreat lvl = DataLossThreat::kNone;
    if (st.leader[i] != p.leader && st.leader[i] != -1) {
      r.leadership_moves.push_back({p.topic, p.partition, failed, st.leader[i], st.unclean[i]});
    }
    if (st.leader[i] == -1) {
      r.offline.push_back({p.topic, p.partition});
      ++t.offline;
      lvl = DataLossThreat::kOffline;
    } else {
      const int n = static_cast<int>(st.isr[i].size());
      if (st.unclean[i]) {
        ++t.unclean_elections;
        lvl = DataLossThreat::kDataLoss;
      }
      if (n < min_isr) {
        r.under_min_isr.push_back({p.topic, p.partition});
        ++t.under_min_isr;
        if (lvl < DataLossThreat::kUnderMinIsr) lvl = DataLossThreat::kUnderMinIsr;
      }
      if (n <= 1) {
        ++t.single_copy;
        if (lvl < DataLossThreat::kSingleCopy) lvl = DataLossThreat::kSingleCopy;
      }
    }
    if (t.threat < lvl) t.threat = lvl;
  }
  for (auto& [name, t] : topics) {
    if (t.threat >= DataLossThreat::kSingleCopy) r.data_loss_threat = true;
    r.topics.push_back(t);
  }
  // Loads: per surviving broker, sum over every partition.
  bool first = true;
  double peak_before = 0;
  for (const BrokerInfo& b : brokers) {
    double before = m.intercept;
    for (size_t i = 0; i < parts.size(); ++i) {
      const PartitionState& p = parts[i];
      if (p.leader == -1) continue;
      for (int32_t rep : p.replicas) {
        if (rep != b.id) continue;
        before += rep == p.leader ? LeaderContribution(p, m) : FollowerContribution(p, m);
      }
    }
    peak_before = std::max(peak_before, before);
    if (b.id == failed) continue;
    BrokerLoad l;
    l.broker = b.id;
    for (size_t i = 0; i < parts.size(); ++i) {
      const PartitionState& p = parts[i];
      bool hosts = false;
      for (int32_t rep : p.replicas) hosts |= rep == b.id;
      if (!hosts) continue;
      ++l.replicas;
      if (st.leader[i] == -1) continue;
      if (st.leader[i] == b.id) {
        ++l.leaders;
        l.leader_bytes_in += p.bytes_in_per_s;
        l.leader_bytes_out += p.bytes_out_per_s;
        l.messages_in += p.messages_in_per_s;
      } else {
        l.replication_bytes_in += p.bytes_in_per_s;
      }
    }
    l.predicted = m.intercept + m.leader_bytes_in * l.leader_bytes_in +
                  m.leader_bytes_out * l.leader_bytes_out +
                  m.replication_bytes_in * l.replication_bytes_in + m.messages_in * l.messages_in;
    if (first || l.predicted > r.peak_load_after) {
      r.peak_load_after = l.predicted;
      r.peak_broker_after = l.broker;
      first = false;
    }
    r.survivor_loads.push_back(l);
  }
  r.peak_load_before = peak_before;
  return r;
}

void ExpectSame(const BrokerFailureResult& a, const BrokerFailureResult& b) {
  EXPECT_EQ(a.failed_broker, b.failed_broker);
  EXPECT_EQ(a.offline, b.offline);
  EXPECT_EQ(a.under_min_isr, b.under_min_isr);
  EXPECT_EQ(a.leadership_moves, b.leadership_moves);
  EXPECT_EQ(a.topics, b.topics);
  EXPECT_EQ(a.data_loss_threat, b.data_loss_threat);
  EXPECT_EQ(a.peak_broker_after, b.peak_broker_after);
  EXPECT_NEAR(a.peak_load_after, b.peak_load_after, 1e-12);
  EXPECT_NEAR(a.peak_load_before, b.peak_load_before, 1e-12);
  ASSERT_EQ(a.survivor_loads.size(), b.survivor_loads.size());
  for (size_t i = 0; i < a.survivor_loads.size(); ++i) {
    const BrokerLoad& x = a.survivor_loads[i];
    const BrokerLoad& y = b.survivor_loads[i];
    EXPECT_EQ(x.broker, y.broker);
    EXPECT_EQ(x.leaders, y.leaders);
    EXPECT_EQ(x.replicas, y.replicas);
    EXPECT_NEAR(x.leader_bytes_in, y.leader_bytes_in, 1e-6);
    EXPECT_NEAR(x.replication_bytes_in, y.replication_bytes_in, 1e-6);
    EXPECT_NEAR(x.predicted, y.predicted, 1e-12);
  }
}

TEST(WhatIfTest, HandWorkedExample) {
  std::vector<BrokerInfo> brokers = {{1, ""}, {2, ""}, {3, ""}};
  std::vector<PartitionState> parts(4);
  parts[0] = {"a", 0, {1, 2, 3}, {1, 2, 3}, 1, 100, 100, 1};  // leader moves to 2
  parts[1] = {"a", 1, {1, 3}, {1}, 1, 100, 100, 1};           // only copy in sync: offline
  parts[2] = {"b", 0, {2, 1}, {2, 1}, 2, 100, 100, 1};        // loses a follower: single copy
  parts[3] = {"c", 0, {3, 2}, {3, 2}, 3, 100, 100, 1};        // untouched
  WhatIfParams params;
  params.topic_min_isr["b"] = 2;
  BrokerLoadModel m;
  m.leader_bytes_in = 1.0;
  Result<BrokerFailureResult> r = SimulateBrokerFailure(parts, brokers, m, 1, params);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->offline.size(), 1u);
  EXPECT_EQ(r->offline[0], (PartitionRef{"a", 1}));
  ASSERT_EQ(r->under_min_isr.size(), 1u);
  EXPECT_EQ(r->under_min_isr[0], (PartitionRef{"b", 0}));
  ASSERT_EQ(r->leadership_moves.size(), 1u);
  EXPECT_EQ(r->leadership_moves[0], (LeadershipMove{"a", 0, 1, 2, false}));
  ASSERT_EQ(r->topics.size(), 3u);
  EXPECT_EQ(r->topics[0].threat, DataLossThreat::kOffline);
  EXPECT_EQ(r->topics[1].threat, DataLossThreat::kSingleCopy);
  EXPECT_EQ(r->topics[2].threat, DataLossThreat::kNone);
  EXPECT_TRUE(r->data_loss_threat);
  EXPECT_DOUBLE_EQ(r->peak_load_before, 200.0);
  EXPECT_DOUBLE_EQ(r->peak_load_after, 200.0);  // broker 2 leads a-0 and b-0
  EXPECT_EQ(r->peak_broker_after, 2);

  params.unclean_leader_election = true;
  Result<BrokerFailureResult> u = SimulateBrokerFailure(parts, brokers, m, 1, params);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->offline.empty());
  ASSERT_EQ(u->leadership_moves.size(), 2u);
  EXPECT_EQ(u->leadership_moves[1], (LeadershipMove{"a", 1, 1, 3, true}));
  EXPECT_EQ(u->topics[0].threat, DataLossThreat::kDataLoss);
  EXPECT_STREQ(DataLossThreatName(u->topics[0].threat), "data_loss");
}

TEST(WhatIfTest, IdenticalToBruteForceOnSmallClusters) {
  int compared = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SyntheticClusterOptions o;
    o.brokers = 3 + static_cast<int>(seed % 5);
    o.racks = static_cast<int>(seed % 4);
    o.topics = 1 + static_cast<int>(seed % 4);
    o.partitions = 10 + static_cast<int>(seed % 30);
    o.replication_factor = 1 + static_cast<int>(seed % 3);
    o.out_of_sync = 0.3;
    o.offline = 0.05;
    SyntheticCluster c = MakeSyntheticCluster(o, seed);
    WhatIfParams params;
    params.default_min_isr = 1 + static_cast<int>(seed % 2);
    params.topic_min_isr["topic-0"] = 2;
    params.unclean_leader_election = seed % 3 == 0;
    const BrokerLoadModel m = ExampleLoadModel();
    Result<std::vector<BrokerFailureResult>> all =
        SimulateEachBrokerFailure(c.partitions, c.brokers, m, params);
    ASSERT_TRUE(all.ok()) << all.status().message();
    ASSERT_EQ(all->size(), c.brokers.size());
    for (size_t b = 0; b < c.brokers.size(); ++b) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " broker " + std::to_string(c.brokers[b].id));
      ExpectSame((*all)[b], BruteForce(c.partitions, c.brokers, m, c.brokers[b].id, params));
      Result<BrokerFailureResult> one =
          SimulateBrokerFailure(c.partitions, c.brokers, m, c.brokers[b].id, params);
      ASSERT_TRUE(one.ok());
      ExpectSame(*one, (*all)[b]);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 300);
}

TEST(WhatIfTest, RejectsUnknownBrokerAndBadParams) {
  SyntheticCluster c = MakeSyntheticCluster(SyntheticClusterOptions{}, 1);
  Result<BrokerFailureResult> r =
      SimulateBrokerFailure(c.partitions, c.brokers, ExampleLoadModel(), 99, WhatIfParams{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("broker 99"), std::string::npos);
  WhatIfParams bad;
  bad.default_min_isr = 0;
  EXPECT_FALSE(SimulateBrokerFailure(c.partitions, c.brokers, ExampleLoadModel(), 1, bad).ok());
}

}  // namespace
}  // namespace streamlens::analysis::models
