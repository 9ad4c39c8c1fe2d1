// CSV time-series files for the offline commands: `timestamp,value` or wide
// `timestamp,s1,s2,...` in, long or wide out. Header-only so any command can include it.
//
// Reading: the first row is a header (its first cell names the time column, the others the
// series). Timestamps are kept as text (written back verbatim) and parsed to Unix seconds when
// they are numbers or "YYYY-MM-DD[ T]HH:MM[:SS[.frac]][Z]" (UTC). Empty cells, "NaN", "NA" and
// "null" are missing values (NaN); any other unparsable cell is an error naming file, line and
// column. Quoted cells are not supported (time-series CSVs have none). Thread-compatible.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::sidecar {

struct CsvSeriesTable {
  std::string time_column;
  std::vector<std::string> names;            // one per series column
  std::vector<std::string> timestamps;       // as written in the file
  std::vector<double> times;                 // Unix seconds; NaN when not parseable
  std::vector<std::vector<double>> columns;  // columns[s][row]
};

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
inline long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// Unix seconds from a number or an ISO-like UTC date-time; NaN if neither.
inline double ParseTimestampSeconds(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) return v;
  int Y, M, D, h = 0, m = 0, n = 0;
  double sec = 0;
  char sep = 0;
  const std::string str(s);
  const int got = std::sscanf(str.c_str(), "%d-%d-%d%c%d:%d:%n", &Y, &M, &D, &sep, &h, &m, &n);
  if (got < 3) return std::numeric_limits<double>::quiet_NaN();
  if (got >= 6 && n > 0) {
    const char* rest = str.c_str() + n;
    char* end = nullptr;
    sec = std::strtod(rest, &end);
  }
  if (M < 1 || M > 12 || D < 1 || D > 31) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(DaysFromCivil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D))) *
             86400.0 +
         h * 3600.0 + m * 60.0 + sec;
}

inline Result<double> ParseCsvValue(std::string_view cell) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '"')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '"' || cell.back() == '\r')) {
    cell.remove_suffix(1);
  }
  if (cell.empty() || cell == "NaN" || cell == "nan" || cell == "NA" || cell == "null") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double v = 0;
  if (cell.front() == '+') cell.remove_prefix(1);
  auto [p, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || p != cell.data() + cell.size()) {
    return Status::Error("expected a number, got \"" + std::string(cell) + "\"");
  }
  return v;
}

inline Result<CsvSeriesTable> ReadSeriesCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot open for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  CsvSeriesTable t;
  size_t pos = 0, line_no = 0;
  auto next_line = [&](std::string_view* line) {
    if (pos >= data.size()) return false;
    size_t e = data.find('\n', pos);
    if (e == std::string::npos) e = data.size();
    *line = std::string_view(data).substr(pos, e - pos);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    pos = e + 1;
    ++line_no;
    return true;
  };
  auto split = [](std::string_view line, std::vector<std::string_view>* cells) {
    cells->clear();
    size_t s = 0;
    while (true) {
      const size_t c = line.find(',', s);
      if (c == std::string_view::npos) {
        cells->push_back(line.substr(s));
        break;
      }
      cells->push_back(line.substr(s, c - s));
      s = c + 1;
    }
  };
  std::string_view line;
  std::vector<std::string_view> cells;
  if (!next_line(&line) || line.empty())
    return Status::Error(path + ": empty file, expected a header");
  split(line, &cells);
  if (cells.size() < 2) {
    return Status::Error(path + ": header must be timestamp,value or timestamp,s1,s2,...");
  }
  t.time_column = std::string(cells[0]);
  for (size_t i = 1; i < cells.size(); ++i) t.names.emplace_back(cells[i]);
  t.columns.resize(t.names.size());
  while (next_line(&line)) {
    if (line.empty()) continue;
    split(line, &cells);
    if (cells.size() != t.names.size() + 1) {
      return Status::Error(path + ":" + std::to_string(line_no) + ": expected " +
                           std::to_string(t.names.size() + 1) + " cells, got " +
                           std::to_string(cells.size()));
    }
    t.timestamps.emplace_back(cells[0]);
    t.times.push_back(ParseTimestampSeconds(cells[0]));
    for (size_t i = 1; i < cells.size(); ++i) {
      auto v = ParseCsvValue(cells[i]);
      if (!v.ok()) {
        return Status::Error(path + ":" + std::to_string(line_no) + ": column " + t.names[i - 1] +
                             ": " + v.status().message());
      }
      t.columns[i - 1].push_back(*v);
    }
  }
  if (t.timestamps.empty()) return Status::Error(path + ": no data rows");
  return t;
}

// Appends a double in shortest round-trip form ("NaN" for NaN).
inline void AppendNumber(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, p);
}

// Writes `content` to `path` ("-" = stdout).
inline Status WriteFile(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Error(path + ": cannot open for writing");
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) return Status::Error(path + ": write failed");
  return Status::Ok();
}

}  // namespace streamlens::sidecar
