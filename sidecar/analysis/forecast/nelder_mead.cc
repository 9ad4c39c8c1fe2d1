#include "sidecar/analysis/forecast/nelder_mead.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace streamlens::analysis::forecast {
namespace {

double Evaluate(const std::function<double(std::span<const double>)>& f,
                std::span<const double> x) {
  const double v = f(x);
  return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
}

void Project(std::span<double> x, std::span<const double> lower, std::span<const double> upper) {
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::clamp(x[i], lower[i], upper[i]);
}

}  // namespace

NelderMeadResult MinimizeNelderMead(const std::function<double(std::span<const double>)>& f,
                                    std::span<const double> x0, std::span<const double> lower,
                                    std::span<const double> upper, const NelderMeadParams& params) {
  const size_t n = x0.size();
  NelderMeadResult result;
  // Simplex stored row-major: n+1 vertices of n coordinates.
  std::vector<double> simplex((n + 1) * n);
  std::vector<double> values(n + 1);
  auto vertex = [&](size_t i) { return std::span<double>(simplex.data() + i * n, n); };

  std::copy(x0.begin(), x0.end(), simplex.begin());
  Project(vertex(0), lower, upper);
  values[0] = Evaluate(f, vertex(0));
  int evals = 1;
  for (size_t i = 0; i < n; ++i) {
    auto v = vertex(i + 1);
    std::copy(simplex.begin(), simplex.begin() + n, v.begin());
    double step = i < params.step.size() ? params.step[i] : 0.1;
    if (step == 0.0) step = 0.1;
    if (v[i] + step > upper[i]) step = -step;
    v[i] += step;
    Project(v, lower, upper);
    values[i + 1] = Evaluate(f, v);
    ++evals;
  }

  std::vector<size_t> order(n + 1);
  std::vector<double> centroid(n), trial(n), trial2(n);
  while (true) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return values[a] < values[b]; });
    const size_t best = order[0], worst = order[n], second_worst = order[n - 1];
    const double fb = values[best], fw = values[worst];
    if (std::isfinite(fw) &&
        fw - fb <= params.rel_tolerance * (std::abs(fb) + params.rel_tolerance)) {
      result.converged = true;
      break;
    }
    if (evals >= params.max_evaluations) break;

    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (size_t i = 0; i <= n; ++i) {
      if (i == worst) continue;
      auto v = vertex(i);
      for (size_t j = 0; j < n; ++j) centroid[j] += v[j];
    }
    for (size_t j = 0; j < n; ++j) centroid[j] /= static_cast<double>(n);

    auto w = vertex(worst);
    for (size_t j = 0; j < n; ++j) trial[j] = centroid[j] + (centroid[j] - w[j]);
    Project(trial, lower, upper);
    const double fr = Evaluate(f, trial);
    ++evals;
    if (fr < fb) {
      for (size_t j = 0; j < n; ++j) trial2[j] = centroid[j] + 2.0 * (centroid[j] - w[j]);
      Project(trial2, lower, upper);
      const double fe = Evaluate(f, trial2);
      ++evals;
      if (fe < fr) {
        std::copy(trial2.begin(), trial2.end(), w.begin());
        values[worst] = fe;
      } else {
        std::copy(trial.begin(), trial.end(), w.begin());
        values[worst] = fr;
      }
      continue;
    }
    if (fr < values[second_worst]) {
      std::copy(trial.begin(), trial.end(), w.begin());
      values[worst] = fr;
      continue;
    }
    // Contraction: outside if the reflection improved on the worst, inside otherwise.
    const bool outside = fr < fw;
    for (size_t j = 0; j < n; ++j) {
      trial2[j] = outside ? centroid[j] + 0.5 * (trial[j] - centroid[j])
                          : centroid[j] + 0.5 * (w[j] - centroid[j]);
    }
    Project(trial2, lower, upper);
    const double fc = Evaluate(f, trial2);
    ++evals;
    if (fc < (outside ? fr : fw)) {
      std::copy(trial2.begin(), trial2.end(), w.begin());
      values[worst] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    auto b = vertex(best);
    for (size_t i = 0; i <= n; ++i) {
      if (i == best) continue;
      auto v = vertex(i);
      for (size_t j = 0; j < n; ++j) v[j] = b[j] + 0.5 * (v[j] - b[j]);
      values[i] = Evaluate(f, v);
      ++evals;
    }
  }
  const size_t best =
      static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  result.x.assign(vertex(best).begin(), vertex(best).end());
  result.value = values[best];
  result.evaluations = evals;
  return result;
}

}  // namespace streamlens::analysis::forecast
