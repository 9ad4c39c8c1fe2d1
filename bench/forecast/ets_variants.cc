// ETS fitting variants on M4-layout data, for the accuracy comparison with R's forecast::ets
// (bench/forecast/ets_vs_r.sh gives R's numbers on the same split): writes an M4-layout forecast
// file for m4_eval.py and prints the CPU time of the fits.
//
// Usage: ets_variants INPUT.csv OUTPUT.csv VARIANT [HOLDOUT=48] [MAX_SERIES=0] [SKIP=0] [DETAIL]
//   SKIP: series to skip first (e.g. 200 to fit series 201..); DETAIL: a file that receives, per
//   series, the selected model, AICc, log-likelihood, parameters and initial states (one
//   tab-separated "id key value" line each, the layout of bench/forecast/r_ets_detail.R).
//   VARIANT: options joined by '+': default (R's method, EtsOptimizer::kR) | maxit=N (its
//            evaluation budget per model, R: 2000) | boxed (the bounded optimiser that was the
//            default until 2026-11-26 15:00, EtsOptimizer::kBoxed; search-init, fixed-init,
//            seasonal-states, r-init, r-alpha, r-all, top=K and evals=N select it) | usual
//            (R's "usual" bounds only, no admissibility check) | search-init (search the initial
//            level/trend of seasonal models too, as R; "usual+search-init" is the default before
//            2026-11-26) | fixed-init (R's starting level/trend for every model) | seasonal-states
//            (also search the m-1 initial seasonal states, as R) | r-init (seasonal start from the
//            first 3 periods, as R before forecast 8.x) | r-alpha (alpha starts at 0.2/m for every
//            model, as R) | r-all (the last three) | spec=CODE (fit one model, e.g. spec=MAdN) |
//            evals=N (Nelder-Mead budget per model) | top=K (seasonal-state search for the K best
//            seasonal candidates only)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/analysis/forecast/ets.h"

namespace fc = streamlens::analysis::forecast;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: ets_variants INPUT.csv OUTPUT.csv VARIANT [HOLDOUT] [MAX_SERIES]\n";
    return 2;
  }
  const std::string variant = argv[3];
  const int holdout = argc > 4 ? std::atoi(argv[4]) : 48;
  const int max_series = argc > 5 ? std::atoi(argv[5]) : 0;
  const int skip = argc > 6 ? std::atoi(argv[6]) : 0;
  std::ofstream detail;
  detail.precision(10);
  if (argc > 7) detail.open(argv[7]);
  fc::EtsParams p;
  p.period = 24;
  {
    std::stringstream vs(variant);
    std::string opt;
    while (std::getline(vs, opt, '+')) {
      if (opt == "default") {
      } else if (opt == "boxed") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
      } else if (opt.rfind("maxit=", 0) == 0) {
        p.r_max_iterations = std::atoi(opt.c_str() + 6);
      } else if (opt == "seasonal-states") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.optimize_seasonal_states = true;
      } else if (opt == "r-init") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.initial_figure_cycles = 3;
      } else if (opt == "r-alpha") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.r_alpha_start = true;
      } else if (opt == "r-all") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.optimize_seasonal_states = true;
        p.initial_figure_cycles = 3;
        p.r_alpha_start = true;
      } else if (opt == "search-init") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.level_trend_search = fc::EtsStateSearch::kAll;
      } else if (opt == "fixed-init") {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.level_trend_search = fc::EtsStateSearch::kNone;
      } else if (opt == "usual") {
        p.bounds = fc::EtsBounds::kUsual;
      } else if (opt.rfind("spec=", 0) == 0) {
        auto spec = fc::ParseEtsSpec(opt.substr(5));
        if (!spec.ok()) {
          std::cerr << "error: " << spec.status().message() << "\n";
          return 2;
        }
        p.spec = *spec;
      } else if (opt.rfind("top=", 0) == 0) {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.optimize_seasonal_states = true;
        p.seasonal_states_candidates = std::atoi(opt.c_str() + 4);
      } else if (opt.rfind("evals=", 0) == 0) {
        p.optimizer = fc::EtsOptimizer::kBoxed;
        p.max_evaluations = std::atoi(opt.c_str() + 6);
      } else {
        std::cerr << "error: unknown VARIANT option \"" << opt << "\" (see the usage)\n";
        return 2;
      }
    }
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "error: cannot open " << argv[1] << "\n";
    return 1;
  }
  std::ofstream out(argv[2]);
  out << "id";
  for (int i = 1; i <= 48; ++i) out << ",F" << i;
  out << "\n";
  std::string line;
  int count = 0, seen = 0;
  double cpu = 0.0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string id, field;
    std::getline(ss, id, ',');
    std::vector<double> y;
    bool header = false;
    while (std::getline(ss, field, ',')) {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      if (field.size() >= 2 && field.front() == '"') field = field.substr(1, field.size() - 2);
      if (field.empty()) continue;
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      if (end == field.c_str()) {
        header = true;
        break;
      }
      y.push_back(v);
    }
    if (header || static_cast<int>(y.size()) <= holdout) continue;
    if (seen++ < skip) continue;
    y.resize(y.size() - holdout);
    const std::clock_t c0 = std::clock();
    auto m = fc::FitEts(y, p);
    if (!m.ok()) {
      std::cerr << "error: " << id << ": " << m.status().message() << "\n";
      return 1;
    }
    auto f = fc::ForecastEts(*m, 48, std::vector<double>{});
    cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    if (detail.is_open()) {
      detail << id << "\tmethod\t" << m->spec.Name() << "\n";
      detail << id << "\taicc\t" << m->aicc << "\n" << id << "\tloglik\t" << m->loglik << "\n";
      detail << id << "\tpar\talpha=" << m->par.alpha;
      if (m->spec.trend != fc::EtsTrend::kNone) detail << " beta=" << m->par.beta;
      if (m->spec.season != fc::EtsSeason::kNone) detail << " gamma=" << m->par.gamma;
      if (m->spec.trend == fc::EtsTrend::kAdditiveDamped) detail << " phi=" << m->par.phi;
      detail << " l=" << m->initial.level;
      if (m->spec.trend != fc::EtsTrend::kNone) detail << " b=" << m->initial.trend;
      for (size_t j = 0; j + 1 < m->initial.season.size(); ++j) {
        detail << " s" << j << "=" << m->initial.season[j];
      }
      detail << "\n" << id << "\tfc\t";
      for (size_t h = 0; h < f.mean.size(); ++h) detail << (h ? "," : "") << f.mean[h];
      detail << "\n";
    }
    out << id;
    for (double v : f.mean) out << "," << v;
    out << "\n";
    if (max_series > 0 && ++count >= max_series) break;
  }
  std::printf("ets_variants: variant=%s cpu_seconds=%.3f\n", variant.c_str(), cpu);
  return 0;
}
