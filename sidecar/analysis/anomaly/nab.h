// NAB (Numenta Anomaly Benchmark v1.1) scoring: window-weighted true positives, sigmoid-weighted
// false positives, a probationary period, and a corpus-wide threshold sweep per profile.
// Formulas from REFERENCE.md section 5 (NAB's sweeper). Pure; the nab-score command does the I/O.
#pragma once

#include <string>
#include <vector>

namespace streamlens::analysis {

struct NabProfile {
  const char* name;
  double a_tp, a_fp, a_fn;
};
// standard (1, 0.11, 1), reward_low_FP_rate (1, 0.22, 1), reward_low_FN_rate (1, 0.11, 2).
const std::vector<NabProfile>& NabProfiles();

struct NabWindow {
  int left = 0, right = 0;  // row indices, inclusive
};

struct NabFileInput {
  std::string name;
  std::string category;
  std::vector<double> scores;      // one per row, in [0, 1]
  std::vector<NabWindow> windows;  // sorted, non-overlapping
};

struct NabCategoryScore {
  std::string category;
  int windows = 0;
  int detected = 0;
  int false_positives = 0;
  double raw = 0;
  double normalized = 0;
};

struct NabScore {
  std::string profile;
  double threshold = 1.0;  // best threshold (detections are scores >= threshold)
  double raw = 0;
  double null_raw = 0;
  double perfect_raw = 0;
  double normalized = 0;  // 100 * (raw - null) / (perfect - null)
  int windows = 0, detected = 0, false_positives = 0;
  std::vector<NabCategoryScore> categories;  // at the corpus threshold
};

// Probationary rows not scored: min(floor(0.15 * rows), 750).
int NabProbation(int rows);

// Scores the corpus with the threshold that maximises the profile's total, or, when
// `fixed_threshold` >= 0, with that threshold (detections are scores >= it): used to score
// held-out files at a threshold chosen on other files.
NabScore ScoreNab(const std::vector<NabFileInput>& files, const NabProfile& profile,
                  double fixed_threshold = -1);

}  // namespace streamlens::analysis
