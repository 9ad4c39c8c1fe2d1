#include "sidecar/analysis/decompose/stl.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace streamlens::analysis {
namespace {

// The Fortran source writes these as single-precision literals (.999, .001), which gfortran widens
// exactly; using the same values keeps boundary decisions identical to R.
constexpr double kP999 = static_cast<double>(0.999f);
constexpr double kP001 = static_cast<double>(0.001f);

// Scratch buffers reused across all loess calls of one decomposition.
struct Workspace {
  std::vector<double> w1, w2, w3, w4, w5;  // each n + 2 * period
  std::vector<double> sub_y, sub_rw, sub_fit;
  std::vector<double> rw;
  std::vector<double> tw;  // symmetric tricube weights
};

// One local fit at abscissa xs over y[nleft..nright] (1-based, as in stl.f's stlest).
// Returns false when all weights are zero (the caller then keeps y(xs)).
// Fused single pass: the weighted moments give the same local-linear value as stlest's
// normalise / centre / reweight passes.
inline bool Est(const double* y, int n, int len, int ideg, double xs, double* ys, int nleft,
                int nright, const double* rw) {
  const double range = static_cast<double>(n) - 1.0;
  double h = std::max(xs - static_cast<double>(nleft), static_cast<double>(nright) - xs);
  if (len > n) h += static_cast<double>((len - n) / 2);
  const double h9 = kP999 * h;
  const double h1 = kP001 * h;
  double sw = 0, swd = 0, swdd = 0, swy = 0, swdy = 0;
  const double* yy = y - 1;
  const double* rr = rw ? rw - 1 : nullptr;
  for (int j = nleft; j <= nright; ++j) {
    const double d = static_cast<double>(j) - xs;
    const double r = std::fabs(d);
    if (r <= h9) {
      double w;
      if (r <= h1) {
        w = 1.0;
      } else {
        const double q = r / h;
        const double t = 1.0 - q * q * q;
        w = t * t * t;
      }
      if (rr) w *= rr[j];
      const double wy = w * yy[j];
      sw += w;
      swd += w * d;
      swdd += w * d * d;
      swy += wy;
      swdy += wy * d;
    }
  }
  if (sw <= 0.0) return false;
  const double inv = 1.0 / sw;
  double fit = swy * inv;
  if (h > 0.0 && ideg > 0) {
    const double xbar = swd * inv;
    const double c = swdd * inv - xbar * xbar;
    if (std::sqrt(c) > kP001 * range) {
      const double b = -xbar / c;
      fit += b * (swdy * inv - xbar * fit);
    }
  }
  *ys = fit;
  return true;
}

// Est for an interior point whose window is symmetric (xs - nleft == nright - xs == H, len < n):
// the tricube weights are the same for every such point, so they come from `tw` (len values, built
// by SymmetricWeights with Est's exact formula) and the loop is a vectorisable weighted sum.
inline bool EstSymmetric(const double* y, int n, int ideg, double xs, double* ys, int nleft,
                         int len, const double* tw, const double* rw) {
  const double range = static_cast<double>(n) - 1.0;
  const double H = static_cast<double>((len - 1) / 2);
  const double* yy = y + (nleft - 1);
  double sw = 0, swd = 0, swdd = 0, swy = 0, swdy = 0;
  if (rw) {
    const double* rr = rw + (nleft - 1);
#pragma omp simd reduction(+ : sw, swd, swdd, swy, swdy)
    for (int k = 0; k < len; ++k) {
      const double w = tw[k] * rr[k];
      const double d = static_cast<double>(k) - H;
      const double wy = w * yy[k];
      sw += w;
      swd += w * d;
      swdd += w * d * d;
      swy += wy;
      swdy += wy * d;
    }
  } else {
#pragma omp simd reduction(+ : sw, swd, swdd, swy, swdy)
    for (int k = 0; k < len; ++k) {
      const double w = tw[k];
      const double d = static_cast<double>(k) - H;
      const double wy = w * yy[k];
      sw += w;
      swd += w * d;
      swdd += w * d * d;
      swy += wy;
      swdy += wy * d;
    }
  }
  if (sw <= 0.0) return false;
  const double inv = 1.0 / sw;
  double fit = swy * inv;
  if (H > 0.0 && ideg > 0) {
    const double xbar = swd * inv;
    const double c = swdd * inv - xbar * xbar;
    if (std::sqrt(c) > kP001 * range) {
      const double b = -xbar / c;
      fit += b * (swdy * inv - xbar * fit);
    }
  }
  *ys = fit;
  (void)xs;
  return true;
}

// Tricube weights of a symmetric window of odd length len (h = (len - 1) / 2), as Est computes
// them.
void SymmetricWeights(int len, std::vector<double>* tw) {
  tw->resize(static_cast<size_t>(len));
  const double h = static_cast<double>((len - 1) / 2);
  const double h9 = kP999 * h, h1 = kP001 * h;
  for (int k = 0; k < len; ++k) {
    const double r = std::fabs(static_cast<double>(k) - h);
    double w = 0.0;
    if (r <= h9) {
      if (r <= h1) {
        w = 1.0;
      } else {
        const double q = r / h;
        const double t = 1.0 - q * q * q;
        w = t * t * t;
      }
    }
    (*tw)[static_cast<size_t>(k)] = w;
  }
}

// stless: loess smoothing of y[0..n) into ys, evaluated every njump points and linearly
// interpolated.
void Ess(const double* y, int n, int len, int ideg, int njump, const double* rw, double* ys,
         std::vector<double>* tw) {
  if (n < 2) {
    ys[0] = y[0];
    return;
  }
  const int newnj = std::min(njump, n - 1);
  int nleft = 0, nright = 0;
  auto est = [&](int i) {  // 1-based i
    if (!Est(y, n, len, ideg, static_cast<double>(i), &ys[i - 1], nleft, nright, rw)) {
      ys[i - 1] = y[i - 1];
    }
  };
  if (len >= n) {
    nleft = 1;
    nright = n;
    for (int i = 1; i <= n; i += newnj) est(i);
  } else if (newnj == 1) {
    const int nsh = (len + 1) / 2;
    nleft = 1;
    nright = len;
    for (int i = 1; i <= n; ++i) {
      if (i > nsh && nright != n) {
        ++nleft;
        ++nright;
      }
      est(i);
    }
    return;
  } else {
    const int nsh = (len + 1) / 2;
    const bool odd = len % 2 == 1;
    if (odd) SymmetricWeights(len, tw);
    for (int i = 1; i <= n; i += newnj) {
      if (i < nsh) {
        nleft = 1;
        nright = len;
      } else if (i >= n - nsh + 1) {
        nleft = n - len + 1;
        nright = n;
      } else {
        nleft = i - nsh + 1;
        nright = len + i - nsh;
        if (odd) {
          if (!EstSymmetric(y, n, ideg, static_cast<double>(i), &ys[i - 1], nleft, len, tw->data(),
                            rw)) {
            ys[i - 1] = y[i - 1];
          }
          continue;
        }
      }
      est(i);
    }
  }
  if (newnj != 1) {
    for (int i = 1; i <= n - newnj; i += newnj) {
      const double a = ys[i - 1];
      const double delta = (ys[i + newnj - 1] - a) / static_cast<double>(newnj);
      for (int j = i + 1; j <= i + newnj - 1; ++j)
        ys[j - 1] = a + delta * static_cast<double>(j - i);
    }
    const int k = ((n - 1) / newnj) * newnj + 1;
    if (k != n) {
      est(n);
      if (k != n - 1) {
        const double a = ys[k - 1];
        const double delta = (ys[n - 1] - a) / static_cast<double>(n - k);
        for (int j = k + 1; j <= n - 1; ++j) ys[j - 1] = a + delta * static_cast<double>(j - k);
      }
    }
  }
}

// stlma: moving average of length len; writes n - len + 1 values (running sum as in Fortran).
void MovingAverage(const double* x, int n, int len, double* ave) {
  const int newn = n - len + 1;
  const double flen = static_cast<double>(len);
  double v = 0.0;
  for (int i = 0; i < len; ++i) v += x[i];
  ave[0] = v / flen;
  for (int j = 1, k = len, m = 0; j < newn; ++j, ++k, ++m) {
    v = v - x[m] + x[k];
    ave[j] = v / flen;
  }
}

// stlss: smooths each cycle-subseries and extends it by one point at each end;
// season has n + 2 * np entries.
void SeasonalSmooth(const double* y, int n, int np, int ns, int isdeg, int nsjump, const double* rw,
                    double* season, Workspace& ws) {
  double* w1 = ws.sub_y.data();
  double* w3 = ws.sub_rw.data();
  double* w2 = ws.sub_fit.data();
  for (int j = 0; j < np; ++j) {
    const int k = (n - 1 - j) / np + 1;
    for (int i = 0; i < k; ++i) w1[i] = y[i * np + j];
    const double* sub_rw = nullptr;
    if (rw) {
      for (int i = 0; i < k; ++i) w3[i] = rw[i * np + j];
      sub_rw = w3;
    }
    Ess(w1, k, ns, isdeg, nsjump, sub_rw, w2 + 1, &ws.tw);
    const int nright = std::min(ns, k);
    if (!Est(w1, k, ns, isdeg, 0.0, &w2[0], 1, nright, sub_rw)) w2[0] = w2[1];
    const int nleft = std::max(1, k - ns + 1);
    if (!Est(w1, k, ns, isdeg, static_cast<double>(k + 1), &w2[k + 1], nleft, k, sub_rw)) {
      w2[k + 1] = w2[k];
    }
    for (int m = 0; m < k + 2; ++m) season[m * np + j] = w2[m];
  }
}

struct Resolved {
  int n, np, ns, nt, nl, isdeg, itdeg, ildeg, nsjump, ntjump, nljump, ni, no;
  bool periodic;
};

void InnerLoop(const double* y, const Resolved& p, const double* rw, double* season, double* trend,
               Workspace& ws) {
  const int n = p.n, np = p.np;
  double* w1 = ws.w1.data();
  double* w2 = ws.w2.data();
  double* w3 = ws.w3.data();
  double* w4 = ws.w4.data();
  for (int it = 0; it < p.ni; ++it) {
    for (int i = 0; i < n; ++i) w1[i] = y[i] - trend[i];
    SeasonalSmooth(w1, n, np, p.ns, p.isdeg, p.nsjump, rw, w2, ws);
    // stlfts: low-pass filter of the extended seasonal (length n + 2np) into w3 (length n).
    MovingAverage(w2, n + 2 * np, np, w3);
    MovingAverage(w3, n + np + 1, np, w1);
    MovingAverage(w1, n + 2, 3, w3);
    Ess(w3, n, p.nl, p.ildeg, p.nljump, nullptr, w1, &ws.tw);
    for (int i = 0; i < n; ++i) season[i] = w2[np + i] - w1[i];
    for (int i = 0; i < n; ++i) w4[i] = y[i] - season[i];
    Ess(w4, n, p.nt, p.itdeg, p.ntjump, rw, trend, &ws.tw);
  }
}

// stl.f's psort (Singleton's ACM algorithm 347 restricted to the wanted ranks), transcribed
// statement for statement. stlrwt calls it with ranks (n/2+1, n/2) in DESCENDING order, which the
// algorithm does not expect: for even n the second "median" rank is then often not the true order
// statistic. R's robustness weights depend on that quirk, so matching R means reproducing it.
void Psort(double* a1, int n, const int* ind1, int ni) {
  double* a = a1 - 1;
  const int* ind = ind1 - 1;
  // Fortran declares 16 stack entries (enough for n < 2^16 * 11); 64 keeps longer series safe
  // while giving the same result wherever R itself stays in bounds.
  int indu[65], indl[65], iu[65], il[65];
  int p, jl, ju, i, j, m, k, ij, l;
  double t, tt;
  if (n < 0 || ni < 0) return;
  if (n < 2 || ni == 0) return;
  jl = 1;
  ju = ni;
  indl[1] = 1;
  indu[1] = ni;
  i = 1;
  j = n;
  m = 1;
L161:
  if (i < j) goto L10;
L166:
  m = m - 1;
  if (m == 0) return;
  i = il[m];
  j = iu[m];
  jl = indl[m];
  ju = indu[m];
  if (!(jl <= ju)) goto L166;
L173:
  if (!(j - i > 10)) goto L174;
L10:
  k = i;
  ij = (i + j) / 2;
  t = a[ij];
  if (a[i] > t) {
    a[ij] = a[i];
    a[i] = t;
    t = a[ij];
  }
  l = j;
  if (a[j] < t) {
    a[ij] = a[j];
    a[j] = t;
    t = a[ij];
    if (a[i] > t) {
      a[ij] = a[i];
      a[i] = t;
      t = a[ij];
    }
  }
L181:
  l = l - 1;
  if (a[l] <= t) {
    tt = a[l];
  L186:
    k = k + 1;
    if (!(a[k] >= t)) goto L186;
    if (k > l) goto L183;
    a[l] = a[k];
    a[k] = tt;
  }
  goto L181;
L183:
  indl[m] = jl;
  indu[m] = ju;
  p = m;
  m = m + 1;
  if (l - i <= j - k) {
    il[p] = k;
    iu[p] = j;
    j = l;
  L193:
    if (jl > ju) goto L166;
    if (ind[ju] <= j) goto L194;
    ju = ju - 1;
    goto L193;
  L194:
    indl[p] = ju + 1;
  } else {
    il[p] = i;
    iu[p] = l;
    i = k;
  L200:
    if (jl > ju) goto L166;
    if (ind[jl] >= i) goto L201;
    jl = jl + 1;
    goto L200;
  L201:
    indu[p] = jl - 1;
  }
  goto L173;
L174:
  if (i == 1) goto L161;
  i = i - 1;
L209:
  i = i + 1;
  if (i == j) goto L166;
  t = a[i + 1];
  if (a[i] > t) {
    k = i;
  L216:
    a[k + 1] = a[k];
    k = k - 1;
    if (t < a[k]) goto L216;
    a[k + 1] = t;
  }
  goto L209;
}

// stlrwt: bisquare robustness weights from |y - fit| scaled by 6 * median (as psort finds it).
void RobustnessWeights(const double* y, int n, const double* fit, double* rw, double* scratch) {
  for (int i = 0; i < n; ++i) scratch[i] = std::fabs(y[i] - fit[i]);
  const int mid[2] = {n / 2 + 1, n - (n / 2 + 1) + 1};
  Psort(scratch, n, mid, 2);
  const double a = scratch[mid[0] - 1];
  const double b = scratch[mid[1] - 1];
  const double cmad = 3.0 * (a + b);
  const double c9 = kP999 * cmad;
  const double c1 = kP001 * cmad;
  for (int i = 0; i < n; ++i) {
    const double r = std::fabs(y[i] - fit[i]);
    if (r <= c1) {
      rw[i] = 1.0;
    } else if (r <= c9) {
      const double q = r / cmad;
      const double t = 1.0 - q * q;
      rw[i] = t * t;
    } else {
      rw[i] = 0.0;
    }
  }
}

Status CheckWindow(const char* name, int w) {
  if (w < 3 || w % 2 == 0) {
    return Status::Error(std::string("stl: ") + name + " must be an odd integer >= 3, got " +
                         std::to_string(w));
  }
  return Status::Ok();
}

Status CheckDegree(const char* name, int d) {
  if (d != 0 && d != 1) {
    return Status::Error(std::string("stl: ") + name + " must be 0 or 1, got " + std::to_string(d));
  }
  return Status::Ok();
}

int CeilDiv10(long long w) { return static_cast<int>((w + 9) / 10); }

int NextOdd(long long x) { return static_cast<int>(x % 2 == 0 ? x + 1 : x); }

Result<Resolved> Resolve(std::span<const double> x, const StlParams& q) {
  Resolved p{};
  if (x.size() > 100'000'000) return Status::Error("stl: series too long");
  p.n = static_cast<int>(x.size());
  p.np = q.period;
  if (p.np < 2) {
    return Status::Error("stl: period must be >= 2, got " + std::to_string(q.period));
  }
  if (static_cast<long long>(p.n) <= 2LL * p.np) {
    return Status::Error("stl: series has " + std::to_string(p.n) +
                         " points; it must be longer than two periods (2 * " +
                         std::to_string(p.np) + ")");
  }
  for (int i = 0; i < p.n; ++i) {
    if (!std::isfinite(x[i])) {
      return Status::Error("stl: value at index " + std::to_string(i) +
                           " is not finite; fill gaps and NaN before decomposing");
    }
  }
  p.periodic = q.periodic;
  long long swin;
  if (q.periodic) {
    swin = 10LL * p.n + 1;
    p.isdeg = 0;
  } else {
    if (q.seasonal_window == 0) {
      return Status::Error("stl: seasonal window is required (an odd integer >= 3, or periodic)");
    }
    STREAMLENS_RETURN_IF_ERROR(CheckWindow("seasonal window", q.seasonal_window));
    STREAMLENS_RETURN_IF_ERROR(CheckDegree("seasonal degree", q.seasonal_degree));
    swin = q.seasonal_window;
    p.isdeg = q.seasonal_degree;
  }
  p.ns = static_cast<int>(std::min<long long>(swin, 2'000'000'001LL));
  STREAMLENS_RETURN_IF_ERROR(CheckDegree("trend degree", q.trend_degree));
  p.itdeg = q.trend_degree;
  p.ildeg = q.lowpass_degree < 0 ? p.itdeg : q.lowpass_degree;
  STREAMLENS_RETURN_IF_ERROR(CheckDegree("low-pass degree", p.ildeg));
  if (q.trend_window == 0) {
    const double t = std::ceil(1.5 * p.np / (1.0 - 1.5 / static_cast<double>(swin)));
    p.nt = NextOdd(static_cast<long long>(t));
  } else {
    STREAMLENS_RETURN_IF_ERROR(CheckWindow("trend window", q.trend_window));
    p.nt = q.trend_window;
  }
  if (q.lowpass_window == 0) {
    p.nl = NextOdd(p.np);
  } else {
    STREAMLENS_RETURN_IF_ERROR(CheckWindow("low-pass window", q.lowpass_window));
    p.nl = q.lowpass_window;
  }
  auto jump = [](int given, long long window, const char* name, int* out) -> Status {
    if (given < 0) {
      return Status::Error(std::string("stl: ") + name + " must be >= 1, got " +
                           std::to_string(given));
    }
    const long long j = given == 0 ? CeilDiv10(window) : given;
    *out = static_cast<int>(std::min<long long>(j, 1'000'000'000LL));
    return Status::Ok();
  };
  STREAMLENS_RETURN_IF_ERROR(jump(q.seasonal_jump, swin, "seasonal jump", &p.nsjump));
  STREAMLENS_RETURN_IF_ERROR(jump(q.trend_jump, p.nt, "trend jump", &p.ntjump));
  STREAMLENS_RETURN_IF_ERROR(jump(q.lowpass_jump, p.nl, "low-pass jump", &p.nljump));
  p.ni = q.inner < 0 ? (q.robust ? 1 : 2) : q.inner;
  p.no = q.outer < 0 ? (q.robust ? 15 : 0) : q.outer;
  if (p.ni < 1) return Status::Error("stl: inner iterations must be >= 1");
  if (p.ni > 1000 || p.no > 1000) return Status::Error("stl: iteration counts must be <= 1000");
  return p;
}

}  // namespace

Status StlInto(std::span<const double> x, const StlParams& params, std::span<double> seasonal,
               std::span<double> trend, std::span<double> weights) {
  auto resolved = Resolve(x, params);
  if (!resolved.ok()) return resolved.status();
  const Resolved& p = *resolved;
  const int n = p.n, np = p.np;
  if (seasonal.size() != x.size() || trend.size() != x.size() ||
      (!weights.empty() && weights.size() != x.size())) {
    return Status::Error("stl: output spans must have the input's length");
  }
  Workspace ws;
  const size_t ext = static_cast<size_t>(n) + 2 * static_cast<size_t>(np);
  ws.w1.assign(ext, 0.0);
  ws.w2.assign(ext, 0.0);
  ws.w3.assign(ext, 0.0);
  ws.w4.assign(ext, 0.0);
  const size_t kmax = static_cast<size_t>((n - 1) / np + 1);
  ws.sub_y.assign(kmax, 0.0);
  ws.sub_rw.assign(kmax, 0.0);
  ws.sub_fit.assign(kmax + 2, 0.0);
  ws.rw.assign(n, 1.0);

  const double* y = x.data();
  std::fill(trend.begin(), trend.end(), 0.0);
  bool userw = false;
  for (int k = 0;; ++k) {
    InnerLoop(y, p, userw ? ws.rw.data() : nullptr, seasonal.data(), trend.data(), ws);
    if (k + 1 > p.no) break;
    for (int i = 0; i < n; ++i) ws.w1[i] = trend[i] + seasonal[i];
    RobustnessWeights(y, n, ws.w1.data(), ws.rw.data(), ws.w2.data());
    userw = true;
  }
  if (p.no <= 0) std::fill(ws.rw.begin(), ws.rw.end(), 1.0);

  if (p.periodic) {
    // R: seasonal <- tapply(seasonal, cycle(x), mean)[cycle(x)]
    std::vector<double>& sum = ws.w1;
    std::fill(sum.begin(), sum.begin() + np, 0.0);
    for (int i = 0; i < n; ++i) sum[i % np] += seasonal[i];
    for (int j = 0; j < np; ++j) {
      const int count = (n - 1 - j) / np + 1;
      sum[j] /= count;
    }
    for (int i = 0; i < n; ++i) seasonal[i] = sum[i % np];
  }
  if (!weights.empty()) std::copy(ws.rw.begin(), ws.rw.end(), weights.begin());
  return Status::Ok();
}

Result<StlResult> Stl(std::span<const double> x, const StlParams& params) {
  StlResult r;
  r.seasonal.resize(x.size());
  r.trend.resize(x.size());
  r.weights.resize(x.size());
  Status s = StlInto(x, params, r.seasonal, r.trend, r.weights);
  if (!s.ok()) return s;
  r.remainder.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) r.remainder[i] = x[i] - r.seasonal[i] - r.trend[i];
  return r;
}

}  // namespace streamlens::analysis
