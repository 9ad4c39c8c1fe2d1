// Test-only helper: reads a numeric CSV fixture with a header row into named columns.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace streamlens::analysis::testing {

// Path of a fixture relative to the repo root (STREAMLENS_SOURCE_DIR, else the working dir).
inline std::string SourcePath(const std::string& rel) {
  const char* root = std::getenv("STREAMLENS_SOURCE_DIR");
  return (root ? std::string(root) + "/" : std::string()) + rel;
}

struct Table {
  std::vector<std::string> names;
  std::map<std::string, std::vector<double>> num;
  std::vector<std::vector<std::string>> rows;  // raw cells
};

inline bool ReadTable(const std::string& path, Table* t) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  if (!std::getline(in, line)) return false;
  std::stringstream hs(line);
  std::string cell;
  while (std::getline(hs, cell, ',')) t->names.push_back(cell);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ls(line);
    std::vector<std::string> row;
    while (std::getline(ls, cell, ',')) row.push_back(cell);
    for (size_t i = 0; i < t->names.size() && i < row.size(); ++i) {
      t->num[t->names[i]].push_back(std::strtod(row[i].c_str(), nullptr));
    }
    t->rows.push_back(std::move(row));
  }
  return true;
}

}  // namespace streamlens::analysis::testing
