// `streamlens-sidecar nab-score`: our NAB scorer. Prints the standard, reward_low_FP_rate and
// reward_low_FN_rate normalised scores (and a per-category breakdown) for a results folder
// written by `backtest` (or by NAB itself: <detector>/<category>/<detector>_<file>.csv).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/status.h"
#include "sidecar/analysis/anomaly/nab.h"
#include "sidecar/cli/csv_io.h"
#include "sidecar/cli/nab_labels.h"

namespace streamlens::sidecar {

namespace fs = std::filesystem;

int RunNabScoreCommand(int argc, const char* const* argv) {
  std::string results, labels_path = "../shared/data/nab/labels/combined_windows.json";
  bool verbose = false;
  std::string split = "all";
  double threshold = -1;
  FlagSet flags("streamlens-sidecar nab-score",
                "Scores NAB results files (timestamp,value,anomaly_score,label) against label "
                "windows with NAB's profiles and a corpus-wide threshold sweep.");
  flags.String("results", &results,
               "folder of one detector's results: <category>/<det>_<file>.csv");
  flags.String("labels", &labels_path, "NAB labels/combined_windows.json");
  flags.Bool("verbose", &verbose, "also print the per-category breakdown");
  flags.String("files", &split,
               "all, odd or even: score only the files at odd/even positions (0-based) in path "
               "order, the tuning/held-out split used in BENCHMARKS.md");
  flags.Double("threshold", &threshold,
               "score at this threshold for every profile instead of sweeping for the best one "
               "(e.g. held-out files at the threshold chosen on the tuning files); < 0 = sweep");
  Status st = flags.Parse(argc, argv, 1);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (st.ok() && results.empty()) st = Status::Error("--results is required");
  if (st.ok() && split != "all" && split != "odd" && split != "even") {
    st = Status::Error("--files must be all, odd or even, got \"" + split + "\"");
  }
  if (!st.ok()) {
    std::cerr << "nab-score: " << st.message() << "\n";
    return 2;
  }
  auto labels = ReadNabLabels(labels_path);
  if (!labels.ok()) {
    std::cerr << "nab-score: --labels: " << labels.status().message() << "\n";
    return 1;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(results, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(results, ec)) {
      if (e.is_regular_file() && e.path().extension() == ".csv") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "nab-score: --results: no .csv files under " << results << "\n";
    return 1;
  }
  if (split != "all") {
    std::vector<fs::path> kept;
    for (size_t i = split == "odd" ? 1 : 0; i < files.size(); i += 2) kept.push_back(files[i]);
    files = std::move(kept);
  }
  std::vector<analysis::NabFileInput> inputs;
  for (const fs::path& path : files) {
    const std::string category = path.parent_path().filename().string();
    const std::string fname = path.filename().string();
    const size_t us = fname.find('_');
    // Results are named <detector>_<file>; find the data file name known to the labels.
    std::string key;
    for (size_t p = us; p != std::string::npos; p = fname.find('_', p + 1)) {
      const std::string cand = category + "/" + fname.substr(p + 1);
      if (labels->count(cand)) {
        key = cand;
        break;
      }
    }
    if (key.empty()) {
      std::cerr << "nab-score: " << path.string() << ": no labels for this file in " << labels_path
                << "\n";
      return 1;
    }
    auto table = ReadSeriesCsv(path.string());
    if (!table.ok()) {
      std::cerr << "nab-score: " << table.status().message() << "\n";
      return 1;
    }
    auto col = std::find(table->names.begin(), table->names.end(), "anomaly_score");
    if (col == table->names.end()) {
      std::cerr << "nab-score: " << path.string() << ": no anomaly_score column\n";
      return 1;
    }
    analysis::NabFileInput in;
    in.name = key;
    in.category = category;
    in.scores = table->columns[col - table->names.begin()];
    for (double& s : in.scores) {
      if (std::isnan(s)) s = 0;
    }
    auto w = MapWindows(labels->at(key), table->times, key);
    if (!w.ok()) {
      std::cerr << "nab-score: " << w.status().message() << "\n";
      return 1;
    }
    in.windows = std::move(w.value());
    inputs.push_back(std::move(in));
  }
  std::printf("nab-score: files=%zu (%s)\n", inputs.size(), split.c_str());
  for (const analysis::NabProfile& prof : analysis::NabProfiles()) {
    const analysis::NabScore s = analysis::ScoreNab(inputs, prof, threshold);
    std::printf("%-20s score=%.2f threshold=%.6g raw=%.3f windows=%d detected=%d fp=%d\n",
                s.profile.c_str(), s.normalized, s.threshold, s.raw, s.windows, s.detected,
                s.false_positives);
    if (verbose) {
      for (const auto& c : s.categories) {
        std::printf("  %-24s score=%.2f windows=%d detected=%d fp=%d\n", c.category.c_str(),
                    c.normalized, c.windows, c.detected, c.false_positives);
      }
    }
  }
  return 0;
}

}  // namespace streamlens::sidecar
