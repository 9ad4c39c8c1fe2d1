// Dumps the automatic default's internals on M4-layout data for offline analysis of selection
// rules (bench/forecast/auto_rules.py): per series, every candidate's point forecasts at each
// rolling origin, its validation score, and its forecast from all data (the holdout forecast).
//
// Usage: auto_trace INPUT.csv OUTPUT.jsonl [HOLDOUT=48] [HORIZON=48] [SEASON=24]
//        [EXTRA_SEASON=168] [THREADS=2] [MAX_SERIES=0] [ORIGINS=3] [ORIGIN_STEP=0]
//        [GLOBAL=kDefaultGlobalModels, i.e. logstd:2,log:2,log:1,logstd:1,dslog:1,dslogstd:2]
// ORIGINS and ORIGIN_STEP set ForecastParams::auto_origins / auto_origin_step. GLOBAL lists the
// pooled models fitted across all series first (FitPooledModels) and offered as candidates
// "global", "global2", ... (forecast.h's ParseGlobalModels syntax NORM:CYCLES[:RIDGE], default
// kDefaultGlobalModels); "none" = no pooled candidate (the pool of `auto` before them).
// The last HOLDOUT points of each series are removed before anything is fitted, so the dump
// never sees them; auto_rules.py scores against them.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/analysis/forecast/forecast.h"

namespace fc = streamlens::analysis::forecast;

namespace {

void WriteVec(std::ostream& out, const std::vector<double>& v) {
  out << '[';
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%.10g", v[i]);
    out << (i ? "," : "") << buf;
  }
  out << ']';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: auto_trace INPUT.csv OUTPUT.jsonl [HOLDOUT] [HORIZON] [SEASON] "
                 "[EXTRA_SEASON] [THREADS] [MAX_SERIES] [ORIGINS] [ORIGIN_STEP]\n";
    return 2;
  }
  const int holdout = argc > 3 ? std::atoi(argv[3]) : 48;
  const int horizon = argc > 4 ? std::atoi(argv[4]) : 48;
  const int season = argc > 5 ? std::atoi(argv[5]) : 24;
  const int extra = argc > 6 ? std::atoi(argv[6]) : 168;
  const int threads = argc > 7 ? std::atoi(argv[7]) : 2;
  const int max_series = argc > 8 ? std::atoi(argv[8]) : 0;
  const int origins = argc > 9 ? std::atoi(argv[9]) : 3;
  const int origin_step = argc > 10 ? std::atoi(argv[10]) : 0;
  const std::string global_spec = argc > 11 ? argv[11] : fc::kDefaultGlobalModels;
  std::vector<fc::GlobalModelParams> global_models;
  if (global_spec != "none") {
    auto parsed = fc::ParseGlobalModels(global_spec);
    if (!parsed.ok()) {
      std::cerr << "error: GLOBAL: " << parsed.status().message() << "\n";
      return 2;
    }
    global_models = std::move(parsed.value());
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "error: cannot open " << argv[1] << "\n";
    return 1;
  }
  std::vector<std::string> ids;
  std::vector<std::vector<double>> series;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string field, id;
    std::getline(ss, id, ',');
    std::vector<double> v;
    bool header = false;
    while (std::getline(ss, field, ',')) {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      if (field.size() >= 2 && field.front() == '"') field = field.substr(1, field.size() - 2);
      if (field.empty() || field == "NA") continue;
      char* end = nullptr;
      const double x = std::strtod(field.c_str(), &end);
      if (end == field.c_str()) {
        header = true;
        break;
      }
      v.push_back(x);
    }
    if (header || v.empty()) continue;
    if (static_cast<int>(v.size()) <= holdout) continue;
    v.resize(v.size() - holdout);
    if (id.size() >= 2 && id.front() == '"') id = id.substr(1, id.size() - 2);
    ids.push_back(id);
    series.push_back(std::move(v));
    if (max_series > 0 && static_cast<int>(ids.size()) >= max_series) break;
  }
  fc::ForecastParams base;
  base.horizon = horizon;
  base.season = season;
  if (extra > 1) base.extra_seasons = {extra};
  base.auto_origins = origins;
  base.auto_origin_step = origin_step;
  base.global_models = global_models;
  std::vector<fc::GlobalModelSet> global;
  if (!global_models.empty()) {
    std::vector<std::span<const double>> spans(series.begin(), series.end());
    auto fit = fc::FitPooledModels(spans, base, threads);
    if (!fit.ok()) {
      std::cerr << "error: " << fit.status().message() << "\n";
      return 1;
    }
    global = std::move(fit.value());
  }
  base.global = global;
  std::vector<std::string> lines(series.size());
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < series.size(); i = next++) {
      fc::AutoTrace tr;
      tr.all_finals = true;
      fc::ForecastParams p = base;
      p.trace = &tr;
      auto r = fc::ForecastSeries(series[i], p);
      std::ostringstream out;
      out << "{\"id\":\"" << ids[i] << "\",\"n\":" << series[i].size();
      if (!r.ok()) {
        out << ",\"error\":\"" << r.status().message() << "\"}";
        lines[i] = out.str();
        continue;
      }
      out << ",\"chosen\":\"" << tr.chosen << "\",\"auto\":";
      WriteVec(out, r->mean);
      out << ",\"origins\":[";
      for (size_t k = 0; k < tr.origins.size(); ++k) out << (k ? "," : "") << tr.origins[k];
      out << "],\"candidates\":{";
      for (size_t c = 0; c < tr.candidates.size(); ++c) {
        out << (c ? "," : "") << "\"" << tr.candidates[c] << "\":{\"score\":";
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.10g", tr.scores[c]);
        out << (std::isfinite(tr.scores[c]) ? buf : "null") << ",\"validation\":[";
        for (size_t w = 0; w < tr.validation[c].size(); ++w) {
          if (w) out << ",";
          WriteVec(out, tr.validation[c][w]);
        }
        out << "],\"final\":";
        WriteVec(out, c < tr.finals.size() ? tr.finals[c] : std::vector<double>());
        out << "}";
      }
      out << "}}";
      lines[i] = out.str();
      if ((i + 1) % 50 == 0) std::cerr << "auto_trace: " << i + 1 << "/" << series.size() << "\n";
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  std::ofstream out(argv[2]);
  for (const std::string& l : lines) out << l << "\n";
  return 0;
}
