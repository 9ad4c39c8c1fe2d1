// ETS fitting variants on M4-layout data, for the accuracy comparison with R's forecast::ets
// (bench/forecast/ets_vs_r.sh gives R's numbers on the same split): writes an M4-layout forecast
// file for m4_eval.py and prints the CPU time of the fits.
//
// Usage: ets_variants INPUT.csv OUTPUT.csv VARIANT [HOLDOUT=48] [MAX_SERIES=0]
//   VARIANT: default | seasonal-states (also search the m-1 initial seasonal states, as R) |
//            r-init (seasonal start from the first 3 periods, as R) | r-alpha (alpha starts at
//            0.2/m for every model, as R) | r-all (all three)
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
  if (variant != "default" && variant != "seasonal-states" && variant != "r-init" &&
      variant != "r-alpha" && variant != "r-all") {
    std::cerr << "error: VARIANT must be default|seasonal-states|r-init|r-alpha|r-all\n";
    return 2;
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
  int count = 0;
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
    y.resize(y.size() - holdout);
    fc::EtsParams p;
    p.period = 24;
    p.optimize_seasonal_states = variant == "seasonal-states" || variant == "r-all";
    if (variant == "r-init" || variant == "r-all") p.initial_figure_cycles = 3;
    p.r_alpha_start = variant == "r-alpha" || variant == "r-all";
    const std::clock_t c0 = std::clock();
    auto m = fc::FitEts(y, p);
    if (!m.ok()) {
      std::cerr << "error: " << id << ": " << m.status().message() << "\n";
      return 1;
    }
    auto f = fc::ForecastEts(*m, 48, std::vector<double>{});
    cpu += static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    out << id;
    for (double v : f.mean) out << "," << v;
    out << "\n";
    if (max_series > 0 && ++count >= max_series) break;
  }
  std::printf("ets_variants: variant=%s cpu_seconds=%.3f\n", variant.c_str(), cpu);
  return 0;
}
