#include "sidecar/analysis/anomaly/detector_spec.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>

#include "common/duration.h"

namespace streamlens::analysis {
namespace {

using std::chrono::milliseconds;

Result<int64_t> ParseSpan(std::string_view v) {
  auto d = ParseDuration(v);
  if (!d.ok()) return d.status();
  return static_cast<int64_t>(d->count());
}

Result<double> ParseNumber(std::string_view v) {
  double x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(x)) {
    return Status::Error("\"" + std::string(v) + "\" is not a number");
  }
  return x;
}

// "a+b+c" of durations; `none_word` (if not empty) means the empty list.
Result<std::vector<int64_t>> ParseSpans(std::string_view v, std::string_view none_word) {
  std::vector<int64_t> out;
  if (!none_word.empty() && v == none_word) return out;
  while (!v.empty()) {
    const size_t plus = v.find('+');
    auto d = ParseSpan(v.substr(0, plus));
    if (!d.ok()) return d.status();
    out.push_back(*d);
    if (plus == std::string_view::npos) break;
    v.remove_prefix(plus + 1);
  }
  return out;
}

std::string FormatSpans(const std::vector<int64_t>& v, std::string_view none_word) {
  if (v.empty()) return std::string(none_word);
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : "+") + FormatDuration(milliseconds(x));
  return s;
}

std::string FormatNumber(double x) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, p);
}

// One row of the key table: how to read a value into a spec and write it back.
struct Key {
  const char* name;
  std::function<Status(DetectorSpec&, std::string_view)> set;
  std::function<std::string(const DetectorSpec&)> get;
};

template <typename T>
Status Assign(Result<T> r, T* field) {
  if (!r.ok()) return r.status();
  *field = *r;
  return Status::Ok();
}

Key SpanKey(const char* name, int64_t DetectorSpec::*field) {
  return {
      name,
      [field](DetectorSpec& s, std::string_view v) { return Assign(ParseSpan(v), &(s.*field)); },
      [field](const DetectorSpec& s) { return FormatDuration(milliseconds(s.*field)); }};
}

Key NumberKey(const char* name, double DetectorSpec::*field) {
  return {
      name,
      [field](DetectorSpec& s, std::string_view v) { return Assign(ParseNumber(v), &(s.*field)); },
      [field](const DetectorSpec& s) { return FormatNumber(s.*field); }};
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      {"direction",
       [](DetectorSpec& s, std::string_view v) {
         if (v == "above")
           s.direction = Direction::kAbove;
         else if (v == "below")
           s.direction = Direction::kBelow;
         else if (v == "both")
           s.direction = Direction::kBoth;
         else
           return Status::Error("\"" + std::string(v) + "\" is not above, below or both");
         return Status::Ok();
       },
       [](const DetectorSpec& s) {
         return std::string(s.direction == Direction::kAbove   ? "above"
                            : s.direction == Direction::kBelow ? "below"
                                                               : "both");
       }},
      SpanKey("min_duration", &DetectorSpec::min_duration_ms),
      {"levels",
       [](DetectorSpec& s, std::string_view v) {
         return Assign(ParseSpans(v, "none"), &s.level_spans_ms);
       },
       [](const DetectorSpec& s) { return FormatSpans(s.level_spans_ms, "none"); }},
      SpanKey("local", &DetectorSpec::local_span_ms),
      {"periods",
       [](DetectorSpec& s, std::string_view v) {
         return Assign(ParseSpans(v, "clock"), &s.periods_ms);
       },
       [](const DetectorSpec& s) { return FormatSpans(s.periods_ms, "clock"); }},
      {"cycles",
       [](DetectorSpec& s, std::string_view v) {
         auto n = ParseNumber(v);
         if (!n.ok()) return n.status();
         if (*n != std::floor(*n) || *n < 1 || *n > 64) {
           return Status::Error("must be a whole number in 1..64");
         }
         s.cycles = static_cast<int>(*n);
         return Status::Ok();
       },
       [](const DetectorSpec& s) { return std::to_string(s.cycles); }},
      SpanKey("memory", &DetectorSpec::memory_ms),
      SpanKey("warmup", &DetectorSpec::warmup_ms),
      SpanKey("usual", &DetectorSpec::usual_ms),
      NumberKey("sensitivity", &DetectorSpec::sensitivity),
      NumberKey("min_abs_dev", &DetectorSpec::min_abs_dev),
      NumberKey("min_rel_dev", &DetectorSpec::min_rel_dev),
      SpanKey("onset", &DetectorSpec::onset_ms),
  };
  return keys;
}

}  // namespace

Status ValidateDetectorSpec(const DetectorSpec& s) {
  if (s.min_duration_ms < 0) return Status::Error("min_duration must not be negative");
  for (int64_t l : s.level_spans_ms) {
    if (l <= 0) return Status::Error("levels: every span must be positive");
  }
  if (s.local_span_ms <= 0) return Status::Error("local must be positive");
  for (int64_t p : s.periods_ms) {
    if (p < 60'000) return Status::Error("periods: every period must be at least 1m");
  }
  if (s.cycles < 1 || s.cycles > 64) return Status::Error("cycles must be in 1..64");
  if (s.memory_ms <= 0) return Status::Error("memory must be positive");
  if (s.warmup_ms < 0) return Status::Error("warmup must not be negative");
  if (s.usual_ms < 60'000) return Status::Error("usual must be at least 1m");
  if (!(s.sensitivity > 0)) return Status::Error("sensitivity must be positive");
  if (!(s.min_abs_dev >= 0)) return Status::Error("min_abs_dev must not be negative");
  if (!(s.min_rel_dev >= 0)) return Status::Error("min_rel_dev must not be negative");
  if (s.onset_ms < 0) return Status::Error("onset must not be negative");
  return Status::Ok();
}

Result<DetectorSpec> ParseDetectorSpec(std::string_view text, DetectorSpec spec) {
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::Error("detector spec: \"" + std::string(item) + "\" is not key=value");
    }
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    const Key* found = nullptr;
    for (const Key& k : Keys()) {
      if (key == k.name) found = &k;
    }
    if (!found) {
      std::string names;
      for (const Key& k : Keys()) names += (names.empty() ? "" : ", ") + std::string(k.name);
      return Status::Error("detector spec: unknown key \"" + std::string(key) +
                           "\" (known: " + names + ")");
    }
    Status st = found->set(spec, value);
    if (!st.ok()) return st.WithContext("detector spec: " + std::string(key));
  }
  Status st = ValidateDetectorSpec(spec);
  if (!st.ok()) return st.WithContext("detector spec");
  return spec;
}

std::string FormatDetectorSpec(const DetectorSpec& spec) {
  std::string out;
  for (const Key& k : Keys())
    out += (out.empty() ? "" : ",") + std::string(k.name) + "=" + k.get(spec);
  return out;
}

std::vector<std::string> DetectorNames() { return {"streamlens", "custom:<key=value,...>"}; }

Result<DetectorSpec> FindDetector(std::string_view name) {
  if (name == "streamlens") return DetectorSpec{};
  if (name.substr(0, 7) == "custom:") return ParseDetectorSpec(name.substr(7));
  return Status::Error("unknown detector \"" + std::string(name) +
                       "\" (streamlens, or custom:key=value,...)");
}

}  // namespace streamlens::analysis
