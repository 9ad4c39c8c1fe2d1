// NAB label windows (labels/combined_windows.json): {"<category>/<file>.csv": [["start", "end"],
// ...]} read without a JSON library (the file only holds strings in nested arrays), and mapped to
// row indices of a series. Header-only, shared by the backtest and nab-score commands.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/anomaly/nab.h"
#include "sidecar/cli/csv_io.h"

namespace streamlens::sidecar {

using NabLabels = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

inline Result<NabLabels> ReadNabLabels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot open NAB labels (combined_windows.json)");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  NabLabels labels;
  int depth = 0;
  std::string key;
  std::vector<std::string> pair;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '{' || c == '[') {
      ++depth;
      if (depth == 3) pair.clear();
    } else if (c == '}' || c == ']') {
      if (depth == 3) {
        if (pair.size() != 2) {
          return Status::Error(path + ": window of \"" + key + "\" must be [start, end]");
        }
        labels[key].emplace_back(pair[0], pair[1]);
      }
      --depth;
    } else if (c == '"') {
      const size_t e = s.find('"', i + 1);
      if (e == std::string::npos) return Status::Error(path + ": unterminated string");
      std::string str = s.substr(i + 1, e - i - 1);
      i = e;
      if (depth == 1) {
        key = str;
        labels[key];
      } else if (depth == 3) {
        pair.push_back(str);
      } else {
        return Status::Error(path + ": unexpected string \"" + str + "\"");
      }
    }
  }
  if (depth != 0 || labels.empty()) {
    return Status::Error(path + ": not a NAB combined_windows.json");
  }
  return labels;
}

// Row ranges of the windows: first row at/after start .. last row at/before end.
inline Result<std::vector<analysis::NabWindow>> MapWindows(
    const std::vector<std::pair<std::string, std::string>>& windows,
    const std::vector<double>& times, const std::string& what) {
  std::vector<analysis::NabWindow> out;
  for (const auto& [a, b] : windows) {
    const double ta = ParseTimestampSeconds(a), tb = ParseTimestampSeconds(b);
    if (std::isnan(ta) || std::isnan(tb)) {
      return Status::Error(what + ": unparsable window [" + a + ", " + b + "]");
    }
    int left = -1, right = -1;
    for (size_t i = 0; i < times.size(); ++i) {
      if (times[i] >= ta && times[i] <= tb) {
        if (left < 0) left = static_cast<int>(i);
        right = static_cast<int>(i);
      }
    }
    if (left >= 0) out.push_back({left, right});
  }
  return out;
}

}  // namespace streamlens::sidecar
