// Splitting one long time range into sub-queries and running them with bounded concurrency;
// shared by both Source implementations. Internal to remote_read, but exposed for tests.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/matcher.h"
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

// One sub-query of a source that selects series by a PromQL selector (the query API,
// VictoriaMetrics' export API): [start, end] of `selector`, adding to *stats, within *budget.
using SelectorFetch =
    std::function<Result<SeriesSet>(const std::string& selector, int64_t start_ms, int64_t end_ms,
                                    FetchStats* stats, FetchBudget* budget)>;

// The series of `matchers` (not empty) over [start, end], fetched by FetchInPieces with the
// options' sub-query range, density, concurrency and limits (one budget for all sub-queries);
// *stats gets the sub-queries' sums, `response_type` and the wall time; the merged answer is
// checked against the limits.
Result<SeriesSet> FetchSelector(const std::vector<Matcher>& matchers, int64_t start_ms,
                                int64_t end_ms, const ClientOptions& options, int64_t align_ms,
                                std::string response_type, const SelectorFetch& fetch_one,
                                FetchStats* stats);

// As FetchInPieces, for pieces of any type: `merge` joins them (given in time order) into the
// answer, and Part::num_samples() (an estimate is enough) measures the density.
template <typename Part>
Result<SeriesSet> FetchPiecesAndMerge(
    int64_t start_ms, int64_t end_ms, int64_t max_range_ms, int64_t max_samples, int concurrency,
    int64_t align_ms, const std::function<Result<Part>(const TimeRange&)>& fetch,
    const std::function<Result<SeriesSet>(std::vector<Part>)>& merge, FetchStats* stats);

namespace internal {

// Runs fetch(pieces[i]) on up to `concurrency` threads; stops handing out pieces after an
// error. Returns the first error in time order.
template <typename Part>
Status RunPieces(const std::vector<TimeRange>& pieces, int concurrency,
                 const std::function<Result<Part>(const TimeRange&)>& fetch,
                 std::vector<std::optional<Result<Part>>>* results) {
  results->resize(pieces.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= pieces.size()) return;
      (*results)[i].emplace(fetch(pieces[i]));
      if (!(*results)[i]->ok()) next.store(pieces.size());  // stop handing out new pieces
    }
  };
  int n = std::max(1, std::min<int>(concurrency, static_cast<int>(pieces.size())));
  std::vector<std::thread> threads;
  for (int k = 1; k < n; ++k) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < pieces.size(); ++i) {
    if ((*results)[i] && !(*results)[i]->ok()) return (*results)[i]->status();
  }
  return Status::Ok();
}

// The length of the pieces after a first one of `span_ms` that held `samples`.
int64_t PieceLengthFromDensity(int64_t span_ms, size_t samples, int64_t max_samples,
                               int64_t max_range_ms, int64_t align_ms);

}  // namespace internal

template <typename Part>
Result<SeriesSet> FetchPiecesAndMerge(
    int64_t start_ms, int64_t end_ms, int64_t max_range_ms, int64_t max_samples, int concurrency,
    int64_t align_ms, const std::function<Result<Part>(const TimeRange&)>& fetch,
    const std::function<Result<SeriesSet>(std::vector<Part>)>& merge, FetchStats* stats) {
  if (end_ms < start_ms) {
    return Status::Error("time range end " + std::to_string(end_ms) + " is before its start " +
                         std::to_string(start_ms));
  }
  std::vector<TimeRange> pieces = SplitRange(start_ms, end_ms, max_range_ms, align_ms);
  std::vector<Part> done;
  if (max_samples > 0 && pieces.size() > 1) {
    auto first = fetch(pieces[0]);
    if (!first.ok()) return first.status();
    const int64_t len =
        internal::PieceLengthFromDensity(pieces[0].end_ms - pieces[0].start_ms + 1,
                                         first->num_samples(), max_samples, max_range_ms, align_ms);
    const int64_t rest_start = pieces[0].end_ms + 1;
    done.push_back(std::move(*first));
    pieces = SplitRange(rest_start, end_ms, len, align_ms);
  }
  std::vector<std::optional<Result<Part>>> results;
  STREAMLENS_RETURN_IF_ERROR(internal::RunPieces(pieces, concurrency, fetch, &results));
  if (stats) stats->sub_queries += static_cast<int>(done.size() + pieces.size());
  done.reserve(done.size() + results.size());
  for (auto& r : results) done.push_back(std::move(*r).value());
  results.clear();
  return merge(std::move(done));
}

}  // namespace streamlens::remote_read
