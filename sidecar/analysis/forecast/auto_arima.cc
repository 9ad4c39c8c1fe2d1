#include "sidecar/analysis/forecast/auto_arima.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "sidecar/analysis/forecast/unit_root.h"

namespace streamlens::analysis::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Row {
  int p, q, P, Q;
  bool constant;
  double ic;
};

struct Fit {
  std::optional<ArimaModel> model;
  double ic = kInf;
};

std::vector<double> Diff(std::span<const double> y, int lag) {
  std::vector<double> out;
  for (size_t t = lag; t < y.size(); ++t) out.push_back(y[t] - y[t - lag]);
  return out;
}

bool IsConstant(std::span<const double> y) {
  return std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; });
}

// A model whose differenced series is constant: no ARMA part, the constant (if any) is exact.
ArimaModel ExactModel(std::span<const double> y, ArimaOrder o, double dx0) {
  ArimaModel m;
  m.order = o;
  m.method = ArimaMethod::kCssMl;
  m.n = static_cast<int>(y.size());
  std::vector<double> poly = {1.0};
  auto mul = [&](int lag) {
    std::vector<double> next(poly.size() + lag, 0.0);
    for (size_t i = 0; i < poly.size(); ++i) {
      next[i] += poly[i];
      next[i + lag] -= poly[i];
    }
    poly.swap(next);
  };
  for (int i = 0; i < o.d; ++i) mul(1);
  for (int i = 0; i < o.D; ++i) mul(o.period);
  const int nd = static_cast<int>(poly.size()) - 1;
  m.delta.resize(nd);
  for (int i = 0; i < nd; ++i) m.delta[i] = -poly[i + 1];
  m.n_used = m.n - nd;
  const double k = (o.D == 1 && o.d + o.D == 1) ? o.period : 1.0;
  m.constant = o.constant ? dx0 / k : 0.0;
  m.num_coef = o.constant ? 1 : 0;
  m.state = {0.0};
  m.tail.resize(nd);
  for (int i = 0; i < nd; ++i) {
    const int t = m.n - nd + i;
    const double reg = o.constant ? (o.d + o.D == 0 ? 1.0 : t + 1.0) : 0.0;
    m.tail[i] = y[t] - m.constant * reg;
  }
  m.loglik = kInf;
  m.aic = m.aicc = m.bic = -kInf;
  return m;
}

}  // namespace

Result<AutoArimaResult> AutoArima(std::span<const double> y, const AutoArimaParams& params) {
  const int n = static_cast<int>(y.size());
  if (n < 4) return Status::Error("ARIMA: need at least 4 observations, got " + std::to_string(n));
  for (int t = 0; t < n; ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("ARIMA: observation " + std::to_string(t) + " is not finite");
    }
  }
  AutoArimaResult result;
  if (IsConstant(y)) {
    ArimaOrder o;
    o.constant = params.allow_mean;
    result.model = ExactModel(y, o, y[0]);
    return result;
  }
  const int m = std::max(1, params.period);
  int max_p = std::min(params.max_p, n / 3);
  int max_q = std::min(params.max_q, n / 3);
  int max_P = std::min(params.max_P, n / 3 / m);
  int max_Q = std::min(params.max_Q, n / 3 / m);
  int dd = params.D;
  if (m == 1) {
    dd = 0;
    max_P = max_Q = 0;
  } else if (dd < 0 && n <= 2 * m) {
    dd = 0;
  } else if (dd < 0) {
    dd = NSDiffs(y, m, params.max_D);
  }
  std::vector<double> dx(y.begin(), y.end());
  for (int i = 0; i < dd; ++i) dx = Diff(dx, m);
  int d = params.d;
  if (d < 0) d = dx.size() >= 2 ? NDiffs(dx, params.max_d) : 0;
  for (int i = 0; i < d; ++i) dx = Diff(dx, 1);
  if (dx.empty()) return Status::Error("ARIMA: not enough data to difference the series");
  if (IsConstant(dx)) {
    ArimaOrder o;
    o.d = d;
    o.D = dd;
    o.period = dd > 0 ? m : 1;
    o.constant = d + dd <= 1 && !(dd > 0 && d > 0);
    result.model = ExactModel(y, o, dx[0]);
    return result;
  }
  if (m > 1) {
    if (max_P > 0) max_p = std::min(max_p, m - 1);
    if (max_Q > 0) max_q = std::min(max_q, m - 1);
  }
  bool approximation =
      params.approximation == AutoArimaParams::Approximation::kOn ||
      (params.approximation == AutoArimaParams::Approximation::kAuto && (n > 150 || m > 12));
  double offset = 0.0;
  if (approximation) {
    ArimaFitParams fp;
    fp.order.d = d;
    fp.order.D = dd;
    fp.order.period = dd > 0 ? m : 1;
    fp.order.constant = d + dd == 0;
    Result<ArimaModel> base = FitArima(y, fp);
    if (base.ok()) offset = -2.0 * base->loglik - n * std::log(base->sigma2);
  }
  const bool allow_drift = params.allow_drift && d + dd == 1;
  const bool allow_mean = params.allow_mean && d + dd == 0;
  bool constant = allow_drift || allow_mean;
  const int nstar = n - d - dd * m;

  std::vector<Row> results;
  std::vector<Fit> fits;  // kept when models are fitted exactly (no refit needed)
  auto fit_one = [&](int p, int q, int P, int Q, bool c, bool approx) -> Fit {
    ArimaFitParams fp;
    fp.order = {p, d, q, P, dd, Q, (P + dd + Q) > 0 ? m : 1, c};
    fp.method = approx ? ArimaMethod::kCss : ArimaMethod::kCssMl;
    ++result.models_fitted;
    Result<ArimaModel> r = FitArima(y, fp);
    Fit f;
    if (!r.ok()) return f;
    const double npar = r->num_coef + 1.0;
    double aic = r->aic;
    if (approx) aic = offset + nstar * std::log(r->sigma2) + 2.0 * npar;
    double ic = aic + 2.0 * npar * (npar + 1.0) / (nstar - npar - 1.0);
    if (!std::isfinite(ic)) ic = kInf;
    if (ArimaMinRoot(*r) < 1.01) ic = kInf;
    f.ic = ic;
    f.model = std::move(r.value());
    return f;
  };
  int best = -1;
  auto try_model = [&](int p, int q, int P, int Q, bool c) -> bool {
    for (const Row& r : results) {
      if (r.p == p && r.q == q && r.P == P && r.Q == Q && r.constant == c) return false;
    }
    if (static_cast<int>(results.size()) >= params.max_models) return false;
    Fit f = fit_one(p, q, P, Q, c, approximation);
    results.push_back({p, q, P, Q, c, f.ic});
    fits.push_back(approximation ? Fit{std::nullopt, f.ic} : std::move(f));
    const int idx = static_cast<int>(results.size()) - 1;
    if (best < 0 || results[idx].ic < results[best].ic) {
      best = idx;
      return true;
    }
    return false;
  };
  int sp = params.start_p, sq = params.start_q, sP = params.start_P, sQ = params.start_Q;
  if (n < 10) {
    sp = std::min(sp, 1);
    sq = std::min(sq, 1);
    sP = sQ = 0;
  }
  int p = std::min(sp, max_p), q = std::min(sq, max_q);
  int P = std::min(sP, max_P), Q = std::min(sQ, max_Q);
  try_model(p, q, P, Q, constant);
  if (try_model(0, 0, 0, 0, constant)) p = q = P = Q = 0;
  if (max_p > 0 || max_P > 0) {
    const int np = max_p > 0, nP = (m > 1) && (max_P > 0);
    if (try_model(np, 0, nP, 0, constant)) {
      p = np;
      P = nP;
      q = Q = 0;
    }
  }
  if (max_q > 0 || max_Q > 0) {
    const int nq = max_q > 0, nQ = (m > 1) && (max_Q > 0);
    if (try_model(0, nq, 0, nQ, constant)) {
      p = P = 0;
      q = nq;
      Q = nQ;
    }
  }
  if (constant) {
    if (try_model(0, 0, 0, 0, false)) p = q = P = Q = 0;
  }
  // R's stepwise neighbourhood, in R's order; a move restarts the scan.
  size_t startk = 0;
  while (startk < results.size() && static_cast<int>(results.size()) < params.max_models) {
    startk = results.size();
    struct Move {
      int dp, dq, dP, dQ;
    };
    static constexpr Move kMoves[] = {{0, 0, -1, 0},  {0, 0, 0, -1}, {0, 0, 1, 0},  {0, 0, 0, 1},
                                      {0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
                                      {-1, 0, 0, 0},  {0, -1, 0, 0}, {1, 0, 0, 0},  {0, 1, 0, 0},
                                      {-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0}};
    bool moved = false;
    for (const Move& mv : kMoves) {
      const int np = p + mv.dp, nq = q + mv.dq, nP = P + mv.dP, nQ = Q + mv.dQ;
      if (np < 0 || nq < 0 || nP < 0 || nQ < 0 || np > max_p || nq > max_q || nP > max_P ||
          nQ > max_Q) {
        continue;
      }
      if (try_model(np, nq, nP, nQ, constant)) {
        p = np;
        q = nq;
        P = nP;
        Q = nQ;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    if (allow_drift || allow_mean) {
      if (try_model(p, q, P, Q, !constant)) constant = !constant;
    }
  }
  if (approximation) {
    std::vector<size_t> order(results.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return results[a].ic < results[b].ic; });
    for (size_t i : order) {
      const Row& r = results[i];
      Fit f = fit_one(r.p, r.q, r.P, r.Q, r.constant, false);
      if (f.ic < kInf) {
        result.model = std::move(*f.model);
        return result;
      }
    }
    return Status::Error("ARIMA: no suitable model found");
  }
  if (best < 0 || !(results[best].ic < kInf) || !fits[best].model) {
    return Status::Error("ARIMA: no suitable model found");
  }
  result.model = std::move(*fits[best].model);
  return result;
}

}  // namespace streamlens::analysis::forecast
