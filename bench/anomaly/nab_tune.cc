// nab_tune: runs NAB detectors in process over the NAB data and prints the three NAB profile
// scores for the whole corpus and for a fixed split (files at odd / even positions in path
// order), one line per detector. Used to build the tuning table of BENCHMARKS.md: parameters
// are chosen on the odd files and the even files are reported as held out. The same numbers for
// one detector come from `streamlens-sidecar backtest` + `nab-score` (the daemon's code path).
//
//   nab_tune [--data DIR] [--labels FILE] [--per-file] [--splits N] DETECTOR...
// DETECTOR is a name from DetectorNames() or "custom:key=value,...". --splits N adds, per
// detector, the mean and standard deviation over N random half splits of the files (fixed seeds
// 1..N) of each half scored at the threshold chosen on the other half (2N held-out scores per
// profile): a steadier held-out estimate than the single odd/even split.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "sidecar/analysis/anomaly/detectors.h"
#include "sidecar/analysis/anomaly/nab.h"
#include "sidecar/cli/csv_io.h"
#include "sidecar/cli/nab_labels.h"

namespace an = streamlens::analysis;
namespace fs = std::filesystem;

namespace {

struct DataFile {
  std::string key, category;
  std::vector<double> values;
  std::vector<an::NabWindow> windows;
};

std::vector<an::NabFileInput> Half(const std::vector<an::NabFileInput>& in, int parity) {
  std::vector<an::NabFileInput> sub;
  for (size_t i = 0; i < in.size(); ++i) {
    if (parity < 0 || static_cast<int>(i % 2) == parity) sub.push_back(in[i]);
  }
  return sub;
}

double Score(const std::vector<an::NabFileInput>& in, int parity, const an::NabProfile& prof) {
  return an::ScoreNab(Half(in, parity), prof).normalized;
}

// The files of one parity scored at the threshold chosen on the other parity (strict held out).
double HeldOut(const std::vector<an::NabFileInput>& in, int parity, const an::NabProfile& prof) {
  const double t = an::ScoreNab(Half(in, 1 - parity), prof).threshold;
  return an::ScoreNab(Half(in, parity), prof, t).normalized;
}

// Leave one category out: each category scored at the threshold chosen on all other categories,
// the raw scores summed and normalised over the corpus (a category we did not tune on, as NAB's
// realAWSCloudwatch and realTweets are for us).
double LeaveCategoryOut(const std::vector<an::NabFileInput>& in, const an::NabProfile& prof) {
  std::vector<std::string> cats;
  for (const auto& f : in) {
    if (std::find(cats.begin(), cats.end(), f.category) == cats.end()) cats.push_back(f.category);
  }
  double raw = 0, null_raw = 0, perfect = 0;
  for (const std::string& c : cats) {
    std::vector<an::NabFileInput> rest, mine;
    for (const auto& f : in) (f.category == c ? mine : rest).push_back(f);
    const double t = an::ScoreNab(rest, prof).threshold;
    const an::NabScore s = an::ScoreNab(mine, prof, t);
    raw += s.raw;
    null_raw += s.null_raw;
    perfect += s.perfect_raw;
  }
  return perfect > null_raw ? 100.0 * (raw - null_raw) / (perfect - null_raw) : 0.0;
}

// Mean and standard deviation of the held-out score over `n` random half splits (seeds 1..n):
// each half at the threshold chosen on the other half.
std::pair<double, double> RandomSplits(const std::vector<an::NabFileInput>& in, int n,
                                       const an::NabProfile& prof) {
  std::vector<double> scores;
  std::vector<size_t> order(in.size());
  for (int seed = 1; seed <= n; ++seed) {
    std::iota(order.begin(), order.end(), size_t{0});
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<an::NabFileInput> a, b;
    for (size_t i = 0; i < order.size(); ++i)
      (i < order.size() / 2 ? a : b).push_back(in[order[i]]);
    scores.push_back(an::ScoreNab(b, prof, an::ScoreNab(a, prof).threshold).normalized);
    scores.push_back(an::ScoreNab(a, prof, an::ScoreNab(b, prof).threshold).normalized);
  }
  double mean = 0, sq = 0;
  for (double v : scores) mean += v;
  mean /= static_cast<double>(scores.size());
  for (double v : scores) sq += (v - mean) * (v - mean);
  return {mean, std::sqrt(sq / static_cast<double>(scores.size() - 1))};
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "../shared/data/nab/data";
  std::string labels_path = "../shared/data/nab/labels/combined_windows.json";
  bool per_file = false;
  int splits = 0;
  std::string out_dir;
  std::vector<std::string> detectors;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--data") && i + 1 < argc) {
      data = argv[++i];
    } else if (!std::strcmp(argv[i], "--labels") && i + 1 < argc) {
      labels_path = argv[++i];
    } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (!std::strcmp(argv[i], "--splits") && i + 1 < argc) {
      splits = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--per-file")) {
      per_file = true;
    } else {
      detectors.push_back(argv[i]);
    }
  }
  if (detectors.empty()) detectors.push_back(an::DetectorNames().front());
  auto labels = streamlens::sidecar::ReadNabLabels(labels_path);
  if (!labels.ok()) {
    std::fprintf(stderr, "nab_tune: %s\n", labels.status().message().c_str());
    return 1;
  }
  std::error_code ec;
  if (!fs::is_directory(data, ec)) {
    std::fprintf(stderr, "nab_tune: %s is not a folder (NAB data expected there)\n", data.c_str());
    return 1;
  }
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(data, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".csv") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<DataFile> files;
  std::vector<std::vector<std::string>> stamps;
  for (const fs::path& p : paths) {
    auto t = streamlens::sidecar::ReadSeriesCsv(p.string());
    if (!t.ok() || t->names.size() != 1) {
      std::fprintf(stderr, "nab_tune: %s: not a timestamp,value file\n", p.c_str());
      return 1;
    }
    DataFile f;
    f.category = p.parent_path().filename().string();
    f.key = f.category + "/" + p.filename().string();
    auto it = labels->find(f.key);
    if (it == labels->end()) {
      std::fprintf(stderr, "nab_tune: no labels for %s\n", f.key.c_str());
      return 1;
    }
    auto w = streamlens::sidecar::MapWindows(it->second, t->times, f.key);
    if (!w.ok()) {
      std::fprintf(stderr, "nab_tune: %s\n", w.status().message().c_str());
      return 1;
    }
    f.windows = std::move(*w);
    f.values = std::move(t->columns[0]);
    stamps.push_back(t->timestamps);
    files.push_back(std::move(f));
  }
  std::printf("%-50s %6s %6s %6s | %6s %6s %6s %6s | %6s %6s | %6s %6s | %5s\n", "detector", "std",
              "lowFP", "lowFN", "s_odd", "s_even", "e@odd", "o@even", "F_e@o", "F_o@e", "s_loco",
              "F_loco", "sec");
  for (const std::string& name : detectors) {
    auto spec = an::FindDetector(name);
    if (!spec.ok()) {
      std::fprintf(stderr, "nab_tune: %s\n", spec.status().message().c_str());
      return 1;
    }
    std::vector<an::NabFileInput> inputs;
    const auto t0 = std::chrono::steady_clock::now();
    for (const DataFile& f : files) {
      auto det = an::StreamingDetector::Create(*spec);
      if (!det.ok()) {
        std::fprintf(stderr, "nab_tune: %s\n", det.status().message().c_str());
        return 1;
      }
      an::NabFileInput in;
      in.name = f.key;
      in.category = f.category;
      in.windows = f.windows;
      in.scores.resize(f.values.size());
      for (size_t i = 0; i < f.values.size(); ++i) in.scores[i] = (*det)->Next(f.values[i]);
      if (per_file) {
        std::printf("  %-56s period=%d second=%d\n", f.key.c_str(), (*det)->detected_period(),
                    (*det)->detected_second_period());
      }
      if (!out_dir.empty()) {
        // NAB results layout (label column from the windows) for external inspection.
        std::string text = "timestamp,value,anomaly_score,label\n";
        const std::vector<std::string>& ts = stamps[inputs.size()];
        for (size_t i = 0; i < f.values.size(); ++i) {
          bool in_window = false;
          for (const auto& w : f.windows)
            in_window |= static_cast<int>(i) >= w.left && static_cast<int>(i) <= w.right;
          text += ts[i] + ",";
          streamlens::sidecar::AppendNumber(&text, f.values[i]);
          text += ",";
          streamlens::sidecar::AppendNumber(&text, in.scores[i]);
          text += in_window ? ",1\n" : ",0\n";
        }
        const fs::path dir = fs::path(out_dir) / f.category;
        fs::create_directories(dir, ec);
        const std::string base = fs::path(f.key).filename().string();
        const streamlens::Status st =
            streamlens::sidecar::WriteFile((dir / ("det_" + base)).string(), text);
        if (!st.ok()) std::fprintf(stderr, "nab_tune: %s\n", st.message().c_str());
      }
      inputs.push_back(std::move(in));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& prof = an::NabProfiles();
    std::printf(
        "%-50s %6.2f %6.2f %6.2f | %6.2f %6.2f %6.2f %6.2f | %6.2f %6.2f | %6.2f %6.2f | %5.2f\n",
        name.c_str(), Score(inputs, -1, prof[0]), Score(inputs, -1, prof[1]),
        Score(inputs, -1, prof[2]), Score(inputs, 1, prof[0]), Score(inputs, 0, prof[0]),
        HeldOut(inputs, 0, prof[0]), HeldOut(inputs, 1, prof[0]), HeldOut(inputs, 0, prof[1]),
        HeldOut(inputs, 1, prof[1]), LeaveCategoryOut(inputs, prof[0]),
        LeaveCategoryOut(inputs, prof[1]), secs);
    if (splits > 1) {
      const auto [sm, ss] = RandomSplits(inputs, splits, prof[0]);
      const auto [fm, fs] = RandomSplits(inputs, splits, prof[1]);
      std::printf(
          "  random half splits x%d, held out: standard %.2f +- %.2f, low-FP %.2f +- %.2f\n",
          splits, sm, ss, fm, fs);
    }
    if (per_file) {
      const an::NabScore s = an::ScoreNab(inputs, prof[0]);
      // Each file at the corpus threshold: windows found, false positives and what they cost.
      for (size_t i = 0; i < inputs.size(); ++i) {
        const an::NabScore f = an::ScoreNab({inputs[i]}, prof[0], s.threshold);
        std::printf("  [%2zu] %-52s raw=%7.3f windows=%d detected=%d fp=%d\n", i,
                    inputs[i].name.c_str(), f.raw, f.windows, f.detected, f.false_positives);
      }
      std::printf("  threshold=%.6f\n", s.threshold);
      for (const auto& c : s.categories) {
        std::printf("  %-26s std=%.2f windows=%d detected=%d fp=%d\n", c.category.c_str(),
                    c.normalized, c.windows, c.detected, c.false_positives);
      }
    }
    std::fflush(stdout);
  }
  return 0;
}
