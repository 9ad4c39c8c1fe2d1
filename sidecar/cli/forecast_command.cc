// `streamlens-sidecar forecast`: offline forecasting with the same code the daemon runs.
//
//   --format m4   rows `id,V1..Vn` in (quoted or not, ragged rows allowed); header `id,F1..FH`
//                 then one row per series out.
//   --format csv  `timestamp,value` in (header optional; timestamps as Unix seconds or
//                 "YYYY-MM-DD HH:MM:SS" / RFC 3339 UTC); `timestamp,yhat,yhat_lower,yhat_upper` out
//                 with timestamps continuing the input's median step and the widest interval level.
// --holdout N drops the last N points of every series before fitting (validation runs);
// --intervals-out FILE (m4 only) writes `id,level,bound,F1..FH` rows for coverage measurement.
// Prints progress on stderr for long runs and the summary line
// `forecast: series=N horizon=H model=M fit_seconds=X`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/flags.h"
#include "common/status.h"
#include "sidecar/analysis/forecast/ets.h"
#include "sidecar/analysis/forecast/forecast.h"

namespace streamlens::sidecar {
namespace {

namespace fc = streamlens::analysis::forecast;

struct Series {
  std::string id;
  std::vector<double> values;
  std::vector<std::string> timestamps;  // csv format only
};

std::string Unquote(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  s = s.substr(b);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      out.push_back(Unquote(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(Unquote(cur));
  return out;
}

bool ParseNumber(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

Result<std::vector<Series>> ReadM4(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("--input " + path + ": cannot open file");
  std::vector<Series> out;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    std::vector<std::string> f = SplitCsv(line);
    if (line_no == 1 && f.size() > 1) {
      double v;
      if (!ParseNumber(f[1], &v)) continue;  // header row ("V1","V2",...)
    }
    Series s;
    s.id = f[0];
    for (size_t i = 1; i < f.size(); ++i) {
      if (f[i].empty() || f[i] == "NA") continue;  // ragged rows end in empty fields
      double v;
      if (!ParseNumber(f[i], &v)) {
        return Status::Error("--input " + path + ":" + std::to_string(line_no) + ": field " +
                             std::to_string(i + 1) + " \"" + f[i] + "\" is not a number");
      }
      s.values.push_back(v);
    }
    out.push_back(std::move(s));
  }
  if (out.empty())
    return Status::Error("--input " + path + ": no series (expected rows id,V1..Vn)");
  return out;
}

// Seconds since the epoch from Unix seconds or "YYYY-MM-DD[ T]HH:MM[:SS][Z]".
bool ParseTimestamp(const std::string& s, double* out, bool* is_date) {
  if (ParseNumber(s, out)) {
    *is_date = false;
    return true;
  }
  std::tm tm{};
  int sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d%*c%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &sec) < 5) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = sec;
  *out = static_cast<double>(timegm(&tm));
  *is_date = true;
  return true;
}

std::string FormatTimestamp(double t, bool is_date) {
  char buf[64];
  if (!is_date) {
    std::snprintf(buf, sizeof(buf), "%.15g", t);
    return buf;
  }
  std::time_t tt = static_cast<std::time_t>(std::llround(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

struct CsvSeries {
  Series series;
  std::vector<double> times;
  bool is_date = false;
};

Result<CsvSeries> ReadTimestampValueCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("--input " + path + ": cannot open file");
  CsvSeries out;
  out.series.id = path;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    std::vector<std::string> f = SplitCsv(line);
    if (f.size() < 2) {
      return Status::Error("--input " + path + ":" + std::to_string(line_no) +
                           ": expected timestamp,value");
    }
    double t, v;
    bool is_date = false;
    if (!ParseTimestamp(f[0], &t, &is_date) || !ParseNumber(f[1], &v)) {
      if (out.times.empty() && line_no == 1) continue;  // header
      return Status::Error("--input " + path + ":" + std::to_string(line_no) +
                           ": expected timestamp,value with a numeric value, got \"" + line + "\"");
    }
    out.is_date = is_date;
    out.times.push_back(t);
    out.series.values.push_back(v);
  }
  if (out.series.values.empty()) {
    return Status::Error("--input " + path + ": no rows (expected timestamp,value)");
  }
  return out;
}

Result<std::vector<double>> ParseLevels(const std::string& text) {
  std::vector<double> levels;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    double v;
    if (!ParseNumber(Unquote(item), &v) || !(v > 0.0 && v < 100.0)) {
      return Status::Error("--levels: expected comma-separated percentages like 80,95, got \"" +
                           text + "\"");
    }
    levels.push_back(v >= 1.0 ? v / 100.0 : v);
  }
  if (levels.empty()) return Status::Error("--levels: empty");
  return levels;
}

struct ForecastFlags {
  std::string input, format = "m4", model = "auto", out_path, intervals_out, levels_text = "80,95";
  int64_t horizon = 48, season = 1, holdout = 0, threads = 0;
  std::vector<std::string> extra;
  std::string global_models = fc::kDefaultGlobalModels;
  int64_t global_stride = 1;
};

void RegisterForecastFlags(FlagSet& flags, ForecastFlags* f) {
  flags.String("input", &f->input, "Input file (M4 layout id,V1..Vn or timestamp,value CSV).");
  flags.String("format", &f->format, "Input/output layout: m4|csv.");
  flags.Int("horizon", &f->horizon, "Steps to forecast.");
  flags.Int("season", &f->season, "Seasonal period in samples (1 = none; 24 for hourly data).");
  flags.StringList("extra-season", &f->extra,
                   "Further seasonal period in samples (repeatable, e.g. 168 for weekly).");
  flags.String(
      "model", &f->model,
      "auto|ets|arima|theta|snaive|naive|mstl|prophet|global (arima = auto.arima-style search;\n"
      "global = pooled ridge regression across all series of the input).");
  flags.String("out", &f->out_path, "Output file.");
  flags.String("levels", &f->levels_text, "Interval levels in percent, comma-separated.");
  flags.Int("holdout", &f->holdout, "Drop the last N points of each series before fitting.");
  flags.String("intervals-out", &f->intervals_out,
               "m4 only: also write id,level,bound,F1..FH interval rows to this file.");
  flags.Int("threads", &f->threads, "Worker threads (0 = number of CPUs).");
  flags.String("global-models", &f->global_models,
               "Pooled models (--model global uses the first; auto offers each as a candidate; "
               "\"none\" = no pooled candidate): NORM:CYCLES[:RIDGE],... with NORM "
               "ratio|log|logstd|standardize|none|dslog|dslogstd (log / logstd on the series "
               "divided by its daily/weekly profile), lags = CYCLES x the longest period.");
  flags.Int("global-stride", &f->global_stride, "Pooled models: use every N-th training origin.");
}

// The forecast parameters the flags ask for. Error: a flag value is invalid (usage error).
Result<fc::ForecastParams> ParamsFromFlags(const ForecastFlags& f) {
  if (f.input.empty()) return Status::Error("--input is required");
  if (f.out_path.empty()) return Status::Error("--out is required");
  if (f.format != "m4" && f.format != "csv") {
    return Status::Error("--format: expected m4|csv, got \"" + f.format + "\"");
  }
  Result<fc::ModelKind> kind = fc::ParseModelKind(f.model);
  if (!kind.ok()) return Status::Error("--model: " + kind.status().message());
  Result<std::vector<double>> levels = ParseLevels(f.levels_text);
  if (!levels.ok()) return levels.status();
  if (f.holdout < 0) return Status::Error("--holdout must be >= 0");
  fc::ForecastParams params;
  params.horizon = static_cast<int>(f.horizon);
  params.season = static_cast<int>(f.season);
  params.model = *kind;
  params.levels = *levels;
  if (*kind == fc::ModelKind::kEts && f.season > fc::kEtsMaxSeasonalPeriod) {
    std::cerr << "forecast: warning: --model ets fits seasonal models for periods up to "
              << fc::kEtsMaxSeasonalPeriod << " (as R's ets); --season " << f.season
              << " is ignored (auto and mstl model it)\n";
  }
  if (f.global_stride < 1) return Status::Error("--global-stride must be >= 1");
  if (f.global_models == "none") {
    if (*kind == fc::ModelKind::kGlobal) {
      return Status::Error("--model global needs --global-models other than none");
    }
    params.global_models.clear();
  } else {
    Result<std::vector<fc::GlobalModelParams>> gms = fc::ParseGlobalModels(f.global_models);
    if (!gms.ok()) return Status::Error("--global-models: " + gms.status().message());
    params.global_models = std::move(gms.value());
    for (fc::GlobalModelParams& g : params.global_models) {
      g.origin_stride = static_cast<int>(f.global_stride);
    }
  }
  for (const std::string& e : f.extra) {
    double v;
    if (!ParseNumber(e, &v) || v < 2 || v != std::floor(v)) {
      return Status::Error("--extra-season: expected an integer >= 2, got \"" + e + "\"");
    }
    params.extra_seasons.push_back(static_cast<int>(v));
  }
  return params;
}

// Reads the input and drops the holdout. For csv, *csv also receives the timestamps.
Result<std::vector<Series>> LoadSeries(const ForecastFlags& f, CsvSeries* csv) {
  std::vector<Series> series;
  if (f.format == "m4") {
    Result<std::vector<Series>> r = ReadM4(f.input);
    if (!r.ok()) return r.status();
    series = std::move(r.value());
  } else {
    Result<CsvSeries> r = ReadTimestampValueCsv(f.input);
    if (!r.ok()) return r.status();
    *csv = std::move(r.value());
    series.push_back(csv->series);
  }
  for (Series& s : series) {
    if (f.holdout >= static_cast<int64_t>(s.values.size())) {
      return Status::Error("series " + s.id + " has " + std::to_string(s.values.size()) +
                           " points, not more than --holdout " + std::to_string(f.holdout));
    }
    s.values.resize(s.values.size() - f.holdout);
    if (f.format == "csv") csv->times.resize(s.values.size());
  }
  return series;
}

// Fits the pooled models (when the model uses them) and forecasts every series; progress on
// stderr. Error: the pooled fit failed, or any series failed (naming it).
Result<std::vector<Result<fc::Forecast>>> ForecastAll(const std::vector<Series>& series,
                                                      fc::ForecastParams params, int threads) {
  const unsigned n_threads = threads > 0 ? static_cast<unsigned>(threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::span<const double>> spans;
  for (const Series& s : series) spans.emplace_back(s.values);
  fc::BatchOptions batch;
  batch.threads = static_cast<int>(n_threads);
  batch.progress = [](size_t done, size_t total) {
    if (total >= 50 && done % 50 == 0) {
      std::cerr << "forecast: " << done << "/" << total << " series done\n";
    }
  };
  std::vector<fc::GlobalModelSet> pooled;
  if (!params.global_models.empty() &&
      (params.model == fc::ModelKind::kGlobal ||
       (params.model == fc::ModelKind::kAuto && spans.size() >= 2))) {
    Result<std::vector<fc::GlobalModelSet>> fit =
        fc::FitPooledModels(spans, params, static_cast<int>(n_threads));
    if (!fit.ok()) return fit.status();
    pooled = std::move(fit.value());
    params.global = pooled;
    std::fprintf(stderr, "forecast: %zu pooled model set(s) fitted in %.3f s\n", pooled.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  Result<std::vector<Result<fc::Forecast>>> results = fc::ForecastBatch(spans, params, batch);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < series.size(); ++i) {
    if (!(*results)[i].ok()) {
      return Status::Error("series " + series[i].id + ": " + (*results)[i].status().message());
    }
  }
  return results;
}

// `id,F1..FH` rows to out; with intervals_out, `id,level,bound,F1..FH` rows there.
Status WriteM4(const std::vector<Series>& series, const std::vector<Result<fc::Forecast>>& results,
               int horizon, std::ostream& out, const std::string& intervals_out) {
  out << "id";
  for (int h = 1; h <= horizon; ++h) out << ",F" << h;
  out << "\n";
  for (size_t i = 0; i < series.size(); ++i) {
    out << series[i].id;
    for (double v : results[i]->mean) out << "," << v;
    out << "\n";
  }
  if (intervals_out.empty()) return Status::Ok();
  std::ofstream iout(intervals_out);
  if (!iout) return Status::Error("--intervals-out " + intervals_out + ": cannot open for writing");
  iout.precision(10);
  iout << "id,level,bound";
  for (int h = 1; h <= horizon; ++h) iout << ",F" << h;
  iout << "\n";
  for (size_t i = 0; i < series.size(); ++i) {
    for (const fc::PredictionInterval& pi : results[i]->intervals) {
      iout << series[i].id << "," << pi.level << ",lower";
      for (double v : pi.lower) iout << "," << v;
      iout << "\n" << series[i].id << "," << pi.level << ",upper";
      for (double v : pi.upper) iout << "," << v;
      iout << "\n";
    }
  }
  return Status::Ok();
}

// `timestamp,yhat,yhat_lower,yhat_upper` rows, timestamps continuing the input's median step,
// bounds of the widest interval level.
void WriteCsv(const CsvSeries& csv, const fc::Forecast& f, int horizon, std::ostream& out) {
  std::vector<double> steps;
  for (size_t t = 1; t < csv.times.size(); ++t) steps.push_back(csv.times[t] - csv.times[t - 1]);
  double step = 1.0;
  if (!steps.empty()) {
    std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
    step = steps[steps.size() / 2];
  }
  size_t widest = 0;
  for (size_t k = 0; k < f.intervals.size(); ++k) {
    if (f.intervals[k].level > f.intervals[widest].level) widest = k;
  }
  out << "timestamp,yhat,yhat_lower,yhat_upper\n";
  for (int h = 0; h < horizon; ++h) {
    out << FormatTimestamp(csv.times.back() + step * (h + 1), csv.is_date) << "," << f.mean[h]
        << "," << f.intervals[widest].lower[h] << "," << f.intervals[widest].upper[h] << "\n";
  }
}

int RunForecast(int argc, const char* const* argv) {
  ForecastFlags f;
  FlagSet flags("streamlens-sidecar forecast",
                "Forecasts series from a file with the sidecar's models (offline).");
  RegisterForecastFlags(flags, &f);
  Status st = flags.Parse(argc, argv, 1);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  Result<fc::ForecastParams> params = st.ok() ? ParamsFromFlags(f) : Result<fc::ForecastParams>(st);
  if (!params.ok()) {
    std::cerr << "error: " << params.status().message()
              << "\n(see streamlens-sidecar forecast --help)\n";
    return 2;
  }
  auto fail = [](const Status& s) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  };
  CsvSeries csv;
  Result<std::vector<Series>> series = LoadSeries(f, &csv);
  if (!series.ok()) return fail(series.status());
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<Result<fc::Forecast>>> results =
      ForecastAll(*series, *params, static_cast<int>(f.threads));
  if (!results.ok()) return fail(results.status());
  const double fit_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ofstream out(f.out_path);
  if (!out) return fail(Status::Error("--out " + f.out_path + ": cannot open for writing"));
  out.precision(10);
  if (f.format == "m4") {
    Status w = WriteM4(*series, *results, params->horizon, out, f.intervals_out);
    if (!w.ok()) return fail(w);
  } else {
    WriteCsv(csv, *(*results)[0], params->horizon, out);
  }
  std::string model_name = fc::ModelKindName(params->model);
  if (series->size() == 1) model_name += "(" + (*results)[0]->model + ")";
  std::fprintf(stderr, "forecast: series=%zu horizon=%d model=%s fit_seconds=%.3f\n",
               series->size(), params->horizon, model_name.c_str(), fit_seconds);
  return 0;
}

}  // namespace

int RunForecastCommand(int argc, const char* const* argv) { return RunForecast(argc, argv); }

}  // namespace streamlens::sidecar
