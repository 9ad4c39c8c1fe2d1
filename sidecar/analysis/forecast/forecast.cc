#include "sidecar/analysis/forecast/forecast.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>

#include "sidecar/analysis/forecast/auto_arima.h"
#include "sidecar/analysis/forecast/baselines.h"
#include "sidecar/analysis/forecast/ets.h"
#include "sidecar/analysis/forecast/multiseasonal.h"
#include "sidecar/analysis/forecast/prophet.h"

namespace streamlens::analysis::forecast {
namespace {

Status ValidateParams(const ForecastParams& p) {
  if (p.horizon < 1) return Status::Error("horizon must be >= 1, got " + std::to_string(p.horizon));
  if (p.season < 1) return Status::Error("season must be >= 1, got " + std::to_string(p.season));
  for (int s : p.extra_seasons) {
    if (s < 2) return Status::Error("extra season must be >= 2, got " + std::to_string(s));
  }
  for (double l : p.levels) {
    if (!(l > 0.0 && l < 1.0)) {
      return Status::Error("interval level must be in (0, 1), got " + std::to_string(l));
    }
  }
  return Status::Ok();
}

Forecast FlatForecast(double value, const ForecastParams& p) {
  Forecast fc;
  fc.model = "constant";
  fc.mean.assign(p.horizon, value);
  fc.sd.assign(p.horizon, 0.0);
  for (double l : p.levels) {
    fc.intervals.push_back(PredictionInterval{l, fc.mean, fc.mean});
  }
  return fc;
}

// Daily-style primary season with up to 10 harmonics, further seasons with up to 5.
ProphetParams DefaultProphetParams(const ForecastParams& p) {
  ProphetParams pp;
  pp.horizon = p.horizon;
  pp.levels = p.levels;
  if (p.season > 1)
    pp.seasonalities.push_back({static_cast<double>(p.season), std::min(10, p.season / 2)});
  for (int e : p.extra_seasons) {
    if (e != p.season) pp.seasonalities.push_back({static_cast<double>(e), std::min(5, e / 2)});
  }
  return pp;
}

Result<Forecast> RunEts(std::span<const double> y, const ForecastParams& p) {
  EtsParams ep;
  ep.period = p.season;
  Result<EtsModel> model = FitEts(y, ep);
  if (!model.ok()) return model.status();
  return ForecastEts(*model, p.horizon, p.levels);
}

Result<Forecast> RunSingle(std::span<const double> y, const ForecastParams& p, ModelKind kind) {
  switch (kind) {
    case ModelKind::kEts:
      return RunEts(y, p);
    case ModelKind::kArima: {
      AutoArimaParams ap;
      ap.period = p.season;
      Result<AutoArimaResult> fit = AutoArima(y, ap);
      if (!fit.ok()) return fit.status();
      return ForecastArima(fit->model, p.horizon, p.levels);
    }
    case ModelKind::kTheta:
      return ThetaForecast(y, p.season, p.horizon, p.levels);
    case ModelKind::kSnaive:
      return SeasonalNaiveForecast(y, p.season, p.horizon, p.levels);
    case ModelKind::kNaive:
      return SeasonalNaiveForecast(y, 1, p.horizon, p.levels);
    case ModelKind::kProphet:
      return ProphetForecast(y, DefaultProphetParams(p));
    case ModelKind::kMstl: {
      MultiSeasonalParams mp;
      mp.periods = p.extra_seasons;
      mp.periods.push_back(p.season);
      mp.horizon = p.horizon;
      mp.levels = p.levels;
      return MultiSeasonalForecast(y, mp);
    }
    case ModelKind::kGlobal: {
      if (p.global.empty()) {
        return Status::Error("model global needs a pooled fit across series (ForecastBatch)");
      }
      const GlobalModel* m = p.global[0].Find(0);
      if (m == nullptr) return p.global[0].ErrorFor(0);
      return m->Predict(y);
    }
    default:
      return Status::Error(std::string("model ") + ModelKindName(kind) + " is not available");
  }
}

// ---- Automatic default -------------------------------------------------------------------
// Candidates: seasonal naive, seasonal means (2 and 4 cycles) and seasonal medians (5 daily / 3
// weekly cycles) for every period, ARIMA (auto.arima orders), deseasonalised SES with all
// periods and deseasonalised ARIMA with all periods; with a single period (or a series too short
// to validate) also ETS (AICc-selected), Theta and deseasonalised SES with the primary period.
// Each is refitted at K rolling origins (n - H - w * step, w < K; by default K = 6 and step = H,
// i.e. 288 points for hourly data; fewer when the history is short) and scored on the following
// H points by an OWA-like error: (sMAPE + MASE) with the in-sample seasonal-naive scale (MASE
// only when the series has non-positive values). The forecast combines candidates refitted on
// all data with the weights of a greedy ensemble selection over the validation forecasts. ETS
// and the two ARIMA candidates keep the specification chosen on the full series at the
// validation origins.
// Steps of the greedy ensemble selection (the bag size the weights are counted over).
constexpr int kGreedySteps = 8;

struct Candidate {
  std::string name;
  std::function<Result<Forecast>(std::span<const double>)> run;
};

double ScoreWindow(std::span<const double> train, std::span<const double> actual,
                   std::span<const double> pred, int m, bool use_smape) {
  const int n = static_cast<int>(train.size());
  const int lag = n > m ? m : 1;
  double scale = 0.0;
  for (int t = lag; t < n; ++t) scale += std::abs(train[t] - train[t - lag]);
  scale /= std::max(1, n - lag);
  if (!(scale > 0.0)) scale = 1e-12;
  double mae = 0.0, smape = 0.0;
  for (size_t h = 0; h < actual.size(); ++h) {
    const double e = std::abs(actual[h] - pred[h]);
    mae += e;
    const double d = std::abs(actual[h]) + std::abs(pred[h]);
    smape += d > 0 ? 200.0 * e / d : 0.0;
  }
  mae /= static_cast<double>(actual.size());
  smape /= static_cast<double>(actual.size());
  const double mase = mae / scale;
  return use_smape ? 0.5 * (smape / 18.383 + mase / 2.395) : mase;
}

// Weighted average of forecasts (weights sum to 1): means, sds and interval bounds alike.
Forecast Combine(const std::vector<const Forecast*>& parts, const std::vector<double>& weights) {
  Forecast out = *parts[0];
  std::string name = "auto:";
  for (size_t i = 0; i < parts.size(); ++i) name += (i ? "+" : "") + parts[i]->model;
  out.model = name;
  for (size_t h = 0; h < out.mean.size(); ++h) {
    double mean = 0.0, sd = 0.0;
    for (size_t i = 0; i < parts.size(); ++i) {
      mean += weights[i] * parts[i]->mean[h];
      sd += weights[i] * parts[i]->sd[h];
    }
    out.mean[h] = mean;
    out.sd[h] = sd;
    for (size_t l = 0; l < out.intervals.size(); ++l) {
      double lo = 0.0, hi = 0.0;
      for (size_t i = 0; i < parts.size(); ++i) {
        lo += weights[i] * parts[i]->intervals[l].lower[h];
        hi += weights[i] * parts[i]->intervals[l].upper[h];
      }
      out.intervals[l].lower[h] = lo;
      out.intervals[l].upper[h] = hi;
    }
  }
  return out;
}

// The validation layout of one series: its periods and the rolling origins.
struct AutoPlan {
  int n = 0;                 // series length
  int horizon = 0;           // H
  std::vector<int> periods;  // the primary season (when > 1), then the extra seasons
  int step = 0;              // between origins
  int windows = 0;           // validation origins: n - H - w * step, w < windows
  bool single_season_models = false;
  bool positive = false;  // sMAPE is defined: score by (sMAPE + MASE)
  int OriginOf(int w) const { return n - horizon - w * step; }
};

AutoPlan PlanAuto(std::span<const double> y, const ForecastParams& p) {
  AutoPlan plan;
  const int n = static_cast<int>(y.size());
  const int h = p.horizon;
  plan.n = n;
  plan.horizon = h;
  plan.positive = *std::min_element(y.begin(), y.end()) > 0.0;
  if (p.season > 1) plan.periods.push_back(p.season);
  for (int e : p.extra_seasons) {
    if (std::find(plan.periods.begin(), plan.periods.end(), e) == plan.periods.end()) {
      plan.periods.push_back(e);
    }
  }
  const std::vector<int>& periods = plan.periods;
  const int max_period = periods.empty() ? 1 : *std::max_element(periods.begin(), periods.end());
  const int min_train = std::max(2 * p.season + 2, std::min(2 * max_period, n / 2));
  plan.step = p.auto_origin_step > 0 ? p.auto_origin_step : h;
  for (int k = 1; k <= std::max(0, p.auto_origins); ++k) {
    if (plan.OriginOf(k - 1) >= min_train) plan.windows = k;
  }
  // With several usable periods the single-season ETS, Theta and mstl(primary period) are left
  // out: on two M4 Hourly holdouts (docs/benchmark-history.md) they never improved the
  // combination of the multi-seasonal candidates, and ETS's AICc search was the largest CPU item
  // after ARIMA. ETS stays as the fallback when the series is too short to validate.
  plan.single_season_models = periods.size() <= 1 || plan.windows == 0;
  return plan;
}

// Seasonal naive, seasonal means and medians per period (naive without one).
void AddSeasonalBaselines(const AutoPlan& plan, const ForecastParams& p,
                          std::vector<Candidate>* cands) {
  for (int per : plan.periods) {
    cands->push_back({"snaive" + std::to_string(per), [per, &p](std::span<const double> x) {
                        return SeasonalNaiveForecast(x, per, p.horizon, p.levels);
                      }});
  }
  for (int per : plan.periods) {
    for (int k : {2, 4}) {
      cands->push_back({"smean" + std::to_string(per) + "x" + std::to_string(k),
                        [per, k, &p](std::span<const double> x) {
                          return SeasonalMeanForecast(x, per, k, p.horizon, p.levels);
                        }});
    }
  }
  for (int per : plan.periods) {
    // Medians over an odd number of cycles: 5 days for the daily cycle, 3 weeks for the weekly.
    const int k = per == p.season ? 5 : 3;
    cands->push_back({"smedian" + std::to_string(per) + "x" + std::to_string(k),
                      [per, k, &p](std::span<const double> x) {
                        return SeasonalMedianForecast(x, per, k, p.horizon, p.levels);
                      }});
  }
  if (plan.periods.empty()) {
    cands->push_back({"naive", [&p](std::span<const double> x) {
                        return SeasonalNaiveForecast(x, 1, p.horizon, p.levels);
                      }});
  }
}

// ETS (AICc selection once on the full series; validation refits keep that specification) and
// Theta, when single-season models are in.
void AddSingleSeasonModels(std::span<const double> y, const AutoPlan& plan, const ForecastParams& p,
                           std::vector<Candidate>* cands) {
  if (!plan.single_season_models) return;
  std::optional<EtsSpec> ets_spec;
  EtsParams full_params;
  full_params.period = p.season;
  Result<EtsModel> full = FitEts(y, full_params);
  if (full.ok()) ets_spec = full->spec;
  if (ets_spec) {
    cands->push_back({"ets", [&p, ets_spec](std::span<const double> x) -> Result<Forecast> {
                        EtsParams ep;
                        ep.period = p.season;
                        ep.spec = ets_spec;
                        Result<EtsModel> m = FitEts(x, ep);
                        if (!m.ok()) return m.status();
                        return ForecastEts(*m, p.horizon, p.levels);
                      }});
  }
  cands->push_back({"theta", [&p](std::span<const double> x) {
                      return ThetaForecast(x, p.season, p.horizon, p.levels);
                    }});
}

// ARIMA: orders by the stepwise search once on the full series (whose CSS-ML fit is the final
// model); validation refits keep the orders and use CSS, which is ~10x cheaper.
void AddArima(std::span<const double> y, const ForecastParams& p, std::vector<Candidate>* cands) {
  // A narrower search than `--model arima` (seasonal orders <= 1, non-seasonal <= 3): the
  // stepwise search over R's full ranges was ~100 of auto's 140 CPU s on M4 Hourly, and the
  // candidate only has to be good enough to earn weight in the combination.
  AutoArimaParams ap;
  ap.period = p.season;
  ap.max_p = ap.max_q = 3;
  ap.max_P = ap.max_Q = 1;
  Result<AutoArimaResult> full = AutoArima(y, ap);
  if (!full.ok()) return;
  auto arima_full = std::make_shared<const ArimaModel>(std::move(full->model));
  const int n = static_cast<int>(y.size());
  cands->push_back({"arima", [&p, arima_full, n](std::span<const double> x) -> Result<Forecast> {
                      if (static_cast<int>(x.size()) == n) {
                        return ForecastArima(*arima_full, p.horizon, p.levels);
                      }
                      ArimaFitParams fp;
                      fp.order = arima_full->order;
                      fp.method = ArimaMethod::kCss;
                      Result<ArimaModel> m = FitArima(x, fp);
                      if (!m.ok()) return m.status();
                      return ForecastArima(*m, p.horizon, p.levels);
                    }});
}

// Seasonal decompositions: mstl of the primary period (single-season), mstl of every period,
// and the deseasonalised ARIMA (orders searched once on the full series, whose fit is the final
// forecast; validation refits keep the orders and fit by CSS, as the ARIMA candidate does).
void AddDecompositions(std::span<const double> y, const AutoPlan& plan, const ForecastParams& p,
                       std::vector<Candidate>* cands) {
  const std::vector<int>& periods = plan.periods;
  if (p.season > 1 && plan.single_season_models) {
    cands->push_back({"mstl", [&p](std::span<const double> x) {
                        MultiSeasonalParams mp;
                        mp.periods = {p.season};
                        mp.horizon = p.horizon;
                        mp.levels = p.levels;
                        return MultiSeasonalForecast(x, mp);
                      }});
  }
  if (periods.size() > 1) {
    cands->push_back({"mstl-all", [&p, periods](std::span<const double> x) {
                        MultiSeasonalParams mp;
                        mp.periods = periods;
                        mp.horizon = p.horizon;
                        mp.levels = p.levels;
                        return MultiSeasonalForecast(x, mp);
                      }});
  }
  if (periods.empty()) return;
  MultiSeasonalParams mp;
  mp.periods = periods;
  mp.horizon = p.horizon;
  mp.levels = p.levels;
  mp.remainder = MultiSeasonalParams::Remainder::kArima;
  ArimaOrder order;
  mp.searched_order = &order;
  Result<Forecast> full = MultiSeasonalForecast(y, mp);
  if (!full.ok()) return;
  mp.searched_order = nullptr;
  mp.remainder_order = order;
  const int n = static_cast<int>(y.size());
  cands->push_back(
      {"mstl-arima",
       [mp, n, full = std::move(full.value())](std::span<const double> x) -> Result<Forecast> {
         if (static_cast<int>(x.size()) == n) return full;
         return MultiSeasonalForecast(x, mp);
       }});
}

std::vector<Candidate> AutoCandidates(std::span<const double> y, const AutoPlan& plan,
                                      const ForecastParams& p) {
  std::vector<Candidate> cands;
  AddSeasonalBaselines(plan, p, &cands);
  AddSingleSeasonModels(y, plan, p, &cands);
  AddArima(y, p, &cands);
  AddDecompositions(y, plan, p, &cands);
  const int n = static_cast<int>(y.size());
  for (const GlobalModelSet& set : p.global) {
    // Pooled model: at origin n - T the model fitted without the last T points of every series.
    cands.push_back({set.name, [&set, n](std::span<const double> x) -> Result<Forecast> {
                       const int truncation = n - static_cast<int>(x.size());
                       const GlobalModel* m = set.Find(truncation);
                       if (m == nullptr) return set.ErrorFor(truncation);
                       return m->Predict(x);
                     }});
  }
  return cands;
}

// Every candidate's forecasts at the validation origins, and the validation error of an
// equal-weight average of candidates.
struct AutoValidation {
  std::span<const double> y;
  const AutoPlan* plan = nullptr;
  int horizon = 0;
  int season = 1;
  std::vector<std::vector<std::vector<double>>> preds;  // [candidate][origin][step]
  std::vector<double> failed;                           // +inf: the candidate failed somewhere

  double Score(const std::vector<size_t>& members) const {
    const int h = horizon;
    double total = 0.0;
    for (int w = 0; w < plan->windows; ++w) {
      const int origin = plan->OriginOf(w);
      std::vector<double> avg(h, 0.0);
      for (size_t c : members) {
        if (!std::isfinite(failed[c])) return std::numeric_limits<double>::infinity();
        for (int i = 0; i < h; ++i) avg[i] += preds[c][w][i] / members.size();
      }
      total += ScoreWindow(y.first(origin), y.subspan(origin, h), avg, season, plan->positive);
    }
    return total / std::max(1, plan->windows);
  }
};

AutoValidation Validate(std::span<const double> y, const AutoPlan& plan,
                        const std::vector<Candidate>& cands, const ForecastParams& p) {
  const size_t nc = cands.size();
  AutoValidation v;
  v.y = y;
  v.plan = &plan;
  v.horizon = p.horizon;
  v.season = p.season;
  v.preds.assign(nc, std::vector<std::vector<double>>(plan.windows));
  v.failed.assign(nc, 0.0);
  for (int w = 0; w < plan.windows; ++w) {
    std::span<const double> train = y.first(plan.OriginOf(w));
    for (size_t c = 0; c < nc; ++c) {
      Result<Forecast> f = cands[c].run(train);
      if (!f.ok()) {
        v.failed[c] = std::numeric_limits<double>::infinity();
        continue;
      }
      v.preds[c][w] = f->mean;
    }
  }
  return v;
}

// The ensemble: candidate indexes and their (unnormalised) weights.
struct Ensemble {
  std::vector<size_t> chosen;
  std::vector<double> weights;
};

Ensemble SelectEnsemble(const std::vector<Candidate>& cands, const AutoValidation& v) {
  const size_t nc = cands.size();
  Ensemble e;
  if (v.plan->windows == 0) {
    // Too short to validate: ETS when it could be fitted, else the (seasonal) naive forecast.
    e.chosen = {0};
    for (size_t c = 0; c < nc; ++c) {
      if (cands[c].name == "ets") e.chosen = {c};
    }
    e.weights = {1.0};
    return e;
  }
  // Ensemble selection with replacement (Caruana et al. 2004): kGreedySteps times, add the
  // candidate whose inclusion gives the equal-weight average of the bag the lowest validation
  // error; a candidate's weight is its share of the bag. Ties go to the better single model.
  std::vector<size_t> order(nc);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> single(nc);
  for (size_t c = 0; c < nc; ++c) single[c] = v.Score({c});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return single[a] < single[b]; });
  std::vector<size_t> bag;
  std::vector<int> count(nc, 0);
  for (int s = 0; s < kGreedySteps; ++s) {
    double best = std::numeric_limits<double>::infinity();
    size_t best_c = nc;
    for (size_t c : order) {
      if (!std::isfinite(single[c])) continue;
      bag.push_back(c);
      const double score = v.Score(bag);
      bag.pop_back();
      if (score < best) {
        best = score;
        best_c = c;
      }
    }
    if (best_c == nc) break;
    bag.push_back(best_c);
    ++count[best_c];
  }
  for (size_t c : order) {
    if (count[c] > 0) {
      e.chosen.push_back(c);
      e.weights.push_back(count[c]);
    }
  }
  if (e.chosen.empty()) {
    e.chosen = {order[0]};
    e.weights = {1.0};
  }
  return e;
}

void FillTrace(std::span<const double> y, const std::vector<Candidate>& cands,
               const AutoValidation& v, AutoTrace* tr) {
  const size_t nc = cands.size();
  const int windows = v.plan->windows;
  tr->candidates.clear();
  tr->origins.clear();
  for (const Candidate& c : cands) tr->candidates.push_back(c.name);
  for (int w = 0; w < windows; ++w) tr->origins.push_back(v.plan->OriginOf(w));
  tr->validation = v.preds;
  tr->scores.assign(nc, std::numeric_limits<double>::infinity());
  for (size_t c = 0; c < nc && windows > 0; ++c) tr->scores[c] = v.Score({c});
  tr->finals.clear();
  if (tr->all_finals) {
    for (const Candidate& c : cands) {
      Result<Forecast> f = c.run(y);
      tr->finals.push_back(f.ok() ? f->mean : std::vector<double>());
    }
  }
}

Result<Forecast> RunAuto(std::span<const double> y, const ForecastParams& p) {
  const AutoPlan plan = PlanAuto(y, p);
  const std::vector<Candidate> cands = AutoCandidates(y, plan, p);
  const AutoValidation validation = Validate(y, plan, cands, p);
  const Ensemble ensemble = SelectEnsemble(cands, validation);
  if (p.trace != nullptr) FillTrace(y, cands, validation, p.trace);
  std::vector<Forecast> finals;
  std::vector<double> final_weights;
  for (size_t i = 0; i < ensemble.chosen.size(); ++i) {
    Result<Forecast> f = cands[ensemble.chosen[i]].run(y);
    if (!f.ok()) continue;
    finals.push_back(std::move(f.value()));
    final_weights.push_back(ensemble.weights[i]);
  }
  if (finals.empty()) return SeasonalNaiveForecast(y, p.season, p.horizon, p.levels);
  const double wsum = std::accumulate(final_weights.begin(), final_weights.end(), 0.0);
  for (double& w : final_weights) w /= wsum;
  std::vector<const Forecast*> parts;
  for (const Forecast& f : finals) parts.push_back(&f);
  Forecast out = Combine(parts, final_weights);
  if (p.trace != nullptr) p.trace->chosen = out.model;
  return out;
}

}  // namespace

Result<ModelKind> ParseModelKind(const std::string& name) {
  for (ModelKind k :
       {ModelKind::kAuto, ModelKind::kEts, ModelKind::kArima, ModelKind::kTheta, ModelKind::kSnaive,
        ModelKind::kNaive, ModelKind::kMstl, ModelKind::kProphet, ModelKind::kGlobal}) {
    if (name == ModelKindName(k)) return k;
  }
  return Status::Error("model \"" + name +
                       "\": expected auto|ets|arima|theta|snaive|naive|mstl|prophet|global");
}

const char* ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kAuto:
      return "auto";
    case ModelKind::kEts:
      return "ets";
    case ModelKind::kArima:
      return "arima";
    case ModelKind::kTheta:
      return "theta";
    case ModelKind::kProphet:
      return "prophet";
    case ModelKind::kSnaive:
      return "snaive";
    case ModelKind::kNaive:
      return "naive";
    case ModelKind::kMstl:
      return "mstl";
    case ModelKind::kGlobal:
      return "global";
  }
  return "unknown";
}

Result<Forecast> ForecastSeries(std::span<const double> y, const ForecastParams& params) {
  STREAMLENS_RETURN_IF_ERROR(ValidateParams(params));
  if (y.empty()) return Status::Error("series is empty");
  for (size_t t = 0; t < y.size(); ++t) {
    if (!std::isfinite(y[t])) {
      return Status::Error("observation " + std::to_string(t) + " is not finite (NaN or inf)");
    }
  }
  if (std::all_of(y.begin(), y.end(), [&](double v) { return v == y[0]; })) {
    return FlatForecast(y[0], params);
  }
  if (params.model == ModelKind::kAuto) return RunAuto(y, params);
  return RunSingle(y, params, params.model);
}

}  // namespace streamlens::analysis::forecast

namespace streamlens::analysis::forecast {

std::vector<GlobalModelParams> ForecastParams::DefaultGlobalModels() {
  static const std::vector<GlobalModelParams> kModels = [] {
    Result<std::vector<GlobalModelParams>> d = ParseGlobalModels(kDefaultGlobalModels);
    return d.ok() ? d.value() : std::vector<GlobalModelParams>();
  }();
  return kModels;
}

Result<std::vector<GlobalModelSet>> FitPooledModels(std::span<const std::span<const double>> series,
                                                    const ForecastParams& params, int threads) {
  STREAMLENS_RETURN_IF_ERROR(ValidateParams(params));
  if (series.empty()) return Status::Error("no series to fit a pooled model on");
  std::vector<int> truncations = {0};
  if (params.model == ModelKind::kAuto) {
    const int step = params.auto_origin_step > 0 ? params.auto_origin_step : params.horizon;
    for (int w = 0; w < params.auto_origins; ++w) truncations.push_back(params.horizon + w * step);
  }
  // kGlobal only uses the first set.
  const size_t count = params.model == ModelKind::kGlobal
                           ? std::min<size_t>(1, params.global_models.size())
                           : params.global_models.size();
  std::vector<GlobalModelSet> out(count);
  std::vector<Status> errors(count, Status::Ok());
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < count; i = next++) {
      GlobalModelParams gp = params.global_models[i];
      gp.horizon = params.horizon;
      gp.levels = params.levels;
      if (gp.lags <= 0) {
        int longest = params.season;
        for (int e : params.extra_seasons) longest = std::max(longest, e);
        const double raw = std::max(longest, params.horizon) * std::max(0.0, gp.lag_cycles);
        const int unit = std::max(1, params.season);  // nearest whole number of primary seasons
        gp.lags = std::max(1, static_cast<int>(std::lround(raw / unit))) * unit;
        gp.level_window = std::min(gp.level_window, gp.lags);
      }
      if (gp.deseasonalize && gp.periods.empty()) {
        gp.periods = {params.season};
        gp.periods.insert(gp.periods.end(), params.extra_seasons.begin(),
                          params.extra_seasons.end());
      }
      Result<std::vector<Result<GlobalModel>>> fit = FitGlobalModels(series, truncations, gp);
      if (!fit.ok()) {
        errors[i] = fit.status();
        continue;
      }
      out[i].name = i == 0 ? "global" : "global" + std::to_string(i + 1);
      out[i].truncations = truncations;
      out[i].models = std::move(fit.value());
    }
  };
  const size_t n_threads = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), count);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n_threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const Status& e : errors) {
    if (!e.ok()) return e;
  }
  return out;
}

Result<std::vector<Result<Forecast>>> ForecastBatch(std::span<const std::span<const double>> series,
                                                    const ForecastParams& params,
                                                    const BatchOptions& options) {
  STREAMLENS_RETURN_IF_ERROR(ValidateParams(params));
  if (series.empty()) return Status::Error("no series to forecast");
  const bool pooled = params.model == ModelKind::kGlobal ||
                      (params.model == ModelKind::kAuto && series.size() >= 2);
  std::vector<GlobalModelSet> global;
  ForecastParams p = params;
  if (pooled && params.global.empty()) {
    Result<std::vector<GlobalModelSet>> fit = FitPooledModels(series, params, options.threads);
    if (!fit.ok()) return fit.status();
    global = std::move(fit.value());
    p.global = global;
  } else if (!pooled) {
    p.global = {};
  }
  std::vector<Result<Forecast>> results(series.size(), Status::Error("not run"));
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  auto worker = [&]() {
    for (size_t i = next++; i < series.size(); i = next++) {
      results[i] = ForecastSeries(series[i], p);
      const size_t d = ++done;
      if (options.progress) {
        std::lock_guard<std::mutex> lock(mu);
        options.progress(d, series.size());
      }
    }
  };
  const size_t n_threads =
      std::min<size_t>(static_cast<size_t>(std::max(1, options.threads)), series.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  return results;
}

}  // namespace streamlens::analysis::forecast
