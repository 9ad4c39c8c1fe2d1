// `streamlens-sidecar decompose`: STL (one period) or MSTL (several, comma-separated) of every
// series of a CSV file, written as long CSV series,timestamp,value,trend,seasonal,remainder.
// The stderr summary's compute_seconds covers the decomposition only (not parsing or writing).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/status.h"
#include "sidecar/analysis/decompose/mstl.h"
#include "sidecar/analysis/decompose/stl.h"
#include "sidecar/cli/csv_io.h"

namespace streamlens::sidecar {
namespace {

Result<std::vector<int>> ParsePeriods(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    char* end = nullptr;
    const long v = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || v < 2 || v > 100000000) {
      return Status::Error("--period: expected an integer >= 2 (or a comma list), got \"" + text +
                           "\"");
    }
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) return Status::Error("--period is required (points per seasonal cycle)");
  return out;
}

struct DecomposeFlags {
  std::string input, output = "-", period_text, seasonal_window = "periodic";
  int64_t trend_window = 0, lowpass_window = 0, seasonal_degree = 0, trend_degree = 1;
  int64_t inner = -1, outer = -1;
  bool robust = false;
};

void RegisterDecomposeFlags(FlagSet& flags, DecomposeFlags* f) {
  flags.String("input", &f->input, "CSV: timestamp,value or timestamp,s1,s2,...");
  flags.String("output", &f->output,
               "long CSV series,timestamp,value,trend,seasonal,remainder (- = stdout)");
  flags.String("period", &f->period_text,
               "points per seasonal cycle; a comma list (1440,10080) runs MSTL");
  flags.String("seasonal-window", &f->seasonal_window,
               "odd integer >= 3, or periodic (STL s.window)");
  flags.Int("seasonal-degree", &f->seasonal_degree, "0 or 1 (s.degree)");
  flags.Int("trend-window", &f->trend_window, "odd integer >= 3; 0 = R's default (t.window)");
  flags.Int("trend-degree", &f->trend_degree, "0 or 1 (t.degree)");
  flags.Int("lowpass-window", &f->lowpass_window,
            "odd integer >= 3; 0 = next odd >= period (l.window)");
  flags.Bool("robust", &f->robust, "robust fitting (bisquare weights; R's robust = TRUE)");
  flags.Int("inner", &f->inner, "inner iterations; -1 = R's default");
  flags.Int("outer", &f->outer, "outer iterations; -1 = R's default");
}

// The STL parameters the flags ask for (period left to the caller). Error: an invalid flag.
Result<analysis::StlParams> StlParamsFromFlags(const DecomposeFlags& f) {
  analysis::StlParams sp;
  if (f.seasonal_window == "periodic") {
    sp.periodic = true;
  } else {
    char* end = nullptr;
    const long w = std::strtol(f.seasonal_window.c_str(), &end, 10);
    if (f.seasonal_window.empty() || *end != '\0' || w < 3 || w % 2 == 0 || w > 1000000000) {
      return Status::Error(
          "--seasonal-window: expected an odd integer >= 3 or \"periodic\", got \"" +
          f.seasonal_window + "\"");
    }
    sp.seasonal_window = static_cast<int>(w);
  }
  sp.seasonal_degree = static_cast<int>(f.seasonal_degree);
  sp.trend_window = static_cast<int>(f.trend_window);
  sp.trend_degree = static_cast<int>(f.trend_degree);
  sp.lowpass_window = static_cast<int>(f.lowpass_window);
  sp.robust = f.robust;
  sp.inner = static_cast<int>(f.inner);
  sp.outer = static_cast<int>(f.outer);
  return sp;
}

// STL assumes one value per period step: a missing row would shift every later phase.
Status CheckEvenlySpaced(const CsvSeriesTable& table, const std::string& input) {
  const size_t n = table.timestamps.size();
  if (n <= 2 || std::isnan(table.times[0]) || std::isnan(table.times[1])) return Status::Ok();
  const double step = table.times[1] - table.times[0];
  for (size_t i = 1; i < n; ++i) {
    const double d = table.times[i] - table.times[i - 1];
    if (std::isnan(d) || std::fabs(d - step) > 1e-6 * std::max(1.0, std::fabs(step))) {
      std::ostringstream msg;
      msg << input << ": row " << i + 1 << ": timestamps are not evenly spaced (step " << step
          << " s, then " << d
          << " s); STL needs regular samples: fill gaps (for example by interpolation)";
      return Status::Error(msg.str());
    }
  }
  return Status::Ok();
}

struct Components {
  std::vector<double> trend, seasonal, remainder;
};

// STL with one period, MSTL (seasonal components summed) with several.
Result<Components> Decompose(const std::vector<double>& x, const std::vector<int>& periods,
                             analysis::StlParams sp) {
  if (periods.size() == 1) {
    sp.period = periods.front();
    auto r = analysis::Stl(x, sp);
    if (!r.ok()) return r.status();
    return Components{std::move(r->trend), std::move(r->seasonal), std::move(r->remainder)};
  }
  analysis::MstlParams mp;
  mp.periods = periods;
  mp.stl = sp;
  if (!sp.periodic) mp.seasonal_windows = {sp.seasonal_window};
  auto r = analysis::Mstl(x, mp);
  if (!r.ok()) return r.status();
  std::vector<double> seasonal(x.size(), 0.0);
  for (const auto& comp : r->seasonal) {
    for (size_t i = 0; i < x.size(); ++i) seasonal[i] += comp[i];
  }
  return Components{std::move(r->trend), std::move(seasonal), std::move(r->remainder)};
}

std::string RenderLongCsv(const CsvSeriesTable& table, const std::vector<Components>& outs) {
  const size_t n = table.timestamps.size();
  std::string out;
  out.reserve(table.names.size() * n * 80);
  out += "series,timestamp,value,trend,seasonal,remainder\n";
  for (size_t s = 0; s < table.names.size(); ++s) {
    for (size_t i = 0; i < n; ++i) {
      out += table.names[s];
      out += ',';
      out += table.timestamps[i];
      out += ',';
      AppendNumber(&out, table.columns[s][i]);
      out += ',';
      AppendNumber(&out, outs[s].trend[i]);
      out += ',';
      AppendNumber(&out, outs[s].seasonal[i]);
      out += ',';
      AppendNumber(&out, outs[s].remainder[i]);
      out += '\n';
    }
  }
  return out;
}

}  // namespace

int RunDecomposeCommand(int argc, const char* const* argv) {
  DecomposeFlags f;
  FlagSet flags("streamlens-sidecar decompose",
                "Seasonal-trend decomposition (STL as R's stats::stl; several periods: MSTL as "
                "forecast::mstl) of every series in a timestamp,value or wide CSV.");
  RegisterDecomposeFlags(flags, &f);
  Status st = flags.Parse(argc, argv, 1);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (st.ok() && f.input.empty()) st = Status::Error("--input is required");
  Result<std::vector<int>> periods = std::vector<int>{};
  if (st.ok()) {
    periods = ParsePeriods(f.period_text);
    if (!periods.ok()) st = periods.status();
  }
  Result<analysis::StlParams> sp =
      st.ok() ? StlParamsFromFlags(f) : Result<analysis::StlParams>(st);
  if (!sp.ok()) {
    std::cerr << "decompose: " << sp.status().message() << "\n";
    return 2;
  }
  auto table = ReadSeriesCsv(f.input);
  if (!table.ok()) {
    std::cerr << "decompose: --input: " << table.status().message() << "\n";
    return 1;
  }
  Status spaced = CheckEvenlySpaced(*table, f.input);
  if (!spaced.ok()) {
    std::cerr << "decompose: --input: " << spaced.message() << "\n";
    return 1;
  }
  std::vector<Components> outs(table->names.size());
  double compute = 0;
  for (size_t s = 0; s < table->names.size(); ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    Result<Components> r = Decompose(table->columns[s], *periods, *sp);
    compute += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.ok()) {
      std::cerr << "decompose: series " << table->names[s] << ": " << r.status().message() << "\n";
      return 1;
    }
    outs[s] = std::move(*r);
  }
  Status w = WriteFile(f.output, RenderLongCsv(*table, outs));
  if (!w.ok()) {
    std::cerr << "decompose: --output: " << w.message() << "\n";
    return 1;
  }
  std::fprintf(stderr, "decompose: series=%zu points=%zu compute_seconds=%.6f\n",
               table->names.size(), table->timestamps.size(), compute);
  return 0;
}

}  // namespace streamlens::sidecar
