#include "sidecar/remote_read/range_split.h"

#include <algorithm>
#include <chrono>
#include <mutex>

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

namespace internal {

int64_t PieceLengthFromDensity(int64_t span_ms, size_t samples, int64_t max_samples,
                               int64_t max_range_ms, int64_t align_ms) {
  int64_t len = max_range_ms;
  if (samples > 0) {
    double per_ms = static_cast<double>(samples) / static_cast<double>(span_ms);
    int64_t fit = static_cast<int64_t>(static_cast<double>(max_samples) / per_ms);
    len = std::max<int64_t>(1, std::min<int64_t>(max_range_ms > 0 ? max_range_ms : fit, fit));
    if (align_ms > 0) len = std::max(align_ms, len / align_ms * align_ms);
  }
  return len;
}

}  // namespace internal

Result<SeriesSet> FetchInPieces(int64_t start_ms, int64_t end_ms, int64_t max_range_ms,
                                int64_t max_samples, int concurrency, int64_t align_ms,
                                const std::function<Result<SeriesSet>(const TimeRange&)>& fetch,
                                FetchStats* stats) {
  return FetchPiecesAndMerge<SeriesSet>(start_ms, end_ms, max_range_ms, max_samples, concurrency,
                                        align_ms, fetch, ConcatenateInTime, stats);
}

Result<SeriesSet> FetchSelector(const std::vector<Matcher>& matchers, int64_t start_ms,
                                int64_t end_ms, const ClientOptions& options, int64_t align_ms,
                                std::string response_type, const SelectorFetch& fetch_one,
                                FetchStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string selector = FormatSelector(matchers);
  std::mutex mu;
  FetchStats total;
  total.response_type = std::move(response_type);
  FetchBudget budget(options.limits, options.cancel.get());
  auto fetch = [&](const TimeRange& r) -> Result<SeriesSet> {
    FetchStats s;
    auto out = fetch_one(selector, r.start_ms, r.end_ms, &s, &budget);
    std::lock_guard<std::mutex> lock(mu);
    total.requests += s.requests;
    total.retries += s.retries;
    total.bytes_received += s.bytes_received;
    total.decode_seconds += s.decode_seconds;
    return out;
  };
  auto out =
      FetchInPieces(start_ms, end_ms, options.max_range.count(), options.max_samples_per_query,
                    options.max_concurrency, align_ms, fetch, &total);
  total.fetch_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (stats) *stats = total;
  if (out.ok()) out = CheckMergedLimits(std::move(*out), options.limits);
  return out;
}

}  // namespace streamlens::remote_read
