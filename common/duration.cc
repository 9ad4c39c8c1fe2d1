#include "common/duration.h"

#include <charconv>
#include <cstdint>

namespace streamlens {
namespace {

std::string Quote(std::string_view v) { return "\"" + std::string(v) + "\""; }

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::Error("expected a duration like 30s, 5m or 1h30m; got \"\"");
  if (text == "0") return std::chrono::milliseconds(0);
  const auto bad = [&] {
    return Status::Error("expected a duration like 500ms, 30s, 5m, 1h30m or 7d; got " +
                         Quote(text));
  };
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return bad();
    int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, n);
    if (ec != std::errc() || p != text.data() + i) return bad();
    size_t ustart = i;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) ++i;
    std::string_view unit = text.substr(ustart, i - ustart);
    int64_t mult;
    if (unit == "ms") {
      mult = 1;
    } else if (unit == "s") {
      mult = 1000;
    } else if (unit == "m") {
      mult = 60'000;
    } else if (unit == "h") {
      mult = 3'600'000;
    } else if (unit == "d") {
      mult = 86'400'000;
    } else if (unit == "w") {
      mult = 7 * 86'400'000LL;
    } else if (unit == "y") {
      mult = 365 * 86'400'000LL;
    } else {
      return bad();
    }
    if (n > (INT64_MAX - total) / mult) return Status::Error("duration too large: " + Quote(text));
    total += n * mult;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.name;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace streamlens
