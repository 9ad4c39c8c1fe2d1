// Durations as Prometheus writes them ("500ms", "30s", "5m", "1h30m", "7d", "2w", "1y"): parsing
// and formatting. Pure functions, thread-safe; in the small streamlens_base library so the
// analysis code can read the same durations as the flags and configs.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace streamlens {

// Parses a duration. A bare number is rejected (units are required) so "30" is never silently
// 30 ms; "0" is zero. Errors say what was expected.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// Formats a duration the way ParseDuration reads it ("1h30m", "500ms", "0s").
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace streamlens
