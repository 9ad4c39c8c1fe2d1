// Parsing of user-given times for --start/--end: RFC 3339 ("2026-11-20T00:00:00Z",
// "2026-11-20T01:30:00.250+02:00"), Unix seconds ("1700000000", "1700000000.5"), and relative
// forms "now", "now-7d", "now+1h30m" (durations as common/flags.h ParseDuration reads them).
// Pure: the caller passes "now". Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace streamlens::remote_read {

// Milliseconds since the Unix epoch, or an error naming the text and the accepted forms.
Result<int64_t> ParseTimeSpec(std::string_view text, int64_t now_ms);

}  // namespace streamlens::remote_read
