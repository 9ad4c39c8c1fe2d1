// Root-cause ranking on synthetic incidents (sidecar/analysis/rootcause/scenario_generator.h):
// share of scenarios whose true cause is ranked first / in the top 3, per fault kind, for the
// default ranking and for ablations that switch one safeguard off. Also times the ranking.
//
// Usage: rootcause_scenario_eval [seeds_per_kind=100]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "sidecar/analysis/rootcause/rank.h"
#include "sidecar/analysis/rootcause/scenario_generator.h"

using namespace streamlens::analysis::rootcause;

namespace {

struct Variant {
  const char* name;
  std::function<void(Scenario&)> tweak;
};

size_t TrueCauseRank(const Scenario& sc, const RankResult& r) {
  for (size_t i = 0; i < r.ranked.size(); ++i) {
    for (const std::string& c : sc.true_causes) {
      if (r.ranked[i].name == c) return i + 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 100;
  const std::vector<Variant> variants = {
      {"default", [](Scenario&) {}},
      {"no priors (all 1.0)",
       [](Scenario& s) {
         for (auto& i : s.infos) i.prior = 1.0;
       }},
      {"no direction rule", [](Scenario& s) { s.params.wrong_direction_factor = 1.0; }},
      {"no precedence (onset off)", [](Scenario& s) { s.params.onset_threshold = 1e12; }},
      {"no detrending", [](Scenario& s) { s.params.detrend = Detrend::kNone; }},
      {"no DTW (correlation only)", [](Scenario& s) { s.params.use_dtw = false; }},
      {"strict burst labels (topic only)",
       [](Scenario& s) {
         if (s.fault == FaultKind::kProducerBurst) s.true_causes.resize(2);
       }},
  };
  std::printf("seeds per fault kind: %d\n", seeds);
  for (const Variant& v : variants) {
    int first = 0, top3 = 0, total = 0;
    double rank_seconds = 0;
    size_t candidates = 0;
    std::string per_kind;
    for (FaultKind kind : kAllFaultKinds) {
      int kf = 0;
      for (int seed = 1; seed <= seeds; ++seed) {
        Scenario sc = GenerateScenario(kind, static_cast<uint64_t>(seed));
        v.tweak(sc);
        const auto t0 = std::chrono::steady_clock::now();
        auto r = RankCandidates(sc.target, sc.candidates, sc.infos, sc.params);
        rank_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!r.ok()) {
          std::fprintf(stderr, "%s\n", r.status().message().c_str());
          return 1;
        }
        candidates += sc.infos.size();
        const size_t rank = TrueCauseRank(sc, *r);
        ++total;
        if (rank == 1) {
          ++first;
          ++kf;
        }
        if (rank >= 1 && rank <= 3) ++top3;
      }
      per_kind += std::string(" ") + FaultKindName(kind) + "=" + std::to_string(kf);
    }
    std::printf(
        "%-34s first %5.1f%%  top-3 %5.1f%%  |%s  | %.2f ms per ranking (%.0f candidates x 330 "
        "points)\n",
        v.name, 100.0 * first / total, 100.0 * top3 / total, per_kind.c_str(),
        1e3 * rank_seconds / total, static_cast<double>(candidates) / total);
  }
  return 0;
}
