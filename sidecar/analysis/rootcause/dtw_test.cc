#include "sidecar/analysis/rootcause/dtw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace streamlens::analysis::rootcause {
namespace {

// Textbook O(n^2) DTW over the full matrix with the band applied as a mask.
double ReferenceDtw(const std::vector<double>& a, const std::vector<double>& b, int band) {
  const size_t n = a.size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> d(n + 1, std::vector<double>(n + 1, inf));
  d[0][0] = 0;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= n; ++j) {
      if (std::abs(static_cast<long>(i) - static_cast<long>(j)) > band) continue;
      const double c = (a[i - 1] - b[j - 1]) * (a[i - 1] - b[j - 1]);
      d[i][j] = c + std::min({d[i - 1][j], d[i][j - 1], d[i - 1][j - 1]});
    }
  }
  return d[n][n];
}

std::vector<double> RandomWalk(size_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(n);
  double v = 0;
  for (double& e : x) e = (v += g(rng));
  return x;
}

TEST(DtwTest, SmallKnownValue) {
  // Band 1: path (0,0)(1,0)? -> best is matching the shifted step; hand-computed = 1.
  const std::vector<double> a = {0, 0, 1, 1}, b = {0, 1, 1, 1};
  EXPECT_DOUBLE_EQ(*DtwDistance(a, b, 1), 0.0);
  EXPECT_DOUBLE_EQ(*DtwDistance(a, b, 0), 1.0);  // Euclidean (squared)
  const std::vector<double> c = {1, 2, 3}, d = {2, 2, 2};
  EXPECT_DOUBLE_EQ(*DtwDistance(c, d, 2), 2.0);
}

TEST(DtwTest, MatchesReferenceForAllBands) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const size_t n = 5 + trial * 3;
    const std::vector<double> a = RandomWalk(n, rng), b = RandomWalk(n, rng);
    for (int band : {0, 1, 3, static_cast<int>(n / 4), static_cast<int>(n)}) {
      const double ref = ReferenceDtw(a, b, band);
      EXPECT_NEAR(*DtwDistance(a, b, band), ref, 1e-9 * (1 + ref)) << "n=" << n << " band=" << band;
    }
  }
}

TEST(DtwTest, LowerBoundsNeverExceedDtw) {
  std::mt19937_64 rng(11);
  const size_t n = 128;
  std::vector<double> q(n), c(n), u(n), l(n);
  for (int trial = 0; trial < 200; ++trial) {
    ZNormalize(RandomWalk(n, rng), q);
    ZNormalize(RandomWalk(n, rng), c);
    const int band = trial % 20;
    KeoghEnvelope(q, band, u, l);
    const double d = *DtwDistance(q, c, band);
    EXPECT_LE(LbKeogh(c, u, l), d * (1 + 1e-12));
  }
}

TEST(DtwTest, EnvelopeMatchesNaive) {
  std::mt19937_64 rng(3);
  const std::vector<double> x = RandomWalk(300, rng);
  std::vector<double> u(300), l(300);
  for (int band : {0, 1, 7, 50, 299}) {
    KeoghEnvelope(x, band, u, l);
    for (int i = 0; i < 300; ++i) {
      const int lo = std::max(0, i - band), hi = std::min(299, i + band);
      EXPECT_EQ(u[i], *std::max_element(x.begin() + lo, x.begin() + hi + 1));
      EXPECT_EQ(l[i], *std::min_element(x.begin() + lo, x.begin() + hi + 1));
    }
  }
}

TEST(DtwTest, ZNormalizeAndFlatSeries) {
  std::vector<double> x = {1, 2, 3, 4}, out(4);
  ZNormalize(x, out);
  EXPECT_NEAR(out[0], -1.3416407864998738, 1e-15);
  EXPECT_NEAR(out[3], 1.3416407864998738, 1e-15);
  std::vector<double> flat(5, 7.0), zf(5);
  ZNormalize(flat, zf);
  for (double v : zf) EXPECT_EQ(v, 0.0);
}

// Candidates: random walks, noisy sines, and warped copies of the target.
std::vector<double> MakeCandidates(const std::vector<double>& target, size_t m,
                                   std::mt19937_64& rng) {
  const size_t n = target.size();
  std::normal_distribution<double> g(0, 1);
  std::vector<double> all;
  all.reserve(m * n);
  for (size_t r = 0; r < m; ++r) {
    std::vector<double> c;
    if (r % 7 == 3) {
      const int shift = static_cast<int>(r % 5);
      for (size_t t = 0; t < n; ++t) {
        c.push_back(target[std::min(n - 1, t + shift)] + 0.3 * g(rng));
      }
    } else if (r % 3 == 0) {
      for (size_t t = 0; t < n; ++t) c.push_back(std::sin(0.05 * t * (1 + r % 4)) + 0.2 * g(rng));
    } else {
      c = RandomWalk(n, rng);
    }
    all.insert(all.end(), c.begin(), c.end());
  }
  return all;
}

TEST(DtwTest, PrunedSearchIdenticalToExhaustive) {
  std::mt19937_64 rng(42);
  for (size_t n : {64u, 200u}) {
    const std::vector<double> target = RandomWalk(n, rng);
    const std::vector<double> cands = MakeCandidates(target, 400, rng);
    DtwSearchParams exhaustive;
    exhaustive.prune = false;
    exhaustive.top_k = 0;
    Result<DtwSearchResult> all = DtwSearch(target, cands, exhaustive);
    ASSERT_TRUE(all.ok()) << all.status().message();
    ASSERT_EQ(all->matches.size(), 400u);
    EXPECT_EQ(all->stats.full_dtw, 400u);
    for (size_t k : {1u, 10u, 50u}) {
      for (int threads : {1, 2, 3}) {
        DtwSearchParams p;
        p.top_k = k;
        p.num_threads = threads;
        Result<DtwSearchResult> pruned = DtwSearch(target, cands, p);
        ASSERT_TRUE(pruned.ok());
        ASSERT_EQ(pruned->matches.size(), k);
        for (size_t i = 0; i < k; ++i) {
          EXPECT_EQ(pruned->matches[i].index, all->matches[i].index) << "k=" << k << " i=" << i;
          EXPECT_EQ(pruned->matches[i].distance, all->matches[i].distance);
        }
        const DtwSearchStats& s = pruned->stats;
        EXPECT_EQ(s.candidates, 400u);
        EXPECT_EQ(
            s.pruned_by_kim + s.pruned_by_keogh + s.pruned_by_keogh_rev + s.abandoned + s.full_dtw,
            400u);
        if (k == 1 && threads == 1) EXPECT_LT(s.full_dtw, 200u);  // pruning does its job
      }
    }
    // Exhaustive distances agree with the reference implementation.
    std::vector<double> zt(n), zc(n);
    ZNormalize(target, zt);
    const size_t idx = all->matches[5].index;
    ZNormalize(std::span<const double>(cands).subspan(idx * n, n), zc);
    EXPECT_NEAR(all->matches[5].distance, ReferenceDtw(zt, zc, all->band), 1e-9);
  }
}

TEST(DtwTest, TiesKeepIndexOrder) {
  const std::vector<double> target = {0, 1, 0, 1, 0, 1};
  std::vector<double> cands;
  for (int r = 0; r < 5; ++r) cands.insert(cands.end(), target.begin(), target.end());
  DtwSearchParams p;
  p.top_k = 3;
  p.num_threads = 2;
  Result<DtwSearchResult> res = DtwSearch(target, cands, p);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->matches.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(res->matches[i].index, i);
    EXPECT_EQ(res->matches[i].distance, 0.0);
  }
}

TEST(DtwTest, RejectsBadInput) {
  const std::vector<double> t = {1, 2, 3};
  const std::vector<double> bad = {1, 2, 3, 4};
  Result<DtwSearchResult> r = DtwSearch(t, bad, DtwSearchParams{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a multiple"), std::string::npos);
  DtwSearchParams p;
  p.num_threads = 0;
  EXPECT_FALSE(DtwSearch(t, t, p).ok());
  const std::vector<double> inf = {1, INFINITY, 3};
  EXPECT_FALSE(DtwSearch(t, inf, DtwSearchParams{}).ok());
  EXPECT_FALSE(DtwDistance(t, bad, 1).ok());
  EXPECT_FALSE(DtwDistance(t, t, -1).ok());
  EXPECT_EQ(ResolveBand(-1, 0.1, 1440), 144);
  EXPECT_EQ(ResolveBand(5000, 0.1, 100), 99);
}

}  // namespace
}  // namespace streamlens::analysis::rootcause
