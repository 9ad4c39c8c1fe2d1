#include "sidecar/analysis/anomaly/nab.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace streamlens::analysis {
namespace {

double ScaledSigmoid(double y) { return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0; }

struct Row {
  double score;
  double weighted;
  int window;  // global window id, -1 outside windows
  int category;
};

}  // namespace

const std::vector<NabProfile>& NabProfiles() {
  static const std::vector<NabProfile> kProfiles = {{"standard", 1.0, 0.11, 1.0},
                                                    {"reward_low_FP_rate", 1.0, 0.22, 1.0},
                                                    {"reward_low_FN_rate", 1.0, 0.11, 2.0}};
  return kProfiles;
}

int NabProbation(int rows) { return std::min(static_cast<int>(std::floor(0.15 * rows)), 750); }

namespace {

// The scored rows of every file (after its probationary period), each with its NAB weight, and
// the category of every window (-1: inside the probationary period, not counted).
struct WeightedRows {
  std::vector<Row> rows;
  std::vector<int> window_category;
  std::vector<std::string> cat_names;
};

void AddFileRows(const NabFileInput& f, int cat, const NabProfile& pr, WeightedRows* out) {
  const double max_tp = ScaledSigmoid(-1.0);
  const int n = static_cast<int>(f.scores.size());
  const int probation = NabProbation(n);
  size_t wi = 0;
  int cur = -1, cur_left = 0, cur_right = 0;
  double cur_width = 0, prev_width = 0;
  int prev_right = -1;
  const int first_window_id = static_cast<int>(out->window_category.size());
  std::vector<bool> window_scored(f.windows.size(), false);
  for (int i = 0; i < n; ++i) {
    if (wi < f.windows.size() && i == f.windows[wi].left) {
      cur = static_cast<int>(wi);
      cur_left = f.windows[wi].left;
      cur_right = f.windows[wi].right;
      cur_width = cur_right - cur_left + 1;
      ++wi;
    }
    double weighted;
    if (cur >= 0) {
      const double pos = -(cur_right - i + 1) / cur_width;
      weighted = ScaledSigmoid(pos) * pr.a_tp / max_tp;
    } else if (prev_right < 0) {
      weighted = -1.0 * pr.a_fp;
    } else {
      const double past =
          std::fabs(static_cast<double>(i - prev_right)) / std::max(1.0, prev_width - 1.0);
      weighted = ScaledSigmoid(past) * pr.a_fp;
    }
    if (i >= probation) {
      out->rows.push_back({f.scores[i], weighted, cur >= 0 ? first_window_id + cur : -1, cat});
      if (cur >= 0) window_scored[cur] = true;
    }
    if (cur >= 0 && i == cur_right) {
      prev_right = i;
      prev_width = cur_width;
      cur = -1;
    }
  }
  for (size_t w = 0; w < f.windows.size(); ++w) {
    // Windows entirely inside the probationary period are not counted (as in NAB).
    out->window_category.push_back(window_scored[w] ? cat : -1);
  }
}

WeightedRows WeighRows(const std::vector<NabFileInput>& files, const NabProfile& pr) {
  WeightedRows out;
  std::map<std::string, int> cat_ids;
  for (const NabFileInput& f : files) {
    auto [it, inserted] = cat_ids.emplace(f.category, static_cast<int>(out.cat_names.size()));
    if (inserted) out.cat_names.push_back(f.category);
    AddFileRows(f, it->second, pr, &out);
  }
  std::sort(out.rows.begin(), out.rows.end(),
            [](const Row& a, const Row& b) { return a.score > b.score; });
  return out;
}

// The threshold that maximises the profile's total over rows sorted by descending score.
double SweepThreshold(const WeightedRows& w, const NabProfile& pr, int total_windows) {
  std::vector<double> best_in_window(w.window_category.size(), -1e300);
  double fp_sum = 0, tp_sum = 0;
  int detected = 0;
  double best = -pr.a_fn * total_windows;  // threshold above every score: no detections
  double best_threshold = 1.0 + 1e-9;
  if (!w.rows.empty()) best_threshold = std::max(best_threshold, w.rows.front().score + 1e-9);
  for (size_t i = 0; i < w.rows.size(); ++i) {
    const Row& r = w.rows[i];
    if (r.window < 0) {
      fp_sum += r.weighted;
    } else if (best_in_window[r.window] < -1e299) {
      best_in_window[r.window] = r.weighted;
      tp_sum += r.weighted;
      ++detected;
    } else if (r.weighted > best_in_window[r.window]) {
      tp_sum += r.weighted - best_in_window[r.window];
      best_in_window[r.window] = r.weighted;
    }
    if (i + 1 == w.rows.size() || w.rows[i + 1].score != r.score) {
      const double total = tp_sum + fp_sum - pr.a_fn * (total_windows - detected);
      if (total > best) {
        best = total;
        best_threshold = r.score;
      }
    }
  }
  return best_threshold;
}

// The per-category breakdown and totals at `threshold`.
void ScoreAtThreshold(const WeightedRows& w, const NabProfile& pr, double threshold,
                      NabScore* out) {
  std::vector<NabCategoryScore> cats(w.cat_names.size());
  for (size_t c = 0; c < cats.size(); ++c) cats[c].category = w.cat_names[c];
  for (int c : w.window_category) {
    if (c >= 0) ++cats[c].windows;
  }
  std::vector<double> best_in_window(w.window_category.size(), -1e300);
  for (const Row& r : w.rows) {
    if (r.score < threshold) break;
    if (r.window < 0) {
      cats[r.category].raw += r.weighted;
      ++cats[r.category].false_positives;
    } else {
      best_in_window[r.window] = std::max(best_in_window[r.window], r.weighted);
    }
  }
  for (size_t i = 0; i < w.window_category.size(); ++i) {
    const int c = w.window_category[i];
    if (c < 0) continue;
    if (best_in_window[i] > -1e299) {
      cats[c].raw += best_in_window[i];
      ++cats[c].detected;
    } else {
      cats[c].raw -= pr.a_fn;
    }
  }
  for (NabCategoryScore& c : cats) {
    out->raw += c.raw;
    out->detected += c.detected;
    out->false_positives += c.false_positives;
    const double null = -pr.a_fn * c.windows, perfect = pr.a_tp * c.windows;
    c.normalized = perfect > null ? 100.0 * (c.raw - null) / (perfect - null) : 0.0;
  }
  out->categories = std::move(cats);
}

}  // namespace

NabScore ScoreNab(const std::vector<NabFileInput>& files, const NabProfile& pr,
                  double fixed_threshold) {
  const WeightedRows w = WeighRows(files, pr);
  int total_windows = 0;
  for (int c : w.window_category) total_windows += c >= 0;
  NabScore out;
  out.profile = pr.name;
  out.threshold = fixed_threshold >= 0 ? fixed_threshold : SweepThreshold(w, pr, total_windows);
  out.windows = total_windows;
  out.null_raw = -pr.a_fn * total_windows;
  out.perfect_raw = pr.a_tp * total_windows;
  ScoreAtThreshold(w, pr, out.threshold, &out);
  out.normalized = out.perfect_raw > out.null_raw
                       ? 100.0 * (out.raw - out.null_raw) / (out.perfect_raw - out.null_raw)
                       : 0.0;
  return out;
}

}  // namespace streamlens::analysis
