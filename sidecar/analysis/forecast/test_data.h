// Test-only helpers: the forecast fixtures in sidecar/analysis/forecast/testdata/ (written by
// scripts/fixtures/*.R): a series as whitespace-separated numbers, and `key,value` files of R's
// results ("NA" reads as NaN). A missing file reads as empty, which the tests report.
#pragma once

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sidecar/analysis/decompose/test_csv.h"

namespace streamlens::analysis::forecast {

inline std::string TestData(const std::string& file) {
  return testing::SourcePath("sidecar/analysis/forecast/testdata/" + file);
}

inline std::vector<double> ReadTestSeries(const std::string& file) {
  std::ifstream in(TestData(file));
  std::vector<double> y;
  double v;
  while (in >> v) y.push_back(v);
  return y;
}

inline std::map<std::string, double> ReadKv(const std::string& file) {
  std::ifstream in(TestData(file));
  std::map<std::string, double> kv;
  std::string line;
  while (std::getline(in, line)) {
    const size_t c = line.find(',');
    const std::string v = line.substr(c + 1);
    kv[line.substr(0, c)] = v == "NA" ? NAN : std::stod(v);
  }
  return kv;
}

}  // namespace streamlens::analysis::forecast
