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
  m.delta = ArimaDifferencing(o.d, o.D, o.period);
  const int nd = static_cast<int>(m.delta.size());
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

// The orders auto.arima searches within, after the unit-root tests chose d and D.
struct SearchSpace {
  int m = 1;  // period
  int d = 0, dd = 0;
  int max_p = 0, max_q = 0, max_P = 0, max_Q = 0;
  std::vector<double> dx;  // the differenced series
};

SearchSpace Differencing(std::span<const double> y, const AutoArimaParams& params) {
  const int n = static_cast<int>(y.size());
  SearchSpace s;
  const int m = std::max(1, params.period);
  s.m = m;
  s.max_p = std::min(params.max_p, n / 3);
  s.max_q = std::min(params.max_q, n / 3);
  s.max_P = std::min(params.max_P, n / 3 / m);
  s.max_Q = std::min(params.max_Q, n / 3 / m);
  int dd = params.D;
  if (m == 1) {
    dd = 0;
    s.max_P = s.max_Q = 0;
  } else if (dd < 0 && n <= 2 * m) {
    dd = 0;
  } else if (dd < 0) {
    dd = NSDiffs(y, m, params.max_D);
  }
  s.dd = dd;
  s.dx.assign(y.begin(), y.end());
  for (int i = 0; i < dd; ++i) s.dx = Diff(s.dx, m);
  int d = params.d;
  if (d < 0) d = s.dx.size() >= 2 ? NDiffs(s.dx, params.max_d) : 0;
  for (int i = 0; i < d; ++i) s.dx = Diff(s.dx, 1);
  s.d = d;
  return s;
}

// R's stepwise search (forecast::auto.arima with stepwise = TRUE) over one SearchSpace.
class StepwiseSearch {
 public:
  StepwiseSearch(std::span<const double> y, const AutoArimaParams& params, const SearchSpace& s,
                 AutoArimaResult* result)
      : y_(y), params_(params), s_(s), result_(result) {
    const int n = static_cast<int>(y.size());
    approximation_ =
        params.approximation == AutoArimaParams::Approximation::kOn ||
        (params.approximation == AutoArimaParams::Approximation::kAuto && (n > 150 || s.m > 12));
    if (approximation_) {
      ArimaFitParams fp;
      fp.order.d = s.d;
      fp.order.D = s.dd;
      fp.order.period = s.dd > 0 ? s.m : 1;
      fp.order.constant = s.d + s.dd == 0;
      Result<ArimaModel> base = FitArima(y, fp);
      if (base.ok()) offset_ = -2.0 * base->loglik - n * std::log(base->sigma2);
    }
    allow_drift_ = params.allow_drift && s.d + s.dd == 1;
    allow_mean_ = params.allow_mean && s.d + s.dd == 0;
    constant_ = allow_drift_ || allow_mean_;
    nstar_ = n - s.d - s.dd * s.m;
  }

  // The starting models, in R's order.
  void Start() {
    int sp = params_.start_p, sq = params_.start_q, sP = params_.start_P, sQ = params_.start_Q;
    if (y_.size() < 10) {
      sp = std::min(sp, 1);
      sq = std::min(sq, 1);
      sP = sQ = 0;
    }
    p_ = std::min(sp, s_.max_p);
    q_ = std::min(sq, s_.max_q);
    P_ = std::min(sP, s_.max_P);
    Q_ = std::min(sQ, s_.max_Q);
    TryModel(p_, q_, P_, Q_, constant_);
    if (TryModel(0, 0, 0, 0, constant_)) p_ = q_ = P_ = Q_ = 0;
    if (s_.max_p > 0 || s_.max_P > 0) {
      const int np = s_.max_p > 0, nP = (s_.m > 1) && (s_.max_P > 0);
      if (TryModel(np, 0, nP, 0, constant_)) {
        p_ = np;
        P_ = nP;
        q_ = Q_ = 0;
      }
    }
    if (s_.max_q > 0 || s_.max_Q > 0) {
      const int nq = s_.max_q > 0, nQ = (s_.m > 1) && (s_.max_Q > 0);
      if (TryModel(0, nq, 0, nQ, constant_)) {
        p_ = P_ = 0;
        q_ = nq;
        Q_ = nQ;
      }
    }
    if (constant_) {
      if (TryModel(0, 0, 0, 0, false)) p_ = q_ = P_ = Q_ = 0;
    }
  }

  // R's stepwise neighbourhood, in R's order; a move restarts the scan.
  void Walk() {
    size_t startk = 0;
    while (startk < results_.size() && static_cast<int>(results_.size()) < params_.max_models) {
      startk = results_.size();
      struct Move {
        int dp, dq, dP, dQ;
      };
      static constexpr Move kMoves[] = {{0, 0, -1, 0},  {0, 0, 0, -1}, {0, 0, 1, 0},  {0, 0, 0, 1},
                                        {0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
                                        {-1, 0, 0, 0},  {0, -1, 0, 0}, {1, 0, 0, 0},  {0, 1, 0, 0},
                                        {-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0}};
      bool moved = false;
      for (const Move& mv : kMoves) {
        const int np = p_ + mv.dp, nq = q_ + mv.dq, nP = P_ + mv.dP, nQ = Q_ + mv.dQ;
        if (np < 0 || nq < 0 || nP < 0 || nQ < 0 || np > s_.max_p || nq > s_.max_q ||
            nP > s_.max_P || nQ > s_.max_Q) {
          continue;
        }
        if (TryModel(np, nq, nP, nQ, constant_)) {
          p_ = np;
          q_ = nq;
          P_ = nP;
          Q_ = nQ;
          moved = true;
          break;
        }
      }
      if (moved) continue;
      if (allow_drift_ || allow_mean_) {
        if (TryModel(p_, q_, P_, Q_, !constant_)) constant_ = !constant_;
      }
    }
  }

  // The chosen model: with the approximation, the best model that refits exactly (by CSS-ML),
  // in order of the approximate criterion; otherwise the best model found.
  Status Finish() {
    if (approximation_) {
      std::vector<size_t> order(results_.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return results_[a].ic < results_[b].ic; });
      for (size_t i : order) {
        const Row& r = results_[i];
        Fit f = FitOne(r.p, r.q, r.P, r.Q, r.constant, false);
        if (f.ic < kInf) {
          result_->model = std::move(*f.model);
          return Status::Ok();
        }
      }
      return Status::Error("ARIMA: no suitable model found");
    }
    if (best_ < 0 || !(results_[best_].ic < kInf) || !fits_[best_].model) {
      return Status::Error("ARIMA: no suitable model found");
    }
    result_->model = std::move(*fits_[best_].model);
    return Status::Ok();
  }

 private:
  Fit FitOne(int p, int q, int P, int Q, bool c, bool approx) {
    const int d = s_.d, dd = s_.dd, m = s_.m;
    ArimaFitParams fp;
    fp.order = {p, d, q, P, dd, Q, (P + dd + Q) > 0 ? m : 1, c};
    fp.method = approx ? ArimaMethod::kCss : ArimaMethod::kCssMl;
    ++result_->models_fitted;
    Result<ArimaModel> r = FitArima(y_, fp);
    Fit f;
    if (!r.ok()) return f;
    const double npar = r->num_coef + 1.0;
    double aic = r->aic;
    if (approx) aic = offset_ + nstar_ * std::log(r->sigma2) + 2.0 * npar;
    double ic = aic + 2.0 * npar * (npar + 1.0) / (nstar_ - npar - 1.0);
    if (!std::isfinite(ic)) ic = kInf;
    if (ArimaMinRoot(*r) < 1.01) ic = kInf;
    f.ic = ic;
    f.model = std::move(r.value());
    return f;
  }

  // Fits a model not tried before (while max_models allows); true when it is the new best.
  bool TryModel(int p, int q, int P, int Q, bool c) {
    for (const Row& r : results_) {
      if (r.p == p && r.q == q && r.P == P && r.Q == Q && r.constant == c) return false;
    }
    if (static_cast<int>(results_.size()) >= params_.max_models) return false;
    Fit f = FitOne(p, q, P, Q, c, approximation_);
    results_.push_back({p, q, P, Q, c, f.ic});
    fits_.push_back(approximation_ ? Fit{std::nullopt, f.ic} : std::move(f));
    const int idx = static_cast<int>(results_.size()) - 1;
    if (best_ < 0 || results_[idx].ic < results_[best_].ic) {
      best_ = idx;
      return true;
    }
    return false;
  }

  std::span<const double> y_;
  const AutoArimaParams& params_;
  const SearchSpace& s_;
  AutoArimaResult* result_;
  bool approximation_ = false;
  double offset_ = 0.0;
  bool allow_drift_ = false, allow_mean_ = false, constant_ = false;
  int nstar_ = 0;
  std::vector<Row> results_;
  std::vector<Fit> fits_;  // kept when models are fitted exactly (no refit needed)
  int best_ = -1;
  int p_ = 0, q_ = 0, P_ = 0, Q_ = 0;  // the current model
};

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
  SearchSpace s = Differencing(y, params);
  if (s.dx.empty()) return Status::Error("ARIMA: not enough data to difference the series");
  if (IsConstant(s.dx)) {
    ArimaOrder o;
    o.d = s.d;
    o.D = s.dd;
    o.period = s.dd > 0 ? s.m : 1;
    o.constant = s.d + s.dd <= 1 && !(s.dd > 0 && s.d > 0);
    result.model = ExactModel(y, o, s.dx[0]);
    return result;
  }
  if (s.m > 1) {
    if (s.max_P > 0) s.max_p = std::min(s.max_p, s.m - 1);
    if (s.max_Q > 0) s.max_q = std::min(s.max_q, s.m - 1);
  }
  StepwiseSearch search(y, params, s, &result);
  search.Start();
  search.Walk();
  STREAMLENS_RETURN_IF_ERROR(search.Finish());
  return result;
}

}  // namespace streamlens::analysis::forecast
