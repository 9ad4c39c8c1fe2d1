// Splitting one long time range into sub-queries and running them with bounded concurrency;
// shared by both Source implementations. Internal to remote_read, but exposed for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/series_set.h"
#include "sidecar/remote_read/source.h"

namespace streamlens::remote_read {

struct TimeRange {
  int64_t start_ms;  // inclusive
  int64_t end_ms;    // inclusive
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// Cuts [start, end] into consecutive disjoint inclusive ranges of at most max_range_ms
// (0 = no limit). With align_ms > 0 every piece but the last starts at start + k*align_ms and
// spans a whole number of align_ms steps (for query_range, so step points do not move).
std::vector<TimeRange> SplitRange(int64_t start_ms, int64_t end_ms, int64_t max_range_ms,
                                  int64_t align_ms = 0);

// Fetches [start, end] piece by piece with fetch(range), at most `concurrency` at a time, and
// merges the pieces in time order into one SeriesSet. With max_samples > 0, the first piece is
// fetched alone, its sample density sets the length of the remaining pieces. The first error
// (in time order) is returned.
Result<SeriesSet> FetchInPieces(int64_t start_ms, int64_t end_ms, int64_t max_range_ms,
                                int64_t max_samples, int concurrency, int64_t align_ms,
                                const std::function<Result<SeriesSet>(const TimeRange&)>& fetch,
                                FetchStats* stats);

}  // namespace streamlens::remote_read
