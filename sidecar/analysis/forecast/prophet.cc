#include "sidecar/analysis/forecast/prophet.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <random>

#include "sidecar/analysis/forecast/stats_util.h"

namespace streamlens::analysis::forecast {
namespace {

// Fills columns [col, col + 2K) of X for rows t = 0..rows-1 at times t0 + t with sin/cos of
// 2 pi k t / P, using the angle-addition recurrence (one sin/cos per row).
void FourierColumns(Eigen::MatrixXd& x, int col, double t0, const ProphetSeasonality& s) {
  const int k_max = s.fourier_order;
  const double w = 2.0 * std::numbers::pi / s.period;
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const double a = w * (t0 + static_cast<double>(t));
    const double s1 = std::sin(a), c1 = std::cos(a);
    double sk = s1, ck = c1;
    for (int k = 0; k < k_max; ++k) {
      x(t, col + 2 * k) = sk;
      x(t, col + 2 * k + 1) = ck;
      const double sn = sk * c1 + ck * s1;
      const double cn = ck * c1 - sk * s1;
      sk = sn;
      ck = cn;
    }
  }
}

// Minimises 0.5 b'Gb - c'b + sum_j l1_j |b_j| + 0.5 sum_j l2_j b_j^2 by cyclic coordinate descent.
void CoordinateDescent(const Eigen::MatrixXd& g, const Eigen::VectorXd& c,
                       const Eigen::VectorXd& l1, const Eigen::VectorXd& l2, int max_sweeps,
                       Eigen::VectorXd& b) {
  const Eigen::Index p = g.rows();
  // gb = G b maintained incrementally.
  Eigen::VectorXd gb = g * b;
  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    double max_change = 0.0, max_coef = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double gjj = g(j, j);
      const double denom = gjj + l2[j];
      if (denom <= 0.0) continue;
      const double rho = c[j] - (gb[j] - gjj * b[j]);
      double nb;
      if (l1[j] > 0.0) {
        nb = rho > l1[j] ? (rho - l1[j]) / denom : rho < -l1[j] ? (rho + l1[j]) / denom : 0.0;
      } else {
        nb = rho / denom;
      }
      const double d = nb - b[j];
      if (d != 0.0) {
        gb.noalias() += g.col(j) * d;
        b[j] = nb;
      }
      max_change = std::max(max_change, std::abs(d));
      max_coef = std::max(max_coef, std::abs(nb));
    }
    if (max_change <= 1e-9 * std::max(1.0, max_coef)) break;
  }
}

Status CheckParams(std::span<const double> y, const ProphetParams& params) {
  const int n = static_cast<int>(y.size());
  if (n < 4)
    return Status::Error("prophet: need at least 4 observations, got " + std::to_string(n));
  if (params.horizon < 1) return Status::Error("prophet: horizon must be >= 1");
  for (int t = 0; t < n; ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("prophet: observation " + std::to_string(t) + " is not finite");
    }
  }
  for (const ProphetSeasonality& s : params.seasonalities) {
    if (!(s.period >= 2.0) || s.fourier_order < 1) {
      return Status::Error("prophet: seasonality needs period >= 2 and fourier_order >= 1, got " +
                           std::to_string(s.period) + "/" + std::to_string(s.fourier_order));
    }
  }
  for (const EventWindow& e : params.events) {
    if (e.last < e.first) {
      return Status::Error("prophet: event \"" + e.name + "\" ends before it starts");
    }
  }
  return Status::Ok();
}

// The regression's columns: intercept, slope, one hinge per changepoint, the Fourier terms of
// every seasonality, one indicator per event name.
struct ProphetDesign {
  const ProphetParams* params = nullptr;
  std::map<std::string, int> event_index;
  std::vector<double> cps;  // changepoints (sample positions)
  int n_cp = 0, p = 0, col_fourier = 0, col_events = 0;
  double t_scale = 1.0;  // time is scaled to [0, 1] over the history (as Prophet does)

  ProphetDesign(int n, const ProphetParams& pp) : params(&pp) {
    for (const EventWindow& e : pp.events) {
      event_index.emplace(e.name, static_cast<int>(event_index.size()));
    }
    // Changepoints at integer sample positions within the first changepoint_range of the history.
    const int cp_limit = static_cast<int>(std::floor(pp.changepoint_range * (n - 1)));
    n_cp = std::min(pp.num_changepoints, std::max(0, cp_limit - 1));
    for (int j = 1; j <= n_cp; ++j) {
      cps.push_back(std::round(static_cast<double>(j) * cp_limit / (n_cp + 1)));
    }
    int n_fourier = 0;
    for (const ProphetSeasonality& s : pp.seasonalities) n_fourier += 2 * s.fourier_order;
    const int n_events = static_cast<int>(event_index.size());
    p = 2 + n_cp + n_fourier + n_events;
    col_fourier = 2 + n_cp;
    col_events = col_fourier + n_fourier;
    t_scale = std::max(1, n - 1);
  }

  // Rows for sample positions t0 .. t0 + rows - 1.
  Eigen::MatrixXd Build(int rows, int t0) const {
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(rows, p);
    for (int r = 0; r < rows; ++r) {
      const double t = (t0 + r) / t_scale;
      x(r, 0) = 1.0;
      x(r, 1) = t;
      for (int j = 0; j < n_cp; ++j) x(r, 2 + j) = std::max(0.0, t - cps[j] / t_scale);
    }
    int col = col_fourier;
    for (const ProphetSeasonality& s : params->seasonalities) {
      FourierColumns(x, col, t0, s);
      col += 2 * s.fourier_order;
    }
    for (const EventWindow& e : params->events) {
      const int c = col_events + event_index.at(e.name);
      const long long lo = std::max<long long>(e.first, t0);
      const long long hi = std::min<long long>(e.last, static_cast<long long>(t0) + rows - 1);
      for (long long t = lo; t <= hi; ++t) x(static_cast<Eigen::Index>(t - t0), c) = 1.0;
    }
    return x;
  }
};

// MAP coefficients of the scaled series ys on x, and the residual standard deviation.
Eigen::VectorXd FitMap(const ProphetDesign& d, const Eigen::MatrixXd& x, const Eigen::VectorXd& ys,
                       double* sigma) {
  const ProphetParams& params = *d.params;
  const int n = static_cast<int>(ys.size());
  const int p = d.p;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(p, p);
  g.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  const Eigen::VectorXd c = x.transpose() * ys;
  // Pass 1: light ridge everywhere to estimate the noise scale.
  Eigen::VectorXd l1 = Eigen::VectorXd::Zero(p), l2 = Eigen::VectorXd::Zero(p);
  for (int j = 2; j < p; ++j) l2[j] = 1e-6 * n;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
  b[0] = ys.mean();
  CoordinateDescent(g, c, l1, l2, params.max_sweeps, b);
  double sigma2 = (ys - x * b).squaredNorm() / std::max(1, n - p);
  sigma2 = std::max(sigma2, 1e-12);
  // Pass 2: MAP penalties (Laplace on deltas, Normal on seasonality/events) for that sigma.
  for (int j = 2; j < 2 + d.n_cp; ++j) {
    l1[j] = sigma2 / params.changepoint_prior_scale;
    l2[j] = 0.0;
  }
  for (int j = d.col_fourier; j < d.col_events; ++j) {
    l2[j] = sigma2 / (params.seasonality_prior_scale * params.seasonality_prior_scale);
  }
  for (int j = d.col_events; j < p; ++j) {
    l2[j] = sigma2 / (params.event_prior_scale * params.event_prior_scale);
  }
  CoordinateDescent(g, c, l1, l2, params.max_sweeps, b);
  const Eigen::VectorXd resid = ys - x * b;
  *sigma = std::sqrt(resid.squaredNorm() / std::max(1, n - 1));
  return b;
}

// Intervals and sd from simulated paths: future changepoints at the historical rate with
// Laplace(mean |delta|) sizes, plus Gaussian noise of the residual scale; each interval is the
// paths' empirical spread centred on the point forecast.
void SimulateIntervals(const ProphetDesign& d, const Eigen::VectorXd& b,
                       const Eigen::VectorXd& yhat, double sigma, double y_scale, int n,
                       Forecast* fc) {
  const ProphetParams& params = *d.params;
  const int h = static_cast<int>(yhat.size());
  const int n_cp = d.n_cp;
  double mean_abs_delta = 0.0;
  for (int j = 0; j < n_cp; ++j) mean_abs_delta += std::abs(b[2 + j]);
  mean_abs_delta = n_cp > 0 ? mean_abs_delta / n_cp : 0.0;
  const double cp_rate = n_cp > 0 ? static_cast<double>(n_cp) / n : 0.0;  // per sample
  const int sims = std::max(10, params.num_simulations);
  std::mt19937_64 rng(0x70a9e7ULL);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::exponential_distribution<double> expo(1.0);
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<double> paths(static_cast<size_t>(sims) * h);
  for (int s = 0; s < sims; ++s) {
    double slope_change = 0.0, offset = 0.0;
    for (int i = 0; i < h; ++i) {
      if (mean_abs_delta > 0.0 && unif(rng) < cp_rate) {
        const double mag = expo(rng) * mean_abs_delta;
        slope_change += unif(rng) < 0.5 ? -mag : mag;
      }
      offset += slope_change / d.t_scale;
      paths[static_cast<size_t>(i) * sims + s] = (yhat[i] + offset + noise(rng)) * y_scale;
    }
  }
  fc->sd.resize(h);
  for (double level : params.levels) {
    fc->intervals.push_back(
        PredictionInterval{level, std::vector<double>(h), std::vector<double>(h)});
  }
  for (int i = 0; i < h; ++i) {
    std::span<double> col(paths.data() + static_cast<size_t>(i) * sims, sims);
    std::sort(col.begin(), col.end());
    double mean = 0.0, ss = 0.0;
    for (double v : col) mean += v;
    mean /= sims;
    for (double v : col) ss += (v - mean) * (v - mean);
    fc->sd[i] = std::sqrt(ss / (sims - 1));
    for (size_t l = 0; l < params.levels.size(); ++l) {
      fc->intervals[l].lower[i] =
          fc->mean[i] + (SortedQuantile(col, 0.5 - params.levels[l] / 2) - mean);
      fc->intervals[l].upper[i] =
          fc->mean[i] + (SortedQuantile(col, 0.5 + params.levels[l] / 2) - mean);
    }
  }
}

}  // namespace

Result<Forecast> ProphetForecast(std::span<const double> y, const ProphetParams& params,
                                 ProphetFit* fit_out) {
  STREAMLENS_RETURN_IF_ERROR(CheckParams(y, params));
  const int n = static_cast<int>(y.size());
  const int h = params.horizon;
  const ProphetDesign design(n, params);
  // y is scaled by max |y| (as Prophet does).
  double y_scale = 0.0;
  for (double v : y) y_scale = std::max(y_scale, std::abs(v));
  if (y_scale == 0.0) y_scale = 1.0;
  const Eigen::MatrixXd x = design.Build(n, 0);
  Eigen::VectorXd ys(n);
  for (int t = 0; t < n; ++t) ys[t] = y[t] / y_scale;
  double sigma = 0.0;
  const Eigen::VectorXd b = FitMap(design, x, ys, &sigma);
  const Eigen::MatrixXd xf = design.Build(h, n);
  const Eigen::VectorXd yhat = xf * b;
  Forecast fc;
  fc.model = "prophet";
  fc.mean.resize(h);
  for (int i = 0; i < h; ++i) fc.mean[i] = yhat[i] * y_scale;
  SimulateIntervals(design, b, yhat, sigma, y_scale, n, &fc);
  if (fit_out) {
    int active = 0;
    for (int j = 0; j < design.n_cp; ++j) active += b[2 + j] != 0.0;
    fit_out->coefficients.assign(b.data(), b.data() + design.p);
    fit_out->num_active_changepoints = active;
    fit_out->sigma = sigma * y_scale;
  }
  return fc;
}

}  // namespace streamlens::analysis::forecast
