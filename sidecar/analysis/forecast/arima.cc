#include "sidecar/analysis/forecast/arima.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <numeric>

#include "sidecar/analysis/forecast/bfgs.h"
#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
using Cplx = std::complex<double>;

// Roots of c[0] + c[1] z + ... + c[k] z^k (trailing |c| <= 1e-8 trimmed, as R's checks do).
std::vector<Cplx> PolyRoots(std::span<const double> c) {
  int k = static_cast<int>(c.size()) - 1;
  while (k > 0 && std::abs(c[k]) <= 1e-8) --k;
  if (k <= 0) return {};
  Eigen::MatrixXd comp = Eigen::MatrixXd::Zero(k, k);
  for (int i = 0; i < k; ++i) comp(0, i) = -c[k - 1 - i] / c[k];
  for (int i = 1; i < k; ++i) comp(i, i - 1) = 1.0;
  Eigen::EigenSolver<Eigen::MatrixXd> es(comp, false);
  std::vector<Cplx> roots(k);
  for (int i = 0; i < k; ++i) roots[i] = es.eigenvalues()[i];
  return roots;
}

double MinModulus(std::span<const double> c) {
  double m = kInf;
  for (const Cplx& r : PolyRoots(c)) m = std::min(m, std::abs(r));
  return m;
}

// True when 1 - ar_1 z - ... has all roots outside the unit circle (R's arCheck).
bool ArStationary(std::span<const double> ar) {
  if (ar.empty()) return true;
  std::vector<double> c(ar.size() + 1);
  c[0] = 1.0;
  for (size_t i = 0; i < ar.size(); ++i) c[i + 1] = -ar[i];
  int k = static_cast<int>(c.size()) - 1;
  while (k > 0 && c[k] == 0.0) --k;
  if (k == 0) return true;
  return MinModulus(std::span<const double>(c).first(k + 1)) > 1.0;
}

// R's maInvert: roots of 1 + ma_1 z + ... inside the unit circle are reflected.
void MaInvert(std::span<double> ma) {
  const int q = static_cast<int>(ma.size());
  int q0 = q;
  while (q0 > 0 && ma[q0 - 1] == 0.0) --q0;
  if (q0 == 0) return;
  std::vector<double> c(q0 + 1);
  c[0] = 1.0;
  for (int i = 0; i < q0; ++i) c[i + 1] = ma[i];
  std::vector<Cplx> roots = PolyRoots(c);
  bool any = false;
  for (const Cplx& r : roots) any |= std::abs(r) < 1.0;
  if (!any) return;
  if (q0 == 1) {
    ma[0] = 1.0 / ma[0];
    return;
  }
  for (Cplx& r : roots) {
    if (std::abs(r) < 1.0) r = 1.0 / r;
  }
  std::vector<Cplx> x = {1.0};
  for (const Cplx& r : roots) {
    std::vector<Cplx> next(x.size() + 1, 0.0);
    for (size_t i = 0; i < x.size(); ++i) {
      next[i] += x[i];
      next[i + 1] -= x[i] / r;
    }
    x.swap(next);
  }
  for (int i = 0; i < q0; ++i) ma[i] = x[i + 1].real();
}

// R's partrans / invpartrans: PACF (via tanh) <-> AR coefficients by Durbin-Levinson.
void PacfToAr(std::span<const double> raw, std::span<double> out) {
  const size_t p = raw.size();
  std::vector<double> work(p);
  for (size_t j = 0; j < p; ++j) work[j] = out[j] = std::tanh(raw[j]);
  for (size_t j = 1; j < p; ++j) {
    const double a = out[j];
    for (size_t k = 0; k < j; ++k) work[k] -= a * out[j - k - 1];
    for (size_t k = 0; k < j; ++k) out[k] = work[k];
  }
}

void ArToPacf(std::span<const double> phi, std::span<double> out) {
  const size_t p = phi.size();
  std::vector<double> work(p);
  for (size_t j = 0; j < p; ++j) work[j] = out[j] = phi[j];
  for (size_t j = p; j-- > 1;) {
    const double a = out[j];
    for (size_t k = 0; k < j; ++k) work[k] = (out[k] + a * out[j - k - 1]) / (1.0 - a * a);
    for (size_t k = 0; k < j; ++k) out[k] = work[k];
  }
  for (size_t j = 0; j < p; ++j) out[j] = std::atanh(out[j]);
}

// Coefficient layout of the optimiser vector: ar, ma, sar, sma, constant.
struct Layout {
  int p, q, P, Q, m;
  bool constant;
  int narma() const { return p + q + P + Q; }
  int size() const { return narma() + (constant ? 1 : 0); }
};

// First column p0 = Cov(a_t, w_t) of the stationary covariance of the ARMA state (unit
// innovation variance), from the autocovariances gamma_k and psi weights:
// p0[k] = sum_{s >= 0} ph[k+s] gamma_{1+s} + th[k+s] psi_s. False when the AR part is not
// stationary (gamma_0 not positive and finite).
bool StationaryFirstColumn(const std::vector<double>& ph, const std::vector<double>& rv, int pf,
                           int r, std::vector<double>& row0) {
  std::vector<double> psi(r + 1, 0.0), c(r + 2, 0.0), gamma(r + 2, 0.0);
  for (int j = 0; j <= r; ++j) {
    double v = j < r ? rv[j] : 0.0;
    for (int i = 1; i <= std::min(j, pf); ++i) v += ph[i - 1] * psi[j - i];
    psi[j] = v;
  }
  for (int k = 0; k <= r; ++k) {
    double v = 0.0;
    for (int j = k; j < r; ++j) v += rv[j] * psi[j - k];
    c[k] = v;
  }
  if (pf == 0) {
    for (int k = 0; k <= r; ++k) gamma[k] = c[k];
  } else {
    // gamma_k - sum_j phi_j gamma_|k-j| = c_k for k = 0..pf.
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(pf + 1, pf + 1);
    Eigen::VectorXd b(pf + 1);
    for (int k = 0; k <= pf; ++k) {
      for (int j = 1; j <= pf; ++j) a(k, std::abs(k - j)) -= ph[j - 1];
      b(k) = c[k];
    }
    Eigen::VectorXd g = a.partialPivLu().solve(b);
    for (int k = 0; k <= pf; ++k) gamma[k] = g(k);
    for (int k = pf + 1; k <= r; ++k) {
      double v = c[k];
      for (int j = 1; j <= pf; ++j) v += ph[j - 1] * gamma[k - j];
      gamma[k] = v;
    }
  }
  if (!(gamma[0] > 0.0) || !std::isfinite(gamma[0])) return false;
  row0.assign(r + 1, 0.0);
  for (int k = 0; k < r; ++k) {
    double v = 0.0;
    for (int s = 0; k + s < r; ++s) v += ph[k + s] * gamma[1 + s] + rv[k + s] * psi[s];
    if (!std::isfinite(v)) return false;
    row0[k] = v;
  }
  return true;
}

struct KalmanOut {
  double ssq = 0.0, sumlog = 0.0;
  int nu = 0;
};

// Exact likelihood pieces of the zero-mean ARMA series w by the Kalman filter on the state-space
// form of Harvey (1989) started at the stationary distribution (unit innovation variance).
// `resid` (optional) receives standardised innovations, `state` the predicted state for the step
// after the sample.
//
// The observation is the first state element without noise, so the predicted covariance obeys
// P' = S (P - p p' / f) S' + R R' (S the shift, p = P e1, f = p[0]): the AR coefficients only
// move the mean. Its increments P_{t+1} - P_t stay rank one (Chandrasekhar recursions):
// starting from w0 = S p0 + f0 phi, m0 = -1/f0, each step is
//   p' = p + m w[0] w,  f' = f + m w[0]^2,  w' = S (w - p w[0] / f),  m' = m f / f',
// so a likelihood costs O(n r) instead of the O(n r^2) of the covariance recursion.
KalmanOut ArmaKalman(std::span<const double> w, const std::vector<double>& phi,
                     const std::vector<double>& theta, std::vector<double>* resid,
                     std::vector<double>* state) {
  const int pf = static_cast<int>(phi.size()), qf = static_cast<int>(theta.size());
  const int r = std::max(pf, qf + 1);
  const int n = static_cast<int>(w.size());
  KalmanOut out;
  std::vector<double> ph(r + 1, 0.0), rv(r + 1, 0.0);
  for (int i = 0; i < pf; ++i) ph[i] = phi[i];
  rv[0] = 1.0;
  for (int i = 0; i < qf; ++i) rv[i + 1] = theta[i];
  std::vector<double> p;
  if (!StationaryFirstColumn(ph, rv, pf, r, p)) {
    out.ssq = kInf;
    return out;
  }
  double f = p[0];
  std::vector<double> wv(r + 1, 0.0), a(r + 1, 0.0);
  for (int i = 0; i < r; ++i) wv[i] = p[i + 1] + f * ph[i];
  double m = -1.0 / f;
  if (resid) resid->assign(n, 0.0);
  bool steady = false;
  for (int t = 0; t < n; ++t) {
    if (!(f > 0.0) || !std::isfinite(f)) {
      out.ssq = kInf;
      return out;
    }
    const double v = w[t] - a[0];
    out.ssq += v * v / f;
    out.sumlog += std::log(f);
    ++out.nu;
    if (resid) (*resid)[t] = v / std::sqrt(f);
    // a <- T (a + p v / f); the filtered first element is exactly w[t].
    const double scale = v / f;
    const double a0 = w[t];
    for (int i = 0; i < r; ++i) a[i] = ph[i] * a0 + a[i + 1] + p[i + 1] * scale;
    if (steady) continue;
    const double w0 = wv[0];
    const double mw0 = m * w0;
    const double f_next = f + mw0 * w0;
    const double u = w0 / f;
    for (int i = 0; i < r; ++i) {
      const double g_next = wv[i + 1] - p[i + 1] * u;  // (w - p w0 / f) shifted by one
      p[i] += mw0 * wv[i];
      wv[i] = g_next;
    }
    m = m * f / f_next;
    f = f_next;
    // Converged: the covariance no longer changes (to double precision in the gain).
    if (std::abs(mw0 * w0) < 1e-14 * f) {
      double big = 0.0;
      for (int i = 0; i < r; ++i) big = std::max(big, std::abs(wv[i]));
      if (std::abs(m) * big * big < 1e-14 * f) steady = true;
    }
  }
  if (state) state->assign(a.begin(), a.begin() + r);
  return out;
}

}  // namespace

std::vector<double> ArimaDifferencing(int d, int dd, int m) {
  std::vector<double> poly = {1.0};
  auto mul = [&](int lag) {
    std::vector<double> next(poly.size() + lag, 0.0);
    for (size_t i = 0; i < poly.size(); ++i) {
      next[i] += poly[i];
      next[i + lag] -= poly[i];
    }
    poly.swap(next);
  };
  for (int i = 0; i < d; ++i) mul(1);
  for (int i = 0; i < dd; ++i) mul(m);
  std::vector<double> delta(poly.size() - 1);
  for (size_t i = 1; i < poly.size(); ++i) delta[i - 1] = -poly[i];
  return delta;
}

namespace {

struct Problem {
  Layout lay;
  std::vector<double> dx;  // differenced series
  double k = 1.0;          // differenced regressor (1 or m)
  double c_scale = 1.0;
  std::vector<int> phi_nz, theta_nz;  // structurally non-zero lags (0-based)
  int pf = 0, qf = 0;
};

// Decodes optimiser coordinates; `trans` applies the PACF map to the AR blocks.
void Decode(const Problem& pr, std::span<const double> x, bool trans, std::vector<double>& ar,
            std::vector<double>& ma, std::vector<double>& sar, std::vector<double>& sma,
            double& c) {
  const Layout& l = pr.lay;
  ar.assign(x.begin(), x.begin() + l.p);
  ma.assign(x.begin() + l.p, x.begin() + l.p + l.q);
  sar.assign(x.begin() + l.p + l.q, x.begin() + l.p + l.q + l.P);
  sma.assign(x.begin() + l.p + l.q + l.P, x.begin() + l.narma());
  if (trans) {
    if (l.p > 0) PacfToAr(x.subspan(0, l.p), ar);
    if (l.P > 0) PacfToAr(x.subspan(l.p + l.q, l.P), sar);
  }
  c = l.constant ? x[l.narma()] * pr.c_scale : 0.0;
}

// CSS mean square (R's ARIMA_CSS on the differenced series, conditioning on pf values).
double CssMeanSquare(const Problem& pr, const std::vector<double>& phi,
                     const std::vector<double>& theta, double c, std::vector<double>& w,
                     std::vector<double>& resid) {
  const int n = static_cast<int>(pr.dx.size());
  const double shift = c * pr.k;
  w.resize(n);
  for (int t = 0; t < n; ++t) w[t] = pr.dx[t] - shift;
  resid.assign(n, 0.0);
  double ssq = 0.0;
  int nu = 0;
  const int ncond = pr.pf;
  for (int l = ncond; l < n; ++l) {
    double tmp = w[l];
    for (int j : pr.phi_nz) tmp -= phi[j] * w[l - j - 1];
    const int lim = std::min(l - ncond, pr.qf);
    for (int j : pr.theta_nz) {
      if (j >= lim) break;
      tmp -= theta[j] * resid[l - j - 1];
    }
    resid[l] = tmp;
    ssq += tmp * tmp;
    ++nu;
  }
  return nu > 0 ? ssq / nu : kInf;
}

std::vector<int> NonZeroLags(int a, int b, int m) {
  std::vector<int> out;
  for (int i = 0; i < a; ++i) out.push_back(i);
  for (int j = 1; j <= b; ++j) {
    out.push_back(j * m - 1);
    for (int i = 0; i < a; ++i) out.push_back(j * m + i);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::string ArimaOrder::Name() const {
  std::string s =
      "ARIMA(" + std::to_string(p) + "," + std::to_string(d) + "," + std::to_string(q) + ")";
  if (period > 1 && (P + D + Q) > 0) {
    s += "(" + std::to_string(P) + "," + std::to_string(D) + "," + std::to_string(Q) + ")[" +
         std::to_string(period) + "]";
  }
  const int nd = d + D;
  if (constant && nd == 0) s += " with non-zero mean";
  if (constant && nd == 1) s += " with drift";
  if (!constant && nd == 0) s += " with zero mean";
  return s;
}

void ExpandArima(std::span<const double> ar, std::span<const double> ma,
                 std::span<const double> sar, std::span<const double> sma, int period,
                 std::vector<double>& phi, std::vector<double>& theta) {
  const int mp = static_cast<int>(ar.size()), mq = static_cast<int>(ma.size());
  const int msp = static_cast<int>(sar.size()), msq = static_cast<int>(sma.size());
  const int ns = period;
  phi.assign(mp + ns * msp, 0.0);
  theta.assign(mq + ns * msq, 0.0);
  for (int i = 0; i < mp; ++i) phi[i] = ar[i];
  for (int i = 0; i < mq; ++i) theta[i] = ma[i];
  for (int j = 0; j < msp; ++j) {
    phi[(j + 1) * ns - 1] += sar[j];
    for (int i = 0; i < mp; ++i) phi[(j + 1) * ns + i] -= ar[i] * sar[j];
  }
  for (int j = 0; j < msq; ++j) {
    theta[(j + 1) * ns - 1] += sma[j];
    for (int i = 0; i < mq; ++i) theta[(j + 1) * ns + i] += ma[i] * sma[j];
  }
}

namespace {

Status CheckFitInput(std::span<const double> y, const ArimaOrder& o) {
  if (o.p < 0 || o.d < 0 || o.q < 0 || o.P < 0 || o.D < 0 || o.Q < 0) {
    return Status::Error("ARIMA: orders must be >= 0 (" + o.Name() + ")");
  }
  if (o.period < 1) return Status::Error("ARIMA: period must be >= 1");
  if (o.period == 1 && (o.P + o.D + o.Q) > 0) {
    return Status::Error("ARIMA: seasonal orders need a period > 1 (" + o.Name() + ")");
  }
  if (o.constant && o.d + o.D > 1) {
    return Status::Error("ARIMA: a constant needs d + D <= 1 (" + o.Name() + ")");
  }
  for (size_t t = 0; t < y.size(); ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("ARIMA: observation " + std::to_string(t) + " is not finite");
    }
  }
  return Status::Ok();
}

// The differenced problem, and the optimiser's start in *x (ARMA coefficients 0, the constant
// at R's start). Error: too few observations for the order.
Result<Problem> MakeProblem(std::span<const double> y, const ArimaFitParams& params,
                            const std::vector<double>& delta, std::vector<double>* x) {
  const ArimaOrder& o = params.order;
  const int n = static_cast<int>(y.size());
  Problem pr;
  pr.lay = {o.p, o.q, o.P, o.Q, o.period, o.constant};
  const int nd = static_cast<int>(delta.size());
  const int used = n - nd;
  const int ncoef = pr.lay.size();
  pr.pf = o.p + o.period * o.P;
  pr.qf = o.q + o.period * o.Q;
  const bool css = params.method != ArimaMethod::kMl;
  if (used - (css ? pr.pf : 0) < ncoef + 2) {
    return Status::Error("ARIMA: " + o.Name() + " needs more than " +
                         std::to_string(nd + ncoef + 1 + (css ? pr.pf : 0)) +
                         " observations, got " + std::to_string(n));
  }
  pr.dx.resize(used);
  for (int t = nd; t < n; ++t) {
    double v = y[t];
    for (int i = 0; i < nd; ++i) v -= delta[i] * y[t - i - 1];
    pr.dx[t - nd] = v;
  }
  pr.k = (o.d + o.D == 1 && o.D == 1) ? o.period : 1.0;
  pr.phi_nz = NonZeroLags(o.p, o.P, o.period);
  pr.theta_nz = NonZeroLags(o.q, o.Q, o.period);
  double c0 = 0.0;
  if (o.constant) {
    // R starts the regression coefficient at its OLS value on the differenced data and scales
    // it by 10 standard errors.
    const double mean = std::accumulate(pr.dx.begin(), pr.dx.end(), 0.0) / used;
    c0 = mean / pr.k;
    const double se = StdDev(pr.dx) / std::sqrt(static_cast<double>(used)) / pr.k;
    pr.c_scale = se > 0.0 ? 10.0 * se : 1.0;
  }
  x->assign(ncoef, 0.0);
  if (o.constant) (*x)[pr.lay.narma()] = c0 / pr.c_scale;
  return pr;
}

// Decoded coefficients and the buffers the objectives reuse.
struct ArimaWork {
  std::vector<double> ar, ma, sar, sma, phi, theta, w, resid;
  double c = 0.0;
  void Decode(const Problem& pr, std::span<const double> v, bool trans, int period) {
    forecast::Decode(pr, v, trans, ar, ma, sar, sma, c);
    ExpandArima(ar, ma, sar, sma, period, phi, theta);
  }
};

// Conditional sum of squares: moves *x to the CSS optimum when the optimiser converged (always
// for the CSS method) and sets model->css; for the CSS method also the likelihood and variances.
Status FitCss(const Problem& pr, const ArimaFitParams& params, const BfgsParams& bp,
              std::vector<double>* x, ArimaModel* model) {
  const ArimaOrder& o = params.order;
  ArimaWork k;
  auto css_objective = [&](std::span<const double> v) {
    k.Decode(pr, v, false, o.period);
    const double s2 = CssMeanSquare(pr, k.phi, k.theta, k.c, k.w, k.resid);
    return s2 > 0.0 && std::isfinite(s2) ? 0.5 * std::log(s2) : kInf;
  };
  BfgsResult r = MinimizeBfgs(css_objective, *x, bp);
  if (!std::isfinite(r.value)) return Status::Error("ARIMA: " + o.Name() + ": CSS diverged");
  if (params.method == ArimaMethod::kCss || r.converged) *x = r.x;
  k.Decode(pr, *x, false, o.period);
  model->css = CssMeanSquare(pr, k.phi, k.theta, k.c, k.w, k.resid);
  if (params.method != ArimaMethod::kCss) return Status::Ok();
  const int used = static_cast<int>(pr.dx.size());
  const double value = 0.5 * std::log(model->css);
  model->loglik = -0.5 * (2.0 * used * value + used + used * std::log(2.0 * std::numbers::pi));
  model->sigma2 = model->css;
  double ssq = 0.0;
  for (double e : k.resid) ssq += e * e;
  model->sigma2_forecast = ssq / std::max(1, used - pr.lay.size());
  return Status::Ok();
}

// Exact likelihood by the Kalman filter, optimised in the transformed space (PACF for AR blocks,
// MA blocks inverted) from *x, which receives the optimum in the natural parametrisation.
Status FitMl(const Problem& pr, const ArimaOrder& o, const BfgsParams& bp, std::vector<double>* x) {
  if (!ArStationary(std::span<const double>(*x).subspan(0, o.p)) ||
      !ArStationary(std::span<const double>(*x).subspan(o.p + o.q, o.P))) {
    return Status::Error("ARIMA: " + o.Name() + ": non-stationary AR part from CSS");
  }
  std::vector<double> xt = *x;
  if (o.p > 0) {
    ArToPacf(std::span<const double>(*x).subspan(0, o.p), std::span<double>(xt).subspan(0, o.p));
  }
  if (o.P > 0) {
    ArToPacf(std::span<const double>(*x).subspan(o.p + o.q, o.P),
             std::span<double>(xt).subspan(o.p + o.q, o.P));
  }
  if (o.q > 0) MaInvert(std::span<double>(xt).subspan(o.p, o.q));
  if (o.Q > 0) MaInvert(std::span<double>(xt).subspan(o.p + o.q + o.P, o.Q));
  for (double v : xt) {
    if (!std::isfinite(v)) {
      return Status::Error("ARIMA: " + o.Name() + ": AR part on the stationarity boundary");
    }
  }
  const int used = static_cast<int>(pr.dx.size());
  ArimaWork k;
  auto ml_objective = [&](std::span<const double> v) {
    k.Decode(pr, v, true, o.period);
    k.w.resize(used);
    for (int t = 0; t < used; ++t) k.w[t] = pr.dx[t] - k.c * pr.k;
    const KalmanOut ko = ArmaKalman(k.w, k.phi, k.theta, nullptr, nullptr);
    if (!std::isfinite(ko.ssq) || !(ko.ssq > 0.0)) return kInf;
    return 0.5 * (std::log(ko.ssq / ko.nu) + ko.sumlog / ko.nu);
  };
  BfgsResult r = MinimizeBfgs(ml_objective, xt, bp);
  if (!std::isfinite(r.value)) {
    return Status::Error("ARIMA: " + o.Name() + ": no finite likelihood");
  }
  k.Decode(pr, r.x, true, o.period);
  MaInvert(k.ma);
  MaInvert(k.sma);
  x->assign(pr.lay.size(), 0.0);
  std::copy(k.ar.begin(), k.ar.end(), x->begin());
  std::copy(k.ma.begin(), k.ma.end(), x->begin() + o.p);
  std::copy(k.sar.begin(), k.sar.end(), x->begin() + o.p + o.q);
  std::copy(k.sma.begin(), k.sma.end(), x->begin() + o.p + o.q + o.P);
  if (o.constant) (*x)[pr.lay.narma()] = k.c / pr.c_scale;
  return Status::Ok();
}

// The model at coefficients x: filter state, likelihood (unless CSS), information criteria and
// the tail that undoes the differencing.
Status FinishModel(std::span<const double> y, const Problem& pr, const ArimaFitParams& params,
                   const std::vector<double>& x, ArimaModel* model) {
  const ArimaOrder& o = params.order;
  const int n = static_cast<int>(y.size());
  const int used = static_cast<int>(pr.dx.size());
  const int nd = n - used;
  const int ncoef = pr.lay.size();
  ArimaWork k;
  k.Decode(pr, x, false, o.period);
  const double c = k.c;
  model->ar = k.ar;
  model->ma = k.ma;
  model->sar = k.sar;
  model->sma = k.sma;
  model->constant = c;
  model->phi = k.phi;
  model->theta = k.theta;
  k.w.resize(used);
  for (int t = 0; t < used; ++t) k.w[t] = pr.dx[t] - c * pr.k;
  const KalmanOut ko = ArmaKalman(k.w, k.phi, k.theta, nullptr, &model->state);
  if (!std::isfinite(ko.ssq)) return Status::Error("ARIMA: " + o.Name() + ": filter diverged");
  if (params.method != ArimaMethod::kCss) {
    const double value = 0.5 * (std::log(ko.ssq / ko.nu) + ko.sumlog / ko.nu);
    model->loglik = -0.5 * (2.0 * used * value + used + used * std::log(2.0 * std::numbers::pi));
    model->sigma2 = ko.ssq / used;
    model->sigma2_forecast = ko.ssq / std::max(1, used - ncoef);
  }
  const double npar = ncoef + 1.0;
  model->aic = -2.0 * model->loglik + 2.0 * npar;
  model->aicc = model->aic + 2.0 * npar * (npar + 1.0) / (used - npar - 1.0);
  model->bic = model->aic + npar * (std::log(static_cast<double>(used)) - 2.0);
  // Tail of u = y - constant * regressor, for undoing the differencing.
  model->tail.resize(nd);
  for (int i = 0; i < nd; ++i) {
    const int t = n - nd + i;
    const double reg = o.constant ? (o.d + o.D == 0 ? 1.0 : t + 1.0) : 0.0;
    model->tail[i] = y[t] - c * reg;
  }
  return Status::Ok();
}

}  // namespace

Result<ArimaModel> FitArima(std::span<const double> y, const ArimaFitParams& params) {
  const ArimaOrder& o = params.order;
  STREAMLENS_RETURN_IF_ERROR(CheckFitInput(y, o));
  const std::vector<double> delta = ArimaDifferencing(o.d, o.D, o.period);
  std::vector<double> x;
  Result<Problem> pr = MakeProblem(y, params, delta, &x);
  if (!pr.ok()) return pr.status();
  BfgsParams bp;
  bp.max_iterations = params.max_iterations;
  ArimaModel model;
  model.order = o;
  model.method = params.method;
  model.n = static_cast<int>(y.size());
  model.n_used = static_cast<int>(pr->dx.size());
  model.num_coef = pr->lay.size();
  model.delta = delta;
  if (params.method != ArimaMethod::kMl) {
    STREAMLENS_RETURN_IF_ERROR(FitCss(*pr, params, bp, &x, &model));
  }
  if (params.method != ArimaMethod::kCss) STREAMLENS_RETURN_IF_ERROR(FitMl(*pr, o, bp, &x));
  STREAMLENS_RETURN_IF_ERROR(FinishModel(y, *pr, params, x, &model));
  return model;
}

Forecast ForecastArima(const ArimaModel& model, int horizon, std::span<const double> levels) {
  Forecast fc;
  fc.model = model.order.Name();
  const int r = static_cast<int>(model.state.size());
  const int pf = static_cast<int>(model.phi.size());
  std::vector<double> a = model.state, next(r);
  std::vector<double> u = model.tail;  // grows with the forecasts
  const int nd = static_cast<int>(model.delta.size());
  const ArimaOrder& o = model.order;
  fc.mean.resize(horizon);
  for (int h = 0; h < horizon; ++h) {
    double wv = r > 0 ? a[0] : 0.0;
    for (int i = 0; i < r; ++i)
      next[i] = (i < pf ? model.phi[i] : 0.0) * a[0] + (i + 1 < r ? a[i + 1] : 0.0);
    a.swap(next);
    double uv = wv;
    for (int i = 0; i < nd; ++i) uv += model.delta[i] * u[u.size() - 1 - i];
    u.push_back(uv);
    const double t = model.n + h + 1.0;
    const double reg = o.constant ? (o.d + o.D == 0 ? 1.0 : t) : 0.0;
    fc.mean[h] = uv + model.constant * reg;
  }
  // psi weights of theta(B) / (phi(B) delta(B)).
  std::vector<double> star(pf + nd, 0.0);
  {
    std::vector<double> a_poly(pf + 1, 0.0), d_poly(nd + 1, 0.0);
    a_poly[0] = d_poly[0] = 1.0;
    for (int i = 0; i < pf; ++i) a_poly[i + 1] = -model.phi[i];
    for (int i = 0; i < nd; ++i) d_poly[i + 1] = -model.delta[i];
    for (int i = 0; i <= pf; ++i) {
      for (int j = 0; j <= nd; ++j) {
        if (i + j > 0) star[i + j - 1] -= a_poly[i] * d_poly[j];
      }
    }
  }
  std::vector<double> psi(horizon, 0.0);
  fc.sd.resize(horizon);
  double acc = 0.0;
  const double s2 = std::max(model.sigma2_forecast, 0.0);
  for (int j = 0; j < horizon; ++j) {
    double v =
        j == 0 ? 1.0 : (j - 1 < static_cast<int>(model.theta.size()) ? model.theta[j - 1] : 0.0);
    for (int i = 1; i <= std::min<int>(j, static_cast<int>(star.size())); ++i) {
      v += star[i - 1] * psi[j - i];
    }
    psi[j] = v;
    acc += v * v;
    fc.sd[j] = std::sqrt(s2 * acc);
  }
  AddGaussianIntervals(levels, &fc);
  return fc;
}

double ArimaMinRoot(const ArimaModel& model) {
  double minroot = 2.0;
  const double m = model.order.period;
  auto check = [&](const std::vector<double>& coef, double sign, double power) {
    if (coef.empty()) return;
    std::vector<double> c(coef.size() + 1);
    c[0] = 1.0;
    for (size_t i = 0; i < coef.size(); ++i) c[i + 1] = sign * coef[i];
    for (const Cplx& root : PolyRoots(c)) {
      minroot = std::min(minroot, std::pow(std::abs(root), 1.0 / power));
    }
  };
  check(model.ar, -1.0, 1.0);
  check(model.sar, -1.0, m);
  check(model.ma, 1.0, 1.0);
  check(model.sma, 1.0, m);
  return minroot;
}

}  // namespace streamlens::analysis::forecast
