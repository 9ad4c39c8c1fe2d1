// `streamlens-sidecar backtest`: runs a detector causally over every timestamp,value CSV under a
// folder and writes NAB results files OUT/<detector>/<category>/<detector>_<file>.csv.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/status.h"
#include "sidecar/analysis/anomaly/detector.h"
#include "sidecar/cli/csv_io.h"
#include "sidecar/cli/nab_labels.h"

namespace streamlens::sidecar {

namespace fs = std::filesystem;

namespace {

// Every .csv file under `input`, sorted. Error: not a folder, or no file.
Result<std::vector<fs::path>> ListCsvFiles(const std::string& input) {
  std::error_code ec;
  if (!fs::is_directory(input, ec)) return Status::Error("--input: " + input + " is not a folder");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(input, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::Error("--input: no .csv files under " + input);
  return files;
}

// The file's timestamps in milliseconds. Error: a timestamp that is not a time.
Result<std::vector<int64_t>> TimesMs(const CsvSeriesTable& table, const fs::path& path) {
  std::vector<int64_t> times(table.times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    if (!std::isfinite(table.times[i])) {
      return Status::Error(path.string() + ": row " + std::to_string(i + 2) + ": timestamp \"" +
                           table.timestamps[i] +
                           "\" is not a time (expected e.g. 2026-01-05 14:00:00)");
    }
    times[i] = std::llround(table.times[i] * 1000);
  }
  return times;
}

// NAB results rows: timestamp,value,anomaly_score,label (1 inside a labelled window).
std::string RenderResults(const CsvSeriesTable& table, const std::vector<double>& scores,
                          const std::vector<analysis::NabWindow>& windows) {
  const std::vector<double>& values = table.columns[0];
  std::string out;
  out.reserve(values.size() * 48);
  out += "timestamp,value,anomaly_score,label\n";
  size_t wi = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    while (wi < windows.size() && static_cast<int>(i) > windows[wi].right) ++wi;
    const bool in = wi < windows.size() && static_cast<int>(i) >= windows[wi].left;
    out += table.timestamps[i];
    out += ',';
    AppendNumber(&out, values[i]);
    out += ',';
    AppendNumber(&out, scores[i]);
    out += in ? ",1\n" : ",0\n";
  }
  return out;
}

struct BacktestRun {
  analysis::DetectorSpec spec;
  NabLabels labels;
  std::string out_dir, detector;
  size_t total_points = 0;
  double total_seconds = 0;
};

// Scores one file with a fresh detector and writes its results file; one summary line on
// stderr. Error: unreadable input, bad labels or timestamps, unwritable output.
Status BacktestFile(const fs::path& path, BacktestRun* run) {
  auto table = ReadSeriesCsv(path.string());
  if (!table.ok()) return table.status();
  if (table->names.size() != 1) {
    return Status::Error(path.string() + ": expected timestamp,value (got " +
                         std::to_string(table->names.size()) + " value columns)");
  }
  const std::string category = path.parent_path().filename().string();
  const std::string key = category + "/" + path.filename().string();
  std::vector<analysis::NabWindow> windows;
  if (!run->labels.empty()) {
    auto it = run->labels.find(key);
    if (it != run->labels.end()) {
      auto w = MapWindows(it->second, table->times, key);
      if (!w.ok()) return w.status();
      windows = std::move(w.value());
    }
  }
  const std::vector<double>& values = table->columns[0];
  std::vector<double> scores(values.size());
  auto det = analysis::Detector::Create(run->spec);
  if (!det.ok()) return det.status();
  auto times = TimesMs(*table, path);
  if (!times.ok()) return times.status();
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < values.size(); ++i) scores[i] = (*det)->Next((*times)[i], values[i]).nab;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run->total_seconds += secs;
  run->total_points += values.size();
  const fs::path dir = fs::path(run->out_dir) / run->detector / category;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("--out: cannot create " + dir.string() + ": " + ec.message());
  STREAMLENS_RETURN_IF_ERROR(
      WriteFile((dir / (run->detector + "_" + path.filename().string())).string(),
                RenderResults(*table, scores, windows)));
  // The sampling step and the period of the model in use at the end (0: none).
  std::fprintf(stderr, "backtest: %s points=%zu seconds=%.3f step=%llds period=%llds\n",
               key.c_str(), values.size(), secs, static_cast<long long>((*det)->step_ms() / 1000),
               static_cast<long long>((*det)->active_period_ms() / 1000));
  return Status::Ok();
}

}  // namespace

int RunBacktestCommand(int argc, const char* const* argv) {
  std::string input, labels_path, out_dir, detector = analysis::DetectorNames().front();
  std::string names;
  for (const auto& n : analysis::DetectorNames()) names += (names.empty() ? "" : ", ") + n;
  FlagSet flags("streamlens-sidecar backtest",
                "Runs a detector causally (each score uses only data up to its timestamp) over "
                "every timestamp,value CSV under --input and writes NAB results files.");
  flags.String("input", &input, "folder of timestamp,value CSV files (searched recursively)");
  flags.String("labels", &labels_path,
               "NAB combined_windows.json; fills the label column (0 when omitted)");
  flags.String("out", &out_dir, "results folder; files go to OUT/<detector>/<category>/");
  flags.String("detector", &detector, "detector name (" + names + ")");
  Status st = flags.Parse(argc, argv, 1);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (st.ok() && (input.empty() || out_dir.empty())) {
    st = Status::Error("--input and --out are required");
  }
  if (!st.ok()) {
    std::cerr << "backtest: " << st.message() << "\n";
    return 2;
  }
  auto spec = analysis::FindDetector(detector);
  if (!spec.ok()) {
    std::cerr << "backtest: --detector: " << spec.status().message() << "\n";
    return 2;
  }
  BacktestRun run{*spec, {}, out_dir, detector};
  if (!labels_path.empty()) {
    auto l = ReadNabLabels(labels_path);
    if (!l.ok()) {
      std::cerr << "backtest: --labels: " << l.status().message() << "\n";
      return 1;
    }
    run.labels = std::move(l.value());
  }
  auto files = ListCsvFiles(input);
  if (!files.ok()) {
    std::cerr << "backtest: " << files.status().message() << "\n";
    return 1;
  }
  for (const fs::path& path : *files) {
    Status s = BacktestFile(path, &run);
    if (!s.ok()) {
      std::cerr << "backtest: " << s.message() << "\n";
      return 1;
    }
  }
  std::fprintf(stderr, "backtest: files=%zu points=%zu seconds=%.3f\n", files->size(),
               run.total_points, run.total_seconds);
  return 0;
}

}  // namespace streamlens::sidecar
