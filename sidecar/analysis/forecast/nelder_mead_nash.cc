#include "sidecar/analysis/forecast/nelder_mead_nash.h"

#include <cmath>

namespace streamlens::analysis::forecast {
namespace {

constexpr double kBig = 1.0e+35;  // R's optim.c `big`

// R's nmmin state: P has n + 1 rows (coordinates, then the value) by n + 2 columns (vertices,
// then the centroid); the vertex indices L and H are 1-based as in R.
class NashSimplex {
 public:
  NashSimplex(const std::function<double(std::span<const double>)>& f, std::span<const double> x0,
              const NashNelderMeadParams& params)
      : f_(f),
        params_(params),
        n_(static_cast<int>(x0.size())),
        n1_(n_ + 1),
        c_col_(n_ + 2),
        pm_(static_cast<size_t>(n1_) * c_col_),
        bvec_(x0.begin(), x0.end()) {}

  double Eval() const { return f_(std::span<const double>(bvec_.data(), n_)); }
  const std::vector<double>& bvec() const { return bvec_; }

  // Runs nmmin from the start point whose (finite) value is fv.
  NashNelderMeadResult Run(double fv) {
    NashNelderMeadResult result;
    funcount_ = 1;
    const double convtol = params_.rel_tolerance * (std::abs(fv) + params_.rel_tolerance);
    double oldsize = Build(fv);
    bool calcvert = true;
    const char* action = "BUILD          ";
    int L = 1;
    do {
      if (calcvert) {
        for (int j = 0; j < n1_; ++j) {
          if (j + 1 != L) {
            for (int i = 0; i < n_; ++i) bvec_[i] = P(i, j);
            P(n1_ - 1, j) = ValueOf();
          }
        }
        calcvert = false;
      }
      double VL = P(n1_ - 1, L - 1);
      double VH = VL;
      int H = L;
      for (int j = 1; j <= n1_; ++j) {
        if (j != L) {
          const double fj = P(n1_ - 1, j - 1);
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
      if (VH <= VL + convtol || VL <= params_.abs_tolerance) break;
      if (params_.trace) params_.trace(action, funcount_, VH, VL);
      if (!Iterate(L, H, VL, VH, &action, &calcvert, &oldsize)) {
        result.fail = 10;
        break;
      }
    } while (funcount_ <= params_.max_iterations);
    result.value = P(n1_ - 1, L - 1);
    result.x.resize(n_);
    for (int i = 0; i < n_; ++i) result.x[i] = P(i, L - 1);
    if (funcount_ > params_.max_iterations) result.fail = 1;
    result.evaluations = funcount_;
    return result;
  }

 private:
  double& P(int i, int j) { return pm_[static_cast<size_t>(i) * c_col_ + j]; }

  double ValueOf() {
    const double v = Eval();
    ++funcount_;
    return std::isfinite(v) ? v : kBig;
  }

  // The initial simplex around bvec (value fv): one step of 10% of the largest coordinate (0.1
  // when all are 0) along each axis. Returns the simplex size.
  double Build(double fv) {
    P(n1_ - 1, 0) = fv;
    for (int i = 0; i < n_; ++i) P(i, 0) = bvec_[i];
    double size = 0.0;
    double step = 0.0;
    for (int i = 0; i < n_; ++i) {
      if (0.1 * std::abs(bvec_[i]) > step) step = 0.1 * std::abs(bvec_[i]);
    }
    if (step == 0.0) step = 0.1;
    for (int j = 2; j <= n1_; ++j) {
      for (int i = 0; i < n_; ++i) P(i, j - 1) = bvec_[i];
      double trystep = step;
      while (P(j - 2, j - 1) == bvec_[j - 2]) {
        P(j - 2, j - 1) = bvec_[j - 2] + trystep;
        trystep *= 10;
      }
      size += trystep;
    }
    return size;
  }

  // One reflection / extension / reduction / shrink step. False when a shrink failed to reduce
  // the simplex (R's fail code 10).
  bool Iterate(int L, int H, double VL, double VH, const char** action, bool* calcvert,
               double* oldsize) {
    const double alpha = params_.reflection, bet = params_.contraction, gamm = params_.expansion;
    const int c = c_col_ - 1;
    for (int i = 0; i < n_; ++i) {
      double temp = -P(i, H - 1);
      for (int j = 0; j < n1_; ++j) temp += P(i, j);
      P(i, c) = temp / n_;
    }
    for (int i = 0; i < n_; ++i) bvec_[i] = (1.0 + alpha) * P(i, c) - alpha * P(i, H - 1);
    double fr = ValueOf();
    *action = "REFLECTION     ";
    const double VR = fr;
    if (VR < VL) {
      P(n1_ - 1, c) = fr;
      for (int i = 0; i < n_; ++i) {
        const double e = gamm * bvec_[i] + (1 - gamm) * P(i, c);
        P(i, c) = bvec_[i];
        bvec_[i] = e;
      }
      const double fe = ValueOf();
      if (fe < VR) {
        for (int i = 0; i < n_; ++i) P(i, H - 1) = bvec_[i];
        P(n1_ - 1, H - 1) = fe;
        *action = "EXTENSION      ";
      } else {
        for (int i = 0; i < n_; ++i) P(i, H - 1) = P(i, c);
        P(n1_ - 1, H - 1) = VR;
      }
      return true;
    }
    *action = "HI-REDUCTION   ";
    if (VR < VH) {
      for (int i = 0; i < n_; ++i) P(i, H - 1) = bvec_[i];
      P(n1_ - 1, H - 1) = VR;
      *action = "LO-REDUCTION   ";
    }
    for (int i = 0; i < n_; ++i) bvec_[i] = (1 - bet) * P(i, H - 1) + bet * P(i, c);
    const double fc = ValueOf();
    if (fc < P(n1_ - 1, H - 1)) {
      for (int i = 0; i < n_; ++i) P(i, H - 1) = bvec_[i];
      P(n1_ - 1, H - 1) = fc;
      return true;
    }
    if (VR < VH) return true;
    *action = "SHRINK         ";
    *calcvert = true;
    double size = 0.0;
    for (int j = 0; j < n1_; ++j) {
      if (j + 1 != L) {
        for (int i = 0; i < n_; ++i) {
          P(i, j) = bet * (P(i, j) - P(i, L - 1)) + P(i, L - 1);
          size += std::abs(P(i, j) - P(i, L - 1));
        }
      }
    }
    if (size >= *oldsize) return false;
    *oldsize = size;
    return true;
  }

  const std::function<double(std::span<const double>)>& f_;
  const NashNelderMeadParams& params_;
  const int n_, n1_, c_col_;
  std::vector<double> pm_;
  std::vector<double> bvec_;
  int funcount_ = 0;
};

}  // namespace

NashNelderMeadResult MinimizeNelderMeadNash(const std::function<double(std::span<const double>)>& f,
                                            std::span<const double> x0,
                                            const NashNelderMeadParams& params) {
  NashSimplex simplex(f, x0, params);
  NashNelderMeadResult result;
  if (params.max_iterations <= 0) {
    result.value = simplex.Eval();
    result.x = simplex.bvec();
    return result;
  }
  const double fv = simplex.Eval();
  if (!std::isfinite(fv)) {
    result.finite_start = false;
    result.value = kBig;
    result.x = simplex.bvec();
    result.evaluations = 1;
    result.fail = 1;
    return result;
  }
  return simplex.Run(fv);
}

}  // namespace streamlens::analysis::forecast
