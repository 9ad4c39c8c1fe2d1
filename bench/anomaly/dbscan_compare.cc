// dbscan_compare IN.csv EPS MIN_SAMPLES OUT_LABELS [REPEATS]: runs our DBSCAN on the rows of IN.csv
// (header, then comma-separated numbers), prints "ours_seconds=<best of REPEATS>" and writes one
// label per line to OUT_LABELS for comparison with scikit-learn
// (bench/anomaly/dbscan_vs_sklearn.sh).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/analysis/outliers/dbscan.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: dbscan_compare IN.csv EPS MIN_SAMPLES OUT_LABELS [REPEATS]\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "dbscan_compare: cannot open %s\n", argv[1]);
    return 1;
  }
  std::string line;
  std::getline(in, line);
  int dims = 0;
  std::vector<double> rows;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    int d = 0;
    while (std::getline(ss, cell, ',')) {
      rows.push_back(std::strtod(cell.c_str(), nullptr));
      ++d;
    }
    dims = d;
  }
  const double eps = std::strtod(argv[2], nullptr);
  const int min_samples = std::atoi(argv[3]);
  const int repeats = argc > 5 ? std::atoi(argv[5]) : 5;
  double best = 1e30;
  streamlens::analysis::DbscanResult result;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto res = streamlens::analysis::Dbscan(rows, dims, {eps, min_samples});
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!res.ok()) {
      std::fprintf(stderr, "dbscan_compare: %s\n", res.status().message().c_str());
      return 1;
    }
    best = std::min(best, s);
    result = std::move(res.value());
  }
  std::ofstream out(argv[4]);
  for (int l : result.labels) out << l << "\n";
  std::printf("ours_seconds=%.6f clusters=%d\n", best, result.clusters);
  return 0;
}
