#include "sidecar/analysis/rootcause/dtw.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <queue>
#include <string>
#include <thread>
#include <utility>

namespace streamlens::analysis::rootcause {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Lower bounds are summed in a different order than the DTW recursion; shrinking them by this
// relative slack before comparing keeps rounding from ever pruning a candidate that the
// exhaustive ranking would keep.
constexpr double kLbSlack = 1.0 - 1e-9;

Status CheckFinite(std::span<const double> x, const char* what) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return Status::Error(std::string(what) + ": non-finite value at index " + std::to_string(i));
    }
  }
  return Status::Ok();
}

// DTW within band r on raw pointers. When `cb` is given (cb[k] = lower bound of the cost of
// matching indices >= k, with cb[n] = 0), abandons and returns +inf as soon as the cost of the
// best partial path plus the bound exceeds `threshold`. prev/cur: scratch of length n.
double DtwCore(const double* a, const double* b, size_t n, int r, const double* cb,
               double threshold, double* prev, double* cur) {
  const long nn = static_cast<long>(n);
  const long rr = r;
  // Row 0.
  {
    const long jhi = std::min(nn - 1, rr);
    double acc = 0.0;
    double row_min = kInf;
    for (long j = 0; j <= jhi; ++j) {
      const double d = a[0] - b[j];
      acc += d * d;
      prev[j] = acc;
      row_min = std::min(row_min, acc);
    }
    if (jhi + 1 < nn) prev[jhi + 1] = kInf;
    if (cb != nullptr) {
      const long k = std::min(nn, rr + 1);
      if (row_min + cb[k] * kLbSlack > threshold) return kInf;
    }
  }
  for (long i = 1; i < nn; ++i) {
    const long jlo = std::max(0L, i - rr);
    const long jhi = std::min(nn - 1, i + rr);
    if (jlo > 0) cur[jlo - 1] = kInf;
    double left = kInf;
    double row_min = kInf;
    const double ai = a[i];
    for (long j = jlo; j <= jhi; ++j) {
      const double d = ai - b[j];
      double best = prev[j];
      if (j > 0) best = std::min(best, prev[j - 1]);
      best = std::min(best, left);
      const double v = d * d + best;
      cur[j] = v;
      left = v;
      row_min = std::min(row_min, v);
    }
    if (jhi + 1 < nn) cur[jhi + 1] = kInf;
    if (cb != nullptr) {
      const long k = std::min(nn, i + rr + 1);
      if (row_min + cb[k] * kLbSlack > threshold) return kInf;
    }
    std::swap(prev, cur);
  }
  return prev[nn - 1];
}

void ZNormalizeRaw(const double* x, double* out, size_t n) {
  double mean = 0.0;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    var += d * d;
  }
  const double sd = std::sqrt(var / static_cast<double>(n));
  if (!(sd > 1e-12 * (1.0 + std::abs(mean)))) {
    for (size_t i = 0; i < n; ++i) out[i] = 0.0;
    return;
  }
  const double inv = 1.0 / sd;
  for (size_t i = 0; i < n; ++i) out[i] = (x[i] - mean) * inv;
}

// Envelope with caller-provided deque storage (length n each).
void EnvelopeRaw(const double* x, size_t n, int r, double* u, double* l, int* maxq, int* minq) {
  const long nn = static_cast<long>(n);
  long mh = 0, mt = 0, nh = 0, nt = 0;  // heads/tails of the max and min deques
  for (long j = 0; j < nn + r; ++j) {
    if (j < nn) {
      while (mt > mh && x[maxq[mt - 1]] <= x[j]) --mt;
      maxq[mt++] = static_cast<int>(j);
      while (nt > nh && x[minq[nt - 1]] >= x[j]) --nt;
      minq[nt++] = static_cast<int>(j);
    }
    const long i = j - r;
    if (i < 0) continue;
    while (maxq[mh] < i - r) ++mh;
    while (minq[nh] < i - r) ++nh;
    u[i] = x[maxq[mh]];
    l[i] = x[minq[nh]];
  }
}

// LB_Keogh with per-index contributions written to `contrib`; stops early (returning a value
// above `threshold`) once the running sum exceeds it.
double LbKeoghContrib(const double* c, const double* u, const double* l, size_t n, double threshold,
                      double* contrib) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double d = 0.0;
    if (c[i] > u[i]) {
      d = (c[i] - u[i]) * (c[i] - u[i]);
    } else if (c[i] < l[i]) {
      d = (l[i] - c[i]) * (l[i] - c[i]);
    }
    contrib[i] = d;
    sum += d;
    if (sum * kLbSlack > threshold) return sum;
  }
  return sum;
}

struct WorkerOutput {
  std::vector<DtwMatch> best;  // local top-k, any order
  DtwSearchStats stats;
};

struct ByDistanceThenIndex {
  bool operator()(const DtwMatch& a, const DtwMatch& b) const {
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.index < b.index;
  }
};

// Exhaustive: every DTW to the end, for candidates [begin, end).
void ExhaustiveRange(const double* q, std::span<const double> all, size_t n, size_t begin,
                     size_t end, int r, const DtwSearchParams& p, WorkerOutput* out) {
  std::vector<double> zc(n), prev(n), cur(n);
  for (size_t idx = begin; idx < end; ++idx) {
    const double* c = all.data() + idx * n;
    ++out->stats.candidates;
    if (p.z_normalize) {
      ZNormalizeRaw(c, zc.data(), n);
      c = zc.data();
    }
    out->best.push_back({idx, DtwCore(q, c, n, r, nullptr, kInf, prev.data(), cur.data())});
    ++out->stats.full_dtw;
  }
}

// Pruned search, phase 1: the cheap lower bound max(LB_Kim, LB_Keogh(target envelope, c)) of
// every candidate in [begin, end).
void LowerBoundsRange(const double* q, const double* qu, const double* ql,
                      std::span<const double> all, size_t n, size_t begin, size_t end,
                      const DtwSearchParams& p, double* lb, unsigned char* by_kim) {
  std::vector<double> zc(n), contrib(n);
  for (size_t idx = begin; idx < end; ++idx) {
    const double* c = all.data() + idx * n;
    if (p.z_normalize) {
      ZNormalizeRaw(c, zc.data(), n);
      c = zc.data();
    }
    const double kim =
        (q[0] - c[0]) * (q[0] - c[0]) + (q[n - 1] - c[n - 1]) * (q[n - 1] - c[n - 1]);
    const double keogh = LbKeoghContrib(c, qu, ql, n, kInf, contrib.data());
    lb[idx] = std::max(kim, keogh);
    by_kim[idx] = kim > keogh;
  }
}

// Pruned search, phase 2: visits candidates in ascending lower-bound order (positions
// first, first + stride, ...), so the k-th best distance is tight early and, once a lower bound
// exceeds it, every later candidate of this worker is pruned at once.
void SearchSorted(const double* q, const double* qu, const double* ql, std::span<const double> all,
                  size_t n, const std::vector<size_t>& order, const double* lb,
                  const unsigned char* by_kim, size_t first, size_t stride, int r,
                  const DtwSearchParams& p, WorkerOutput* out) {
  std::vector<double> zc(n), cu(n), cl(n), c1(n), c2(n), cb(n + 1), prev(n), cur(n);
  std::vector<int> maxq(n), minq(n);
  // Max-heap on (distance, index): top() is the worst of the current best k.
  std::priority_queue<DtwMatch, std::vector<DtwMatch>, ByDistanceThenIndex> heap;
  const size_t k = p.top_k;
  for (size_t pos = first; pos < order.size(); pos += stride) {
    const size_t idx = order[pos];
    ++out->stats.candidates;
    const double threshold = heap.size() < k ? kInf : heap.top().distance;
    if (lb[idx] * kLbSlack > threshold) {
      // Sorted order: this and every later candidate of this worker is out.
      for (size_t rest = pos; rest < order.size(); rest += stride) {
        if (rest != pos) ++out->stats.candidates;
        ++(by_kim[order[rest]] ? out->stats.pruned_by_kim : out->stats.pruned_by_keogh);
      }
      break;
    }
    const double* c = all.data() + idx * n;
    if (p.z_normalize) {
      ZNormalizeRaw(c, zc.data(), n);
      c = zc.data();
    }
    const double lb1 = LbKeoghContrib(c, qu, ql, n, kInf, c1.data());
    EnvelopeRaw(c, n, r, cu.data(), cl.data(), maxq.data(), minq.data());
    const double lb2 = LbKeoghContrib(q, cu.data(), cl.data(), n, threshold, c2.data());
    if (lb2 * kLbSlack > threshold) {
      ++out->stats.pruned_by_keogh_rev;
      continue;
    }
    const double* contrib = lb1 >= lb2 ? c1.data() : c2.data();
    cb[n] = 0.0;
    for (size_t i = n; i-- > 0;) cb[i] = cb[i + 1] + contrib[i];
    const double d = DtwCore(q, c, n, r, cb.data(), threshold, prev.data(), cur.data());
    if (d == kInf) {
      ++out->stats.abandoned;
      continue;
    }
    ++out->stats.full_dtw;
    const DtwMatch m{idx, d};
    if (heap.size() < k) {
      heap.push(m);
    } else if (ByDistanceThenIndex()(m, heap.top())) {
      heap.pop();
      heap.push(m);
    }
  }
  while (!heap.empty()) {
    out->best.push_back(heap.top());
    heap.pop();
  }
}

}  // namespace

void ZNormalize(std::span<const double> x, std::span<double> out) {
  assert(x.size() == out.size());
  if (x.empty()) return;
  ZNormalizeRaw(x.data(), out.data(), x.size());
}

int ResolveBand(int band, double band_fraction, size_t n) {
  if (n == 0) return 0;
  long b = band >= 0 ? band : std::lround(band_fraction * static_cast<double>(n));
  b = std::clamp(b, 0L, static_cast<long>(n) - 1);
  return static_cast<int>(b);
}

Result<double> DtwDistance(std::span<const double> a, std::span<const double> b, int band) {
  if (a.size() != b.size()) {
    return Status::Error("dtw: series lengths differ (" + std::to_string(a.size()) + " vs " +
                         std::to_string(b.size()) + ")");
  }
  if (a.empty()) return Status::Error("dtw: series are empty");
  if (band < 0) return Status::Error("dtw: band must be >= 0, got " + std::to_string(band));
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(a, "dtw: first series"));
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(b, "dtw: second series"));
  const int r = std::min<long>(band, static_cast<long>(a.size()) - 1);
  std::vector<double> prev(a.size()), cur(a.size());
  return DtwCore(a.data(), b.data(), a.size(), r, nullptr, kInf, prev.data(), cur.data());
}

void KeoghEnvelope(std::span<const double> x, int band, std::span<double> u, std::span<double> l) {
  assert(u.size() == x.size() && l.size() == x.size());
  if (x.empty()) return;
  std::vector<int> maxq(x.size()), minq(x.size());
  const int r = std::clamp<long>(band, 0L, static_cast<long>(x.size()) - 1);
  EnvelopeRaw(x.data(), x.size(), r, u.data(), l.data(), maxq.data(), minq.data());
}

double LbKeogh(std::span<const double> c, std::span<const double> u, std::span<const double> l) {
  double sum = 0.0;
  const size_t n = std::min({c.size(), u.size(), l.size()});
  for (size_t i = 0; i < n; ++i) {
    if (c[i] > u[i]) {
      sum += (c[i] - u[i]) * (c[i] - u[i]);
    } else if (c[i] < l[i]) {
      sum += (l[i] - c[i]) * (l[i] - c[i]);
    }
  }
  return sum;
}

Result<DtwSearchResult> DtwSearch(std::span<const double> target,
                                  std::span<const double> candidates,
                                  const DtwSearchParams& params) {
  const size_t n = target.size();
  if (n < 2) {
    return Status::Error("dtw search: target needs at least 2 points, got " + std::to_string(n));
  }
  if (candidates.size() % n != 0) {
    return Status::Error("dtw search: candidates hold " + std::to_string(candidates.size()) +
                         " values, not a multiple of the target length " + std::to_string(n));
  }
  if (params.num_threads < 1) {
    return Status::Error("dtw search: num_threads must be >= 1, got " +
                         std::to_string(params.num_threads));
  }
  if (params.band < 0 && !(params.band_fraction >= 0.0 && params.band_fraction <= 1.0)) {
    return Status::Error("dtw search: band_fraction must be in [0, 1]");
  }
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(target, "dtw search: target"));
  STREAMLENS_RETURN_IF_ERROR(CheckFinite(candidates, "dtw search: candidates"));

  const size_t m = candidates.size() / n;
  DtwSearchResult result;
  result.band = ResolveBand(params.band, params.band_fraction, n);
  const int r = result.band;

  std::vector<double> q(target.begin(), target.end());
  if (params.z_normalize) ZNormalizeRaw(target.data(), q.data(), n);
  std::vector<double> qu(n), ql(n);
  {
    std::vector<int> maxq(n), minq(n);
    EnvelopeRaw(q.data(), n, r, qu.data(), ql.data(), maxq.data(), minq.data());
  }

  const size_t threads = std::max<size_t>(1, std::min<size_t>(params.num_threads, m));
  std::vector<WorkerOutput> outs(threads);
  // Runs fn(t) for t in [0, threads): workers for t >= 1, the caller for t = 0.
  auto parallel = [threads](auto fn) {
    std::vector<std::thread> workers;
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(fn, t);
    fn(size_t{0});
    for (auto& w : workers) w.join();
  };
  if (!params.prune || params.top_k == 0 || params.top_k >= m) {
    parallel([&](size_t t) {
      ExhaustiveRange(q.data(), candidates, n, m * t / threads, m * (t + 1) / threads, r, params,
                      &outs[t]);
    });
  } else {
    std::vector<double> lb(m);
    std::vector<unsigned char> by_kim(m);
    parallel([&](size_t t) {
      LowerBoundsRange(q.data(), qu.data(), ql.data(), candidates, n, m * t / threads,
                       m * (t + 1) / threads, params, lb.data(), by_kim.data());
    });
    std::vector<size_t> order(m);
    for (size_t i = 0; i < m; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return lb[a] != lb[b] ? lb[a] < lb[b] : a < b; });
    parallel([&](size_t t) {
      SearchSorted(q.data(), qu.data(), ql.data(), candidates, n, order, lb.data(), by_kim.data(),
                   t, threads, r, params, &outs[t]);
    });
  }

  for (const WorkerOutput& o : outs) {
    result.matches.insert(result.matches.end(), o.best.begin(), o.best.end());
    result.stats.candidates += o.stats.candidates;
    result.stats.pruned_by_kim += o.stats.pruned_by_kim;
    result.stats.pruned_by_keogh += o.stats.pruned_by_keogh;
    result.stats.pruned_by_keogh_rev += o.stats.pruned_by_keogh_rev;
    result.stats.abandoned += o.stats.abandoned;
    result.stats.full_dtw += o.stats.full_dtw;
  }
  std::sort(result.matches.begin(), result.matches.end(), ByDistanceThenIndex());
  if (params.top_k > 0 && result.matches.size() > params.top_k) {
    result.matches.resize(params.top_k);
  }
  return result;
}

}  // namespace streamlens::analysis::rootcause
