#include "tests/exporter/scrape.h"

#include <httplib.h>

#include <cstdlib>
#include <sstream>

namespace streamlens::testing {

std::pair<int, std::string> HttpGet(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto res = c.Get(path.c_str());
  if (!res) return {0, ""};
  return {res->status, res->body};
}

namespace {
// Parses `name{a="x",b="y"} value` lines (values without escapes, which our tests use).
bool ParseLine(const std::string& line, std::string* name, Labels* labels, double* value) {
  if (line.empty() || line[0] == '#') return false;
  size_t i = line.find_first_of("{ ");
  if (i == std::string::npos) return false;
  *name = line.substr(0, i);
  labels->clear();
  if (line[i] == '{') {
    size_t end = line.find('}', i);
    if (end == std::string::npos) return false;
    std::string body = line.substr(i + 1, end - i - 1);
    size_t pos = 0;
    while (pos < body.size()) {
      size_t eq = body.find('=', pos);
      if (eq == std::string::npos) break;
      size_t q1 = body.find('"', eq);
      size_t q2 = body.find('"', q1 + 1);
      (*labels)[body.substr(pos, eq - pos)] = body.substr(q1 + 1, q2 - q1 - 1);
      pos = q2 + 1;
      if (pos < body.size() && body[pos] == ',') ++pos;
    }
    i = end + 1;
  }
  *value = std::strtod(line.c_str() + i, nullptr);
  return true;
}
}  // namespace

std::optional<double> Sample(const std::string& text, const std::string& name,
                             const Labels& labels) {
  std::istringstream in(text);
  std::string line, n;
  Labels l;
  double v;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) != 0) continue;
    if (ParseLine(line, &n, &l, &v) && n == name && l == labels) return v;
  }
  return std::nullopt;
}

size_t CountSamples(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line, n;
  Labels l;
  double v;
  size_t count = 0;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) != 0) continue;
    if (ParseLine(line, &n, &l, &v) && n == name) ++count;
  }
  return count;
}

}  // namespace streamlens::testing
