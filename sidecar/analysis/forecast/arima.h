// Seasonal ARIMA(p,d,q)(P,D,Q)[m] with an optional constant, fitted as R's stats::arima does:
// conditional sum of squares (CSS), exact Gaussian likelihood (ML) by a Kalman filter on the
// state-space form of the ARMA part, or CSS for starting values then ML (CSS-ML, R's default).
//
// Conventions follow R: x_t differenced d times at lag 1 and D times at lag m is an ARMA process
// phi(B) Phi(B^m) w_t = theta(B) Theta(B^m) e_t with phi(B) = 1 - sum ar_i B^i and
// theta(B) = 1 + sum ma_j B^j. The constant is the mean when d + D = 0 and a drift per step
// (coefficient of t = 1..n, R's xreg "drift") when d + D = 1; it is not allowed otherwise.
// The exact likelihood is that of the differenced series (R's diffuse prior, kappa = 1e6, gives
// the same value up to ~1e-6); AR parts are kept stationary during ML by R's PACF
// reparametrisation and MA parts are inverted to invertibility afterwards, as R does.
// Forecasts: the Kalman state at the end of the sample, then the differencing undone; intervals
// from the psi-weights of the full model (R's KalmanForecast agrees for all but tiny samples).
// All functions are pure and thread-compatible.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

struct ArimaOrder {
  int p = 0, d = 0, q = 0;
  int P = 0, D = 0, Q = 0;
  int period = 1;         // m; seasonal orders must be 0 when period is 1
  bool constant = false;  // mean (d + D = 0) or drift (d + D = 1)
  // R's notation, e.g. "ARIMA(2,0,1)(1,1,0)[24] with drift".
  std::string Name() const;
};

enum class ArimaMethod { kCss, kMl, kCssMl };

struct ArimaFitParams {
  ArimaOrder order;
  ArimaMethod method = ArimaMethod::kCssMl;
  int max_iterations = 100;  // BFGS iterations per stage (R's optim default)
};

struct ArimaModel {
  ArimaOrder order;
  ArimaMethod method = ArimaMethod::kCssMl;
  std::vector<double> ar, ma, sar, sma;  // R's ar1.., ma1.., sar1.., sma1..
  double constant = 0.0;                 // intercept or drift (0 without a constant)
  int n = 0;                             // observations
  int n_used = 0;                        // n - d - D m (R's nobs)
  int num_coef = 0;                      // estimated coefficients (ARMA + constant)
  // ML: R's log-likelihood, aic = -2 loglik + 2 (num_coef + 1), aicc, bic as forecast::Arima.
  // CSS: loglik is R's CSS value -0.5 (n_used log(2 pi sigma2) + n_used), the information
  // criteria are computed from it the same way (R reports NA; auto_arima.h adds its offset).
  double loglik = 0.0, aic = 0.0, aicc = 0.0, bic = 0.0;
  double sigma2 = 0.0;  // stats::arima: ML ssq / n_used; CSS ssq / (conditioned count)
  // forecast::Arima's variance used for intervals: sum(resid^2) / (n_used - num_coef).
  double sigma2_forecast = 0.0;
  double css = 0.0;  // CSS mean square at the CSS estimate (0 for pure ML fits)
  // Forecasting state (filled by every fit): expanded polynomials, differencing polynomial
  // (u_t = sum delta_i u_{t-i} + w_t), predicted ARMA state for time n + 1 and the last
  // delta.size() values of the series minus its constant term.
  std::vector<double> phi, theta, delta;
  std::vector<double> state;
  std::vector<double> tail;
};

// Errors: invalid orders (negative, seasonal without period > 1, constant with d + D > 1),
// non-finite values, too few observations for the orders (n_used must exceed the number of
// coefficients + the conditioning count), a non-stationary AR estimate from CSS when refining
// by ML (R's "non-stationary AR part from CSS"), or no finite objective.
Result<ArimaModel> FitArima(std::span<const double> y, const ArimaFitParams& params);

// Point forecasts and intervals at `levels` (each in (0, 1)), using sigma2_forecast.
Forecast ForecastArima(const ArimaModel& model, int horizon, std::span<const double> levels);

// Smallest modulus among the roots of the model's AR and MA polynomials (2 when there are none),
// as forecast::auto.arima checks (it rejects models with a root inside 1.01).
double ArimaMinRoot(const ArimaModel& model);

// The coefficients delta of (1 - B)^d (1 - B^period)^D, so that the differenced series is
// y_t - sum_i delta_i y_{t-1-i} (ArimaModel::delta).
std::vector<double> ArimaDifferencing(int d, int D, int period);

// Expanded AR/MA coefficients of the multiplicative seasonal model (R's ARIMA_transPars).
void ExpandArima(std::span<const double> ar, std::span<const double> ma,
                 std::span<const double> sar, std::span<const double> sma, int period,
                 std::vector<double>& phi, std::vector<double>& theta);

}  // namespace streamlens::analysis::forecast
