#include "sidecar/analysis/forecast/bfgs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace streamlens::analysis::forecast {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Counted {
  const std::function<double(std::span<const double>)>& f;
  int evaluations = 0;
  double operator()(std::span<const double> x) {
    ++evaluations;
    const double v = f(x);
    return std::isnan(v) ? kInf : v;
  }
};

// Central differences; one-sided where a neighbour is rejected; false if both are.
bool Gradient(Counted& f, std::vector<double>& x, double fx, double step, std::vector<double>& g) {
  for (size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    const double h = step * std::max(1.0, std::abs(xi));
    x[i] = xi + h;
    const double fp = f(x);
    x[i] = xi - h;
    const double fm = f(x);
    x[i] = xi;
    if (std::isfinite(fp) && std::isfinite(fm)) {
      g[i] = (fp - fm) / (2.0 * h);
    } else if (std::isfinite(fp)) {
      g[i] = (fp - fx) / h;
    } else if (std::isfinite(fm)) {
      g[i] = (fx - fm) / h;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

BfgsResult MinimizeBfgs(const std::function<double(std::span<const double>)>& objective,
                        std::span<const double> x0, const BfgsParams& params) {
  const size_t n = x0.size();
  Counted f{objective};
  BfgsResult r;
  r.x.assign(x0.begin(), x0.end());
  r.value = f(r.x);
  if (n == 0 || !std::isfinite(r.value)) {
    r.evaluations = f.evaluations;
    r.converged = n == 0;
    return r;
  }
  std::vector<double> g(n), g_new(n), d(n), x_new(n), s(n), yv(n), by(n);
  std::vector<double> b(n * n, 0.0);  // inverse Hessian approximation
  auto reset = [&]() {
    std::fill(b.begin(), b.end(), 0.0);
    for (size_t i = 0; i < n; ++i) b[i * n + i] = 1.0;
  };
  reset();
  if (!Gradient(f, r.x, r.value, params.gradient_step, g)) {
    r.evaluations = f.evaluations;
    return r;
  }
  bool fresh = true;  // b is the identity
  for (r.iterations = 0; r.iterations < params.max_iterations; ++r.iterations) {
    double slope = 0.0;
    for (size_t i = 0; i < n; ++i) {
      double v = 0.0;
      for (size_t j = 0; j < n; ++j) v -= b[i * n + j] * g[j];
      d[i] = v;
      slope += v * g[i];
    }
    if (!(slope < 0.0)) {
      if (fresh) break;  // gradient ~ 0
      reset();
      fresh = true;
      --r.iterations;
      continue;
    }
    double step = 1.0, f_new = kInf;
    bool accepted = false;
    for (int k = 0; k < 40; ++k) {
      bool moved = false;
      for (size_t i = 0; i < n; ++i) {
        x_new[i] = r.x[i] + step * d[i];
        moved |= x_new[i] != r.x[i];
      }
      if (!moved) break;
      f_new = f(x_new);
      if (std::isfinite(f_new) && f_new <= r.value + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.2;
    }
    if (!accepted) {
      if (fresh) {
        r.converged = true;  // no descent possible along the gradient: a (numerical) minimum
        break;
      }
      reset();
      fresh = true;
      --r.iterations;
      continue;
    }
    const double improvement = r.value - f_new;
    for (size_t i = 0; i < n; ++i) s[i] = x_new[i] - r.x[i];
    r.x = x_new;
    const double f_old = r.value;
    r.value = f_new;
    if (improvement <= params.rel_tolerance * (std::abs(f_old) + params.rel_tolerance)) {
      r.converged = true;
      break;
    }
    if (!Gradient(f, r.x, r.value, params.gradient_step, g_new)) break;
    double sy = 0.0;
    for (size_t i = 0; i < n; ++i) {
      yv[i] = g_new[i] - g[i];
      sy += s[i] * yv[i];
    }
    if (sy > 1e-12 * std::sqrt(std::inner_product(s.begin(), s.end(), s.begin(), 0.0) *
                               std::inner_product(yv.begin(), yv.end(), yv.begin(), 0.0))) {
      double yby = 0.0;
      for (size_t i = 0; i < n; ++i) {
        double v = 0.0;
        for (size_t j = 0; j < n; ++j) v += b[i * n + j] * yv[j];
        by[i] = v;
        yby += yv[i] * v;
      }
      const double c1 = (1.0 + yby / sy) / sy;
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          b[i * n + j] += c1 * s[i] * s[j] - (by[i] * s[j] + s[i] * by[j]) / sy;
        }
      }
      fresh = false;
    }
    g.swap(g_new);
  }
  r.evaluations = f.evaluations;
  return r;
}

}  // namespace streamlens::analysis::forecast
