#include "sidecar/analysis/forecast/ets.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "sidecar/analysis/forecast/nelder_mead_nash.h"
#include "sidecar/analysis/forecast/seasonality.h"
#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTol = 1e-10;
constexpr double kLower = 1e-4;
constexpr double kUpper = 0.9999;
constexpr double kPhiLower = 0.8;
constexpr double kPhiUpper = 0.98;

bool HasTrend(const EtsSpec& s) { return s.trend != EtsTrend::kNone; }
bool IsDamped(const EtsSpec& s) { return s.trend == EtsTrend::kAdditiveDamped; }
bool HasSeason(const EtsSpec& s) { return s.season != EtsSeason::kNone; }

// The recursions on a circular seasonal buffer: buf[idx] is the oldest seasonal state (the one
// applied at the next step). Returns the criterion; l, b, buf and idx are left at the end state.
// Instantiated per model shape so that the hot loop has no branches on the spec.
template <bool trend, bool mult_error, EtsSeason season>
double RecurseT(const double* y, int n, double phi, int m, const EtsSmoothing& p, double& l,
                double& b, double* buf, int& idx, double* residuals, double* sse_out) {
  const double beta_over_alpha = p.beta / p.alpha;
  // sum log|f| as the log of running products (one log per ~40 steps instead of one per step,
  // the difference to R's sum of logs is a few ulps of the likelihood).
  double sse = 0.0, sum_log = 0.0, prod = 1.0;
  for (int t = 0; t < n; ++t) {
    const double phib = trend ? phi * b : 0.0;  // phi = 1 without damping, as R
    const double q = l + phib;
    double sv = 0.0, f = q, adjusted = y[t];
    if constexpr (season == EtsSeason::kAdditive) {
      sv = buf[idx];
      f = q + sv;
      adjusted = y[t] - sv;
    } else if constexpr (season == EtsSeason::kMultiplicative) {
      sv = buf[idx];
      f = q * sv;
      if (std::abs(sv) < kTol || std::abs(q) < kTol) return kInf;
      adjusted = y[t] / sv;
    }
    double e;
    if constexpr (mult_error) {
      if (std::abs(f) < kTol) return kInf;
      e = (y[t] - f) / f;
      const double af = std::abs(f);
      if (af < 1e100 && af > 1e-100) {
        prod *= af;
        if (!(prod < 1e200 && prod > 1e-200)) {
          sum_log += std::log(prod);
          prod = 1.0;
        }
      } else {
        sum_log += std::log(af);
      }
    } else {
      e = y[t] - f;
    }
    sse += e * e;
    if (residuals) residuals[t] = e;
    const double lnew = q + p.alpha * (adjusted - q);
    if constexpr (trend) b = phib + beta_over_alpha * ((lnew - l) - phib);
    if constexpr (season == EtsSeason::kAdditive) {
      buf[idx] = sv + p.gamma * ((y[t] - q) - sv);
    } else if constexpr (season == EtsSeason::kMultiplicative) {
      buf[idx] = sv + p.gamma * (y[t] / q - sv);
    }
    l = lnew;
    if constexpr (season != EtsSeason::kNone) {
      if (++idx == m) idx = 0;
    }
  }
  sum_log += std::log(prod);
  if (sse_out) *sse_out = sse;
  if (!(sse > 0.0)) return sse == 0.0 ? -kInf : kInf;
  const double lik = n * std::log(sse) + (mult_error ? 2.0 * sum_log : 0.0);
  return std::isfinite(lik) || lik == -kInf ? lik : kInf;
}

template <bool trend, bool mult_error>
double RecurseS(const double* y, int n, const EtsSpec& spec, double phi, int m,
                const EtsSmoothing& p, double& l, double& b, double* buf, int& idx,
                double* residuals, double* sse_out) {
  switch (spec.season) {
    case EtsSeason::kNone:
      return RecurseT<trend, mult_error, EtsSeason::kNone>(y, n, phi, m, p, l, b, buf, idx,
                                                           residuals, sse_out);
    case EtsSeason::kAdditive:
      return RecurseT<trend, mult_error, EtsSeason::kAdditive>(y, n, phi, m, p, l, b, buf, idx,
                                                               residuals, sse_out);
    case EtsSeason::kMultiplicative:
      break;
  }
  return RecurseT<trend, mult_error, EtsSeason::kMultiplicative>(y, n, phi, m, p, l, b, buf, idx,
                                                                 residuals, sse_out);
}

// The recursions of `spec` with parameters p from the state (l, b, buf[idx] the oldest seasonal
// state); returns R's criterion and leaves l, b, buf and idx at the end state.
double Recurse(const double* y, int n, const EtsSpec& spec, int m, const EtsSmoothing& p, double& l,
               double& b, double* buf, int& idx, double* residuals, double* sse_out) {
  const double phi = IsDamped(spec) ? p.phi : 1.0;
  const bool mult = spec.error == EtsError::kMultiplicative;
  if (HasTrend(spec)) {
    return mult ? RecurseS<true, true>(y, n, spec, phi, m, p, l, b, buf, idx, residuals, sse_out)
                : RecurseS<true, false>(y, n, spec, phi, m, p, l, b, buf, idx, residuals, sse_out);
  }
  return mult ? RecurseS<false, true>(y, n, spec, phi, m, p, l, b, buf, idx, residuals, sse_out)
              : RecurseS<false, false>(y, n, spec, phi, m, p, l, b, buf, idx, residuals, sse_out);
}

void ToBuffer(const EtsState& s, int m, double* buf) {
  for (int k = 0; k < m; ++k) buf[k] = s.season[m - 1 - k];
}

EtsState FromBuffer(double l, double b, const double* buf, int idx, int m, bool seasonal) {
  EtsState s;
  s.level = l;
  s.trend = b;
  if (seasonal) {
    s.season.resize(m);
    for (int j = 0; j < m; ++j) s.season[j] = buf[((idx - 1 - j) % m + m) % m];
  }
  return s;
}

// Schur-Cohn test: every root of sum_k c[k] z^k (c ascending, c.back() != 0) has modulus below
// `radius`. O(degree^2); c and tmp (same size) are overwritten.
bool RootsWithinRadius(std::span<double> c, std::span<double> tmp, double radius) {
  int n = static_cast<int>(c.size()) - 1;
  double rk = 1.0;
  for (int k = 0; k <= n; ++k, rk *= radius) c[k] *= rk;  // roots of p(radius w) in |w| < 1
  double* cur = c.data();
  double* next = tmp.data();
  while (n > 0) {
    const double a0 = cur[0], an = cur[n];
    if (!(std::abs(a0) < std::abs(an))) return false;
    // (an p(z) - a0 z^n p(1/z)) / z has degree n - 1 and leading coefficient an^2 - a0^2 > 0;
    // its roots are all inside the unit disk iff p's are (given |a0| < |an|).
    const double inv = 1.0 / (an * an - a0 * a0);
    for (int j = 0; j < n; ++j) next[j] = (an * cur[j + 1] - a0 * cur[n - 1 - j]) * inv;
    std::swap(cur, next);
    --n;
  }
  return true;
}

// forecast:::admissible; scratch holds 2 * (period + 2) doubles.
bool Admissible(const EtsSpec& spec, int period, const EtsSmoothing& par, double* scratch) {
  const double phi = IsDamped(spec) ? par.phi : 1.0;
  const double alpha = par.alpha;
  const double beta = HasTrend(spec) ? par.beta : 0.0;
  if (phi < 0.0 || phi > 1.0 + 1e-8) return false;
  if (!HasSeason(spec) || period <= 1) {
    if (alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi) return false;
    if (HasTrend(spec) && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha))) {
      return false;
    }
    return true;
  }
  const double gamma = par.gamma;
  const double m = period;
  if (gamma < std::max(1.0 - 1.0 / phi - alpha, 0.0) || gamma > 1.0 + 1.0 / phi - alpha) {
    return false;
  }
  if (alpha < 1.0 - 1.0 / phi - gamma * (1.0 - m + phi + phi * m) / (2.0 * phi * m)) return false;
  if (beta < -(1.0 - phi) * (gamma / m + alpha)) return false;
  // R: polyroot(c(phi (1 - alpha - gamma), alpha + beta - alpha phi + gamma - 1,
  //               rep(alpha + beta - alpha phi, m - 2), alpha + beta - phi, 1)), max |root| <= 1 +
  //               1e-10.
  double* c = scratch;
  double* tmp = scratch + period + 2;
  c[0] = phi * (1.0 - alpha - gamma);
  c[1] = alpha + beta - alpha * phi + gamma - 1.0;
  for (int k = 2; k < period; ++k) c[k] = alpha + beta - alpha * phi;
  c[period] = alpha + beta - phi;
  c[period + 1] = 1.0;
  int degree = period + 1;
  if (beta == 0.0 && phi == 1.0) {
    // z = 1 is then always a root (the level and the seasonal sum are redundant states); R's
    // tolerance 1e-10 admits it. Deflate it exactly so that the test below is not decided by
    // rounding at the circle: synthetic division by (z - 1), highest coefficient first.
    double carry = 0.0;
    for (int k = degree; k >= 1; --k) {
      carry = c[k] + carry;
      tmp[k - 1] = carry;
    }
    std::copy(tmp, tmp + degree, c);
    --degree;
  }
  return RootsWithinRadius(std::span<double>(c, degree + 1), std::span<double>(tmp, degree + 1),
                           1.0 + 1e-10);
}

int CountParams(const EtsSpec& spec, int m) {
  int np = 2;  // alpha, l0
  if (HasTrend(spec)) np += 2;
  if (IsDamped(spec)) np += 1;
  if (HasSeason(spec)) np += m;  // gamma + m-1 free seasonal states
  return np + 1;                 // + variance
}

bool IsConstant(std::span<const double> y) {
  return std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
}

// The model's specification, period (1 without a seasonal component), length and parameter
// count. Error: too few observations for that many parameters.
Result<EtsModel> NewEtsModel(std::span<const double> y, const EtsSpec& spec, int m) {
  const int n = static_cast<int>(y.size());
  EtsModel model;
  model.spec = spec;
  model.period = HasSeason(spec) ? m : 1;
  model.n = n;
  model.num_params = CountParams(spec, model.period);
  if (model.num_params - 1 >= n - 1) {
    return Status::Error(spec.Name() + ": " + std::to_string(model.num_params) +
                         " parameters need more than " + std::to_string(n) + " observations");
  }
  return model;
}

// Log-likelihood, AIC, BIC, AICc and sigma^2 of a fitted model from its -2 log-likelihood term
// (model->lik), parameter count, length and sum of squared errors, as R's etsmodel.
void SetCriteria(double sse, EtsModel* model) {
  const double np = model->num_params;
  const double n = model->n;
  model->loglik = -0.5 * model->lik;
  model->aic = model->lik + 2.0 * np;
  model->bic = model->lik + std::log(n) * np;
  model->aicc = model->aic + 2.0 * np * (np + 1.0) / (n - np - 1.0);
  model->sigma2 = sse / (n - (np - 1.0));  // R: SSE / (n - length(par))
}

// R's forecast:::etsmodel: R's starting values (initparam, initstate), then one Nelder-Mead
// (R's optim algorithm, MinimizeNelderMeadNash) over the smoothing parameters and every free
// initial state (level, trend, m - 1 seasonal states) with R's target function: R's box and
// admissibility checks (check_params), the last seasonal state closing the sum, multiplicative
// seasonal states >= 0, the likelihood floored at -1e10.
Result<EtsModel> FitOneR(std::span<const double> y, const EtsSpec& spec, int m,
                         const EtsParams& params) {
  Result<EtsModel> header = NewEtsModel(y, spec, m);
  if (!header.ok()) return header.status();
  EtsModel model = std::move(*header);
  const int n = model.n;
  const int period = model.period;
  const bool trend = HasTrend(spec), damped = IsDamped(spec), season = HasSeason(spec);
  const bool mult_season = spec.season == EtsSeason::kMultiplicative;
  // forecast:::initparam with the default bounds (m = 1 for non-seasonal models, as R).
  const double alpha0 = kLower + 0.2 * (kUpper - kLower) / period;
  std::vector<double> x0;
  x0.push_back(alpha0);
  if (trend) {
    double beta0 = kLower + 0.1 * (std::min(kUpper, alpha0) - kLower);
    if (beta0 < 0.0 || beta0 > alpha0) beta0 = alpha0 - 0.001;
    x0.push_back(beta0);
  }
  if (season) {
    const double up = std::min(kUpper, 1.0 - alpha0);
    double gamma0 = kLower + 0.05 * (up - kLower);
    if (gamma0 < 0.0 || gamma0 > 1.0 - alpha0) gamma0 = 1.0 - alpha0 - 0.001;
    x0.push_back(gamma0);
  }
  if (damped) x0.push_back(kPhiLower + 0.99 * (kPhiUpper - kPhiLower));
  const int n_smooth = static_cast<int>(x0.size());
  const EtsState init = EtsInitialState(y, spec, period, 0);
  x0.push_back(init.level);
  if (trend) x0.push_back(init.trend);
  if (season) {
    for (int j = 0; j < period - 1; ++j) x0.push_back(init.season[j]);
  }
  std::vector<double> buf(period), scratch(2 * (static_cast<size_t>(period) + 2));
  // Decodes x into parameters and the circular seasonal buffer (oldest state first); false when
  // R's target function rejects the point.
  auto decode = [&](std::span<const double> x, EtsSmoothing& p, double& l, double& b) {
    int i = 0;
    p.alpha = x[i++];
    p.beta = trend ? x[i++] : 0.0;
    p.gamma = season ? x[i++] : 0.0;
    p.phi = damped ? x[i++] : 1.0;
    // R's check_params (bounds "both" by default, "usual" without the admissibility test).
    if (p.alpha < kLower || p.alpha > kUpper) return false;
    if (trend && (p.beta < kLower || p.beta > p.alpha || p.beta > kUpper)) return false;
    if (damped && (p.phi < kPhiLower || p.phi > kPhiUpper)) return false;
    if (season && (p.gamma < kLower || p.gamma > 1.0 - p.alpha || p.gamma > kUpper)) return false;
    if (params.bounds == EtsBounds::kBoth && !Admissible(spec, period, p, scratch.data())) {
      return false;
    }
    l = x[n_smooth];
    b = trend ? x[n_smooth + 1] : 0.0;
    if (season) {
      const int k = n_smooth + (trend ? 2 : 1);
      double sum = 0.0;
      for (int j = 0; j < period - 1; ++j) {
        buf[period - 1 - j] = x[k + j];
        sum += x[k + j];
      }
      buf[0] = (mult_season ? period : 0.0) - sum;
      if (mult_season) {
        for (int j = 0; j < period; ++j) {
          if (buf[j] < 0.0) return false;
        }
      }
    }
    return true;
  };
  auto objective = [&](std::span<const double> x) {
    EtsSmoothing p;
    double l, b;
    if (!decode(x, p, l, b)) return kInf;
    int idx = 0;
    const double lik =
        Recurse(y.data(), n, spec, period, p, l, b, buf.data(), idx, nullptr, nullptr);
    return std::max(lik, -1e10);
  };
  NashNelderMeadParams nm;
  nm.max_iterations = params.r_max_iterations;
  const NashNelderMeadResult best = MinimizeNelderMeadNash(objective, x0, nm);
  double l0 = 0.0, b0 = 0.0;
  if (!best.finite_start || !(best.value < 1e35) || !decode(best.x, model.par, l0, b0)) {
    return Status::Error(spec.Name() +
                         ": R's starting values give no finite likelihood (the recursions "
                         "diverge or leave R's admissible region)");
  }
  model.initial = init;
  model.initial.level = l0;
  model.initial.trend = b0;
  if (season) {
    for (int j = 0; j < period; ++j) model.initial.season[j] = buf[period - 1 - j];
  }
  double l = l0, b = b0, sse = 0.0;
  int idx = 0;
  model.lik = Recurse(y.data(), n, spec, period, model.par, l, b, buf.data(), idx, nullptr, &sse);
  model.final_state = FromBuffer(l, b, buf.data(), idx, period, season);
  SetCriteria(sse, &model);
  return model;
}

// R's forecast mean for ETS(M,N,M), (M,A,M), (M,Ad,M) (forecast:::class3, Hyndman et al. 2008,
// ch. 6): the expectation of (l + b) s under multiplicative errors, not the point forecast. With
// M_h the outer product of the (level, trend) part and the seasonal part of the state,
//   mu_h = sum of M_h's last column,  M_{h+1} = F1 M_h F2' + sigma2 G1 M_h G2',
// F1 = [[1, 1], [0, phi]], G1 = [[alpha, alpha], [beta, beta]] (1 and alpha without trend), F2
// the seasonal rotation and G2 = gamma at (1, m). Two differences to l + phi_h b: R's F1 damps
// the trend one step later, and from h = m + 1 on the sigma2 term adds the covariance of level
// and seasonal errors.
void Class3Mean(const EtsModel& model, std::span<double> mean) {
  const EtsSpec& spec = model.spec;
  const int m = model.period;
  const bool trend = HasTrend(spec);
  const double phi = IsDamped(spec) ? model.par.phi : 1.0;
  const double alpha = model.par.alpha, beta = model.par.beta, gamma = model.par.gamma;
  const double sigma2 = model.sigma2;
  const EtsState& st = model.final_state;
  // Columns in R's state order s1 (most recent) .. sm (applied next); rows level, trend.
  std::vector<double> ml(m), mb(m, 0.0), nl(m), nb(m, 0.0);
  for (int j = 0; j < m; ++j) {
    ml[j] = st.level * st.season[j];
    if (trend) mb[j] = st.trend * st.season[j];
  }
  for (size_t h = 0; h < mean.size(); ++h) {
    mean[h] = ml[m - 1] + (trend ? mb[m - 1] : 0.0);
    const double cl = ml[m - 1], cb = mb[m - 1];
    // F1 applied to the columns rotated right by one (F2'), then sigma2 G1 (gamma c) into
    // column 1.
    for (int j = m - 1; j >= 1; --j) {
      nl[j] = ml[j - 1] + (trend ? mb[j - 1] : 0.0);
      if (trend) nb[j] = phi * mb[j - 1];
    }
    nl[0] = cl + (trend ? cb : 0.0);
    if (trend) nb[0] = phi * cb;
    const double g = sigma2 * gamma * (cl + (trend ? cb : 0.0));
    nl[0] += alpha * g;
    if (trend) nb[0] += beta * g;
    std::swap(ml, nl);
    std::swap(mb, nb);
  }
}

}  // namespace

bool EtsAdmissible(const EtsSpec& spec, int period, const EtsSmoothing& par) {
  std::vector<double> scratch(2 * (static_cast<size_t>(std::max(period, 1)) + 2));
  return Admissible(spec, period, par, scratch.data());
}

std::string EtsSpec::Name() const {
  std::string s = "ETS(";
  s += error == EtsError::kAdditive ? "A" : "M";
  s += trend == EtsTrend::kNone ? ",N" : trend == EtsTrend::kAdditive ? ",A" : ",Ad";
  s += season == EtsSeason::kNone ? ",N" : season == EtsSeason::kAdditive ? ",A" : ",M";
  return s + ")";
}

Result<EtsSpec> ParseEtsSpec(const std::string& code) {
  auto bad = [&]() {
    return Status::Error("ETS model \"" + code +
                         "\": expected error A|M, trend N|A|Ad, season N|A|M, e.g. \"MAdM\"");
  };
  if (code.size() != 3 && code.size() != 4) return bad();
  EtsSpec s;
  if (code[0] == 'A')
    s.error = EtsError::kAdditive;
  else if (code[0] == 'M')
    s.error = EtsError::kMultiplicative;
  else
    return bad();
  size_t i = 1;
  if (code[i] == 'N')
    s.trend = EtsTrend::kNone;
  else if (code[i] == 'A')
    s.trend = EtsTrend::kAdditive;
  else
    return bad();
  ++i;
  if (code.size() == 4) {
    if (code[i] != 'd' || s.trend != EtsTrend::kAdditive) return bad();
    s.trend = EtsTrend::kAdditiveDamped;
    ++i;
  }
  if (code[i] == 'N')
    s.season = EtsSeason::kNone;
  else if (code[i] == 'A')
    s.season = EtsSeason::kAdditive;
  else if (code[i] == 'M')
    s.season = EtsSeason::kMultiplicative;
  else
    return bad();
  return s;
}

EtsFilterResult EtsFilter(std::span<const double> y, const EtsSpec& spec, int period,
                          const EtsSmoothing& par, const EtsState& initial,
                          std::span<double> residuals) {
  const int m = HasSeason(spec) ? period : 1;
  std::vector<double> buf(m, 0.0);
  if (HasSeason(spec)) ToBuffer(initial, m, buf.data());
  double l = initial.level, b = initial.trend;
  int idx = 0;
  EtsFilterResult r;
  r.lik = Recurse(y.data(), static_cast<int>(y.size()), spec, m, par, l, b, buf.data(), idx,
                  residuals.empty() ? nullptr : residuals.data(), &r.sse);
  r.final_state = FromBuffer(l, b, buf.data(), idx, m, HasSeason(spec));
  return r;
}

EtsState EtsInitialState(std::span<const double> y, const EtsSpec& spec, int period,
                         int figure_cycles) {
  const int n = static_cast<int>(y.size());
  const int m = HasSeason(spec) ? period : 1;
  EtsState s;
  std::vector<double> sa(y.begin(), y.end());
  if (HasSeason(spec)) {
    const bool mult = spec.season == EtsSeason::kMultiplicative;
    const int fig_n = figure_cycles > 0 ? std::min(n, std::max(2, figure_cycles) * m) : n;
    std::vector<double> fig = ClassicalSeasonalFigure(y.first(fig_n), m, mult);
    s.season.resize(m);
    for (int j = 0; j < m; ++j) s.season[j] = fig[m - 1 - j];
    if (mult) {
      // R: free states floored at 0.01 and rescaled when their sum exceeds m; the last one
      // closes the sum at m.
      double sum = 0.0;
      for (int j = 0; j < m - 1; ++j) {
        s.season[j] = std::max(s.season[j], 0.01);
        sum += s.season[j];
      }
      if (sum > m) {
        double denom = 0.0;
        for (int j = 0; j < m - 1; ++j) denom += s.season[j] + 0.01;
        sum = 0.0;
        for (int j = 0; j < m - 1; ++j) {
          s.season[j] /= denom;
          sum += s.season[j];
        }
      }
      s.season[m - 1] = m - sum;
      for (int t = 0; t < n; ++t) sa[t] = y[t] / std::max(fig[t % m], 0.01);
    } else {
      double sum = 0.0;
      for (int j = 0; j < m - 1; ++j) sum += s.season[j];
      s.season[m - 1] = -sum;
      for (int t = 0; t < n; ++t) sa[t] = y[t] - fig[t % m];
    }
  }
  const int maxn = std::min(std::max(10, 2 * m), n);
  if (!HasTrend(spec)) {
    s.level = std::accumulate(sa.begin(), sa.begin() + maxn, 0.0) / maxn;
    s.trend = 0.0;
  } else {
    // Least-squares line over x = 1..maxn; the intercept is the level at time 0.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int t = 0; t < maxn; ++t) {
      const double x = t + 1.0;
      sx += x;
      sy += sa[t];
      sxx += x * x;
      sxy += x * sa[t];
    }
    const double denom = maxn * sxx - sx * sx;
    const double slope = denom != 0.0 ? (maxn * sxy - sx * sy) / denom : 0.0;
    double l0 = (sy - slope * sx) / maxn;
    double b0 = slope;
    if (std::abs(l0 + b0) < 1e-8) {
      l0 *= 1.001;
      b0 *= 0.999;
    }
    s.level = l0;
    s.trend = b0;
  }
  return s;
}

// A multiplicative-error model says y = mu (1 + e), e ~ N(0, sigma2): with sigma >= 1 it gives a
// negative observation, impossible for the positive data it was fitted on, 16% of the time or
// more, and its forecast variance (1 + alpha^2 sigma2)^h grows beyond any use within a few steps
// (a near-zero series with bursts, e.g. consumer lag). The automatic selection leaves such fits
// out; an explicit spec is fitted as asked.
namespace {
bool CoherentErrors(const EtsModel& m) {
  return m.spec.error != EtsError::kMultiplicative || m.sigma2 < 1.0;
}
}  // namespace

Result<EtsModel> FitEts(std::span<const double> y, const EtsParams& params) {
  const int n = static_cast<int>(y.size());
  if (n < 4) {
    return Status::Error("ETS: need at least 4 observations, got " + std::to_string(n));
  }
  for (int t = 0; t < n; ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("ETS: observation " + std::to_string(t) + " is not finite");
    }
  }
  if (params.period < 1) {
    return Status::Error("ETS: period must be >= 1, got " + std::to_string(params.period));
  }
  const bool positive = *std::min_element(y.begin(), y.end()) > 0.0;
  const bool can_season =
      params.period > 1 && params.period <= kEtsMaxSeasonalPeriod && n >= 2 * params.period;
  if (IsConstant(y)) {
    EtsModel model;
    model.spec = EtsSpec{};
    model.period = 1;
    model.n = n;
    model.num_params = 3;
    model.par.alpha = kUpper;
    model.initial.level = y[0];
    model.final_state.level = y[0];
    model.lik = model.aic = model.aicc = model.bic = -kInf;
    model.loglik = kInf;
    model.sigma2 = 0.0;
    return model;
  }
  if (params.spec) {
    const EtsSpec& spec = *params.spec;
    if (!positive &&
        (spec.error == EtsError::kMultiplicative || spec.season == EtsSeason::kMultiplicative)) {
      return Status::Error(spec.Name() + ": multiplicative components need strictly positive data");
    }
    if (HasSeason(spec) && params.period > kEtsMaxSeasonalPeriod) {
      return Status::Error(spec.Name() + ": seasonal ETS models take periods up to " +
                           std::to_string(kEtsMaxSeasonalPeriod) + " (R's limit), got " +
                           std::to_string(params.period) + "; mstl handles longer seasons");
    }
    if (HasSeason(spec) && !can_season) {
      return Status::Error(spec.Name() +
                           ": seasonal models need period > 1 and at least two "
                           "full periods (" +
                           std::to_string(2 * params.period) + " observations), got " +
                           std::to_string(n));
    }
    return FitOneR(y, spec, params.period, params);
  }
  std::vector<EtsSpec> candidates;
  for (EtsError e : {EtsError::kAdditive, EtsError::kMultiplicative}) {
    if (e == EtsError::kMultiplicative && !(positive && params.allow_multiplicative)) continue;
    for (EtsTrend tr : {EtsTrend::kNone, EtsTrend::kAdditive, EtsTrend::kAdditiveDamped}) {
      if (tr != EtsTrend::kNone && !params.allow_trend) continue;
      if (tr == EtsTrend::kAdditiveDamped && !params.allow_damped) continue;
      for (EtsSeason s : {EtsSeason::kNone, EtsSeason::kAdditive, EtsSeason::kMultiplicative}) {
        if (s != EtsSeason::kNone && !can_season) continue;
        if (s == EtsSeason::kMultiplicative &&
            (e == EtsError::kAdditive || !positive || !params.allow_multiplicative)) {
          continue;
        }
        candidates.push_back(EtsSpec{e, tr, s});
      }
    }
  }
  std::optional<EtsModel> best;
  Status last_error = Status::Error("ETS: no candidate model");
  for (const EtsSpec& spec : candidates) {
    Result<EtsModel> fit = FitOneR(y, spec, params.period, params);
    if (!fit.ok()) {
      last_error = fit.status();
      continue;
    }
    if (!CoherentErrors(*fit)) {
      last_error =
          Status::Error(spec.Name() + ": relative errors too wide for multiplicative errors");
      continue;
    }
    if (!best || fit->aicc < best->aicc) best = std::move(fit.value());
  }
  if (!best) return last_error;
  return *best;
}

Forecast ForecastEts(const EtsModel& model, int horizon, std::span<const double> levels) {
  Forecast fc;
  fc.model = model.spec.Name();
  const EtsSpec& spec = model.spec;
  const int m = HasSeason(spec) ? model.period : 1;
  const bool trend = HasTrend(spec);
  const double phi = IsDamped(spec) ? model.par.phi : 1.0;
  const EtsState& st = model.final_state;
  fc.mean.resize(horizon);
  double phi_sum = 0.0, phi_pow = 1.0;
  for (int h = 1; h <= horizon; ++h) {
    phi_pow *= phi;
    phi_sum += phi_pow;
    double f = st.level + (trend ? phi_sum * st.trend : 0.0);
    if (HasSeason(spec)) {
      const double sv = st.season[m - 1 - ((h - 1) % m)];
      f = spec.season == EtsSeason::kAdditive ? f + sv : f * sv;
    }
    fc.mean[h - 1] = f;
  }
  if (spec.error == EtsError::kMultiplicative && spec.season == EtsSeason::kMultiplicative) {
    Class3Mean(model, fc.mean);
  }
  fc.sd.assign(horizon, 0.0);
  if (spec.error == EtsError::kAdditive) {
    // Class 1: var_h = sigma2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta phi_j + gamma [j % m == 0].
    double acc = 1.0, phi_j = 0.0, pw = 1.0;
    for (int h = 1; h <= horizon; ++h) {
      fc.sd[h - 1] = std::sqrt(model.sigma2 * acc);
      pw *= phi;
      phi_j += pw;
      double c = model.par.alpha;
      if (trend) c += model.par.beta * phi_j;
      if (HasSeason(spec) && h % m == 0) c += model.par.gamma;
      acc += c * c;
    }
    AddGaussianIntervals(levels, &fc);
    return fc;
  }
  // Multiplicative errors: simulate sample paths with a fixed seed.
  constexpr int kPaths = 1000;
  std::mt19937_64 rng(0x5eedf00dULL);
  std::normal_distribution<double> noise(0.0, std::sqrt(std::max(model.sigma2, 0.0)));
  std::vector<double> paths(static_cast<size_t>(kPaths) * horizon);
  std::vector<double> buf(m, 0.0);
  for (int p = 0; p < kPaths; ++p) {
    double l = st.level, b = st.trend;
    if (HasSeason(spec)) ToBuffer(st, m, buf.data());
    int idx = 0;
    for (int h = 0; h < horizon; ++h) {
      const double phib = trend ? phi * b : 0.0;
      const double q = l + phib;
      double sv = 0.0, f = q;
      if (spec.season == EtsSeason::kAdditive) {
        sv = buf[idx];
        f = q + sv;
      } else if (spec.season == EtsSeason::kMultiplicative) {
        sv = buf[idx];
        f = q * sv;
      }
      const double yv = f * (1.0 + noise(rng));
      paths[static_cast<size_t>(h) * kPaths + p] = yv;
      double adjusted = yv;
      if (spec.season == EtsSeason::kAdditive) adjusted = yv - sv;
      if (spec.season == EtsSeason::kMultiplicative) adjusted = std::abs(sv) > kTol ? yv / sv : q;
      const double lnew = q + model.par.alpha * (adjusted - q);
      if (trend) b = phib + (model.par.beta / model.par.alpha) * ((lnew - l) - phib);
      if (spec.season == EtsSeason::kAdditive) {
        buf[idx] = sv + model.par.gamma * ((yv - q) - sv);
      } else if (spec.season == EtsSeason::kMultiplicative && std::abs(q) > kTol) {
        buf[idx] = sv + model.par.gamma * (yv / q - sv);
      }
      l = lnew;
      if (++idx == m) idx = 0;
    }
  }
  for (double level : levels) {
    PredictionInterval pi;
    pi.level = level;
    pi.lower.resize(horizon);
    pi.upper.resize(horizon);
    fc.intervals.push_back(std::move(pi));
  }
  double widest = 0.0;
  for (double level : levels) widest = std::max(widest, level);
  const double zw = widest > 0.0 ? NormalQuantile(0.5 + widest / 2.0) : 1.0;
  for (int h = 0; h < horizon; ++h) {
    std::span<double> col(paths.data() + static_cast<size_t>(h) * kPaths, kPaths);
    std::sort(col.begin(), col.end());
    double widest_width = 0.0;
    for (size_t i = 0; i < levels.size(); ++i) {
      fc.intervals[i].lower[h] = SortedQuantile(col, 0.5 - levels[i] / 2.0);
      fc.intervals[i].upper[h] = SortedQuantile(col, 0.5 + levels[i] / 2.0);
      if (levels[i] == widest) widest_width = fc.intervals[i].upper[h] - fc.intervals[i].lower[h];
    }
    if (widest > 0.0) {
      fc.sd[h] = widest_width / (2.0 * zw);
    } else {
      double mean = 0.0, ss = 0.0;
      for (double v : col) mean += v;
      mean /= kPaths;
      for (double v : col) ss += (v - mean) * (v - mean);
      fc.sd[h] = std::sqrt(ss / (kPaths - 1));
    }
  }
  return fc;
}

}  // namespace streamlens::analysis::forecast
