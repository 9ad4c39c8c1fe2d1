#include "sidecar/remote_read/range_split.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace streamlens::remote_read {

std::vector<TimeRange> SplitRange(int64_t start_ms, int64_t end_ms, int64_t max_range_ms,
                                  int64_t align_ms) {
  std::vector<TimeRange> out;
  if (end_ms < start_ms) return out;
  if (max_range_ms <= 0) {
    out.push_back({start_ms, end_ms});
    return out;
  }
  int64_t piece = max_range_ms;
  if (align_ms > 0) piece = std::max<int64_t>(align_ms, piece / align_ms * align_ms);
  int64_t s = start_ms;
  for (;;) {
    // Each piece covers [s, s + piece - 1]; with alignment the next starts on a step.
    int64_t e = (end_ms - s) < piece ? end_ms : s + piece - 1;
    out.push_back({s, e});
    if (e >= end_ms) break;
    s = e + 1;
  }
  return out;
}

namespace {

Status RunPieces(const std::vector<TimeRange>& pieces, int concurrency,
                 const std::function<Result<SeriesSet>(const TimeRange&)>& fetch,
                 std::vector<std::optional<Result<SeriesSet>>>* results) {
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

}  // namespace

Result<SeriesSet> FetchInPieces(int64_t start_ms, int64_t end_ms, int64_t max_range_ms,
                                int64_t max_samples, int concurrency, int64_t align_ms,
                                const std::function<Result<SeriesSet>(const TimeRange&)>& fetch,
                                FetchStats* stats) {
  if (end_ms < start_ms) {
    return Status::Error("time range end " + std::to_string(end_ms) + " is before its start " +
                         std::to_string(start_ms));
  }
  std::vector<TimeRange> pieces = SplitRange(start_ms, end_ms, max_range_ms, align_ms);
  std::vector<SeriesSet> done;
  if (max_samples > 0 && pieces.size() > 1) {
    auto first = fetch(pieces[0]);
    if (!first.ok()) return first.status();
    int64_t span = pieces[0].end_ms - pieces[0].start_ms + 1;
    size_t n = first->num_samples();
    int64_t rest_start = pieces[0].end_ms + 1;
    done.push_back(std::move(*first));
    int64_t len = max_range_ms;
    if (n > 0) {
      double per_ms = static_cast<double>(n) / static_cast<double>(span);
      int64_t fit = static_cast<int64_t>(static_cast<double>(max_samples) / per_ms);
      len = std::max<int64_t>(1, std::min<int64_t>(max_range_ms > 0 ? max_range_ms : fit, fit));
      if (align_ms > 0) len = std::max(align_ms, len / align_ms * align_ms);
    }
    pieces = SplitRange(rest_start, end_ms, len, align_ms);
  }
  std::vector<std::optional<Result<SeriesSet>>> results;
  STREAMLENS_RETURN_IF_ERROR(RunPieces(pieces, concurrency, fetch, &results));
  if (stats) stats->sub_queries += static_cast<int>(done.size() + pieces.size());
  if (done.empty() && results.size() == 1) return std::move(*results[0]).value();
  done.reserve(done.size() + results.size());
  for (auto& r : results) done.push_back(std::move(*r).value());
  results.clear();
  return ConcatenateInTime(std::move(done));
}

}  // namespace streamlens::remote_read
