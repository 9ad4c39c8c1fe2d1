// Scenario evaluation of root-cause ranking and the CPU model on synthetic Kafka incidents with
// known causes (scenario_generator.h). Goal from the issue: the true cause ranked first in at
// least 90% of scenarios and in the top 3 in all. (The CPU model's R^2 goal is checked in
// models/cpu_model_test.cc on multi-day synthetic load.)
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "sidecar/analysis/rootcause/rank.h"
#include "sidecar/analysis/rootcause/scenario_generator.h"

namespace streamlens::analysis::rootcause {
namespace {

const int kSeedsPerKind =
    std::getenv("ROOTCAUSE_SEEDS") ? std::atoi(std::getenv("ROOTCAUSE_SEEDS")) : 20;

// 1-based rank of the best-placed true cause, 0 if absent.
size_t TrueCauseRank(const Scenario& sc, const RankResult& r) {
  for (size_t i = 0; i < r.ranked.size(); ++i) {
    for (const std::string& c : sc.true_causes) {
      if (r.ranked[i].name == c) return i + 1;
    }
  }
  return 0;
}

TEST(ScenarioTest, GeneratorIsDeterministicAndWellFormed) {
  const Scenario a = GenerateScenario(FaultKind::kHotPartition, 3);
  const Scenario b = GenerateScenario(FaultKind::kHotPartition, 3);
  EXPECT_EQ(a.candidates, b.candidates);
  EXPECT_EQ(a.target, b.target);
  ASSERT_EQ(a.candidates.size(), a.infos.size() * a.target.size());
  for (const std::string& c : a.true_causes) {
    bool found = false;
    for (const CandidateInfo& i : a.infos) found |= i.name == c;
    EXPECT_TRUE(found) << c;
  }
  for (const CandidateInfo& i : a.infos) EXPECT_NE(i.name, a.target_name);
  EXPECT_NE(GenerateScenario(FaultKind::kHotPartition, 4).target, a.target);
}

TEST(ScenarioTest, TrueCauseFirstInNinetyPercentAndTopThreeInAll) {
  std::map<std::string, std::pair<int, int>> per_kind;  // first, total
  int first = 0, top3 = 0, total = 0;
  for (FaultKind kind : kAllFaultKinds) {
    for (int seed = 1; seed <= kSeedsPerKind; ++seed) {
      const Scenario sc = GenerateScenario(kind, static_cast<uint64_t>(seed));
      Result<RankResult> r = RankCandidates(sc.target, sc.candidates, sc.infos, sc.params);
      ASSERT_TRUE(r.ok()) << r.status().message();
      const size_t rank = TrueCauseRank(sc, *r);
      ++total;
      auto& pk = per_kind[FaultKindName(kind)];
      ++pk.second;
      if (rank == 1) {
        ++first;
        ++pk.first;
      }
      if (rank >= 1 && rank <= 3) ++top3;
      if (rank != 1 && rank != 0) {
        const CandidateScore& tc = r->ranked[rank - 1];
        std::printf(
            "  true cause %s: score %.3f strength %.3f similarity %.3f precedence %.3f "
            "direction %.2f prior %.2f onset %d (target %d)\n",
            tc.name.c_str(), tc.score, tc.strength, tc.similarity, tc.precedence, tc.direction,
            tc.prior, tc.onset, r->target_onset);
        const CandidateScore& t0 = r->ranked[0];
        std::printf("  top %s: strength %.3f similarity %.3f precedence %.3f onset %d\n",
                    t0.name.c_str(), t0.strength, t0.similarity, t0.precedence, t0.onset);
      }
      if (rank != 1) {
        std::printf("%s seed %d: true cause at rank %zu; top: %s (%.3f), %s (%.3f), %s (%.3f)\n",
                    FaultKindName(kind), seed, rank, r->ranked[0].name.c_str(), r->ranked[0].score,
                    r->ranked[1].name.c_str(), r->ranked[1].score, r->ranked[2].name.c_str(),
                    r->ranked[2].score);
      }
      EXPECT_GE(rank, 1u) << FaultKindName(kind) << " seed " << seed;
      EXPECT_LE(rank, 3u) << FaultKindName(kind) << " seed " << seed;
    }
  }
  for (const auto& [kind, v] : per_kind) {
    std::printf("%-15s first %d/%d\n", kind.c_str(), v.first, v.second);
  }
  std::printf("overall: first %d/%d, top-3 %d/%d\n", first, total, top3, total);
  EXPECT_GE(first * 10, total * 9);
  EXPECT_EQ(top3, total);
}

}  // namespace
}  // namespace streamlens::analysis::rootcause
