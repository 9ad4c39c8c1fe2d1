#include "sidecar/analysis/forecast/nelder_mead_nash.h"

#include <cmath>

namespace streamlens::analysis::forecast {
namespace {

constexpr double kBig = 1.0e+35;  // R's optim.c `big`

}  // namespace

NashNelderMeadResult MinimizeNelderMeadNash(const std::function<double(std::span<const double>)>& f,
                                            std::span<const double> x0,
                                            const NashNelderMeadParams& params) {
  const int n = static_cast<int>(x0.size());
  NashNelderMeadResult result;
  std::vector<double> bvec(x0.begin(), x0.end());
  auto eval = [&]() { return f(std::span<const double>(bvec.data(), n)); };
  if (params.max_iterations <= 0) {
    result.value = eval();
    result.x = bvec;
    return result;
  }
  double fv = eval();
  if (!std::isfinite(fv)) {
    result.finite_start = false;
    result.value = kBig;
    result.x = bvec;
    result.evaluations = 1;
    result.fail = 1;
    return result;
  }
  // R's P: n + 1 rows (coordinates, then the value) by n + 2 columns (vertices, then the
  // centroid), 1-based indices L, H, C as in R.
  const int n1 = n + 1;
  const int c_col = n + 2;
  std::vector<double> pm(static_cast<size_t>(n1) * c_col);
  auto P = [&](int i, int j) -> double& { return pm[static_cast<size_t>(i) * c_col + j]; };
  int funcount = 1;
  const double convtol = params.rel_tolerance * (std::abs(fv) + params.rel_tolerance);
  P(n1 - 1, 0) = fv;
  for (int i = 0; i < n; ++i) P(i, 0) = bvec[i];
  int L = 1;
  double size = 0.0;
  double step = 0.0;
  for (int i = 0; i < n; ++i) {
    if (0.1 * std::abs(bvec[i]) > step) step = 0.1 * std::abs(bvec[i]);
  }
  if (step == 0.0) step = 0.1;
  for (int j = 2; j <= n1; ++j) {
    for (int i = 0; i < n; ++i) P(i, j - 1) = bvec[i];
    double trystep = step;
    while (P(j - 2, j - 1) == bvec[j - 2]) {
      P(j - 2, j - 1) = bvec[j - 2] + trystep;
      trystep *= 10;
    }
    size += trystep;
  }
  double oldsize = size;
  bool calcvert = true;
  const char* action = "BUILD          ";
  const double alpha = params.reflection, bet = params.contraction, gamm = params.expansion;
  auto value_of = [&]() {
    const double v = eval();
    ++funcount;
    return std::isfinite(v) ? v : kBig;
  };
  do {
    if (calcvert) {
      for (int j = 0; j < n1; ++j) {
        if (j + 1 != L) {
          for (int i = 0; i < n; ++i) bvec[i] = P(i, j);
          P(n1 - 1, j) = value_of();
        }
      }
      calcvert = false;
    }
    double VL = P(n1 - 1, L - 1);
    double VH = VL;
    int H = L;
    for (int j = 1; j <= n1; ++j) {
      if (j != L) {
        const double fj = P(n1 - 1, j - 1);
        if (fj < VL) {
          L = j;
          VL = fj;
        }
        if (fj > VH) {
          H = j;
          VH = fj;
        }
      }
    }
    if (VH <= VL + convtol || VL <= params.abs_tolerance) break;
    if (params.trace) params.trace(action, funcount, VH, VL);

    for (int i = 0; i < n; ++i) {
      double temp = -P(i, H - 1);
      for (int j = 0; j < n1; ++j) temp += P(i, j);
      P(i, c_col - 1) = temp / n;
    }
    for (int i = 0; i < n; ++i) bvec[i] = (1.0 + alpha) * P(i, c_col - 1) - alpha * P(i, H - 1);
    double fr = value_of();
    action = "REFLECTION     ";
    const double VR = fr;
    if (VR < VL) {
      P(n1 - 1, c_col - 1) = fr;
      for (int i = 0; i < n; ++i) {
        const double e = gamm * bvec[i] + (1 - gamm) * P(i, c_col - 1);
        P(i, c_col - 1) = bvec[i];
        bvec[i] = e;
      }
      const double fe = value_of();
      if (fe < VR) {
        for (int i = 0; i < n; ++i) P(i, H - 1) = bvec[i];
        P(n1 - 1, H - 1) = fe;
        action = "EXTENSION      ";
      } else {
        for (int i = 0; i < n; ++i) P(i, H - 1) = P(i, c_col - 1);
        P(n1 - 1, H - 1) = VR;
      }
    } else {
      action = "HI-REDUCTION   ";
      if (VR < VH) {
        for (int i = 0; i < n; ++i) P(i, H - 1) = bvec[i];
        P(n1 - 1, H - 1) = VR;
        action = "LO-REDUCTION   ";
      }
      for (int i = 0; i < n; ++i) bvec[i] = (1 - bet) * P(i, H - 1) + bet * P(i, c_col - 1);
      const double fc = value_of();
      if (fc < P(n1 - 1, H - 1)) {
        for (int i = 0; i < n; ++i) P(i, H - 1) = bvec[i];
        P(n1 - 1, H - 1) = fc;
      } else if (VR >= VH) {
        action = "SHRINK         ";
        calcvert = true;
        size = 0.0;
        for (int j = 0; j < n1; ++j) {
          if (j + 1 != L) {
            for (int i = 0; i < n; ++i) {
              P(i, j) = bet * (P(i, j) - P(i, L - 1)) + P(i, L - 1);
              size += std::abs(P(i, j) - P(i, L - 1));
            }
          }
        }
        if (size < oldsize) {
          oldsize = size;
        } else {
          result.fail = 10;
          break;
        }
      }
    }
  } while (funcount <= params.max_iterations);

  result.value = P(n1 - 1, L - 1);
  result.x.resize(n);
  for (int i = 0; i < n; ++i) result.x[i] = P(i, L - 1);
  if (funcount > params.max_iterations) result.fail = 1;
  result.evaluations = funcount;
  return result;
}

}  // namespace streamlens::analysis::forecast
