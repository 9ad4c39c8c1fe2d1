#include "sidecar/engine/fit_batches.h"

#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace streamlens::engine {
namespace {

std::string_view ValueOf(const SeriesState& s, const std::string& name) {
  for (const auto& [n, v] : s.input_labels) {
    if (n == name) return v;
  }
  return {};
}

struct Partition {
  std::string label;
  std::unordered_map<std::string_view, size_t> known_per_value;
  size_t fetched = 0;   // known series whose value is one of the wanted values
  size_t distinct = 0;  // wanted values
};

Partition Evaluate(const std::string& label, const std::vector<SeriesState*>& wanted,
                   const SeriesMap& known) {
  Partition p;
  p.label = label;
  for (const auto& [key, st] : known) ++p.known_per_value[ValueOf(*st, label)];
  std::unordered_set<std::string_view> values;
  for (const SeriesState* s : wanted) values.insert(ValueOf(*s, label));
  for (std::string_view v : values) {
    auto it = p.known_per_value.find(v);
    p.fetched += it == p.known_per_value.end() ? 1 : it->second;
  }
  p.distinct = values.size();
  return p;
}

}  // namespace

std::string QuoteRegex(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c != '\0' && std::strchr("\\.+*?()|[]{}^$", c) != nullptr) out += '\\';
    out += c;
  }
  return out;
}

remote_read::Matcher MatchAnyOf(const std::string& label,
                                const std::vector<std::string_view>& values) {
  remote_read::Matcher m;
  m.name = label;
  if (values.size() == 1) {
    m.type = remote_read::MatchType::kEqual;
    m.value = std::string(values[0]);
    return m;
  }
  m.type = remote_read::MatchType::kRegexMatch;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) m.value += '|';
    m.value += QuoteRegex(values[i]);
  }
  return m;
}

std::vector<FitBatch> PlanFitBatches(const std::vector<remote_read::Matcher>& job_matchers,
                                     const std::vector<SeriesState*>& wanted,
                                     const SeriesMap& known, size_t batch_size) {
  std::vector<FitBatch> out;
  if (wanted.empty()) return out;
  batch_size = std::max<size_t>(batch_size, 1);
  std::set<std::string> labels;
  for (const SeriesState* s : wanted) {
    for (const auto& l : s->input_labels) labels.insert(l.first);
  }
  Partition best;
  bool have = false;
  for (const std::string& label : labels) {
    Partition p = Evaluate(label, wanted, known);
    if (!have || p.fetched < best.fetched ||
        (p.fetched == best.fetched && p.distinct > best.distinct)) {
      best = std::move(p);
      have = true;
    }
  }
  std::map<std::string_view, std::vector<SeriesState*>> by_value;
  for (SeriesState* s : wanted) by_value[ValueOf(*s, best.label)].push_back(s);
  FitBatch cur;
  std::vector<std::string_view> values;
  auto flush = [&] {
    if (cur.wanted.empty()) return;
    cur.matchers = job_matchers;
    cur.matchers.push_back(MatchAnyOf(best.label, values));
    out.push_back(std::move(cur));
    cur = FitBatch();
    values.clear();
  };
  for (auto& [value, series] : by_value) {
    auto it = best.known_per_value.find(value);
    const size_t n = std::max(it == best.known_per_value.end() ? 0 : it->second, series.size());
    if (cur.expected + n > batch_size) flush();
    values.push_back(value);
    cur.expected += n;
    cur.wanted.insert(cur.wanted.end(), series.begin(), series.end());
  }
  flush();
  return out;
}

}  // namespace streamlens::engine
