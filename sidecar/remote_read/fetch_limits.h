// Limits on one Fetch() of a source, with names, so a source that answers with more than the
// sidecar can hold, or too slowly, stops that fetch with an error saying which limit it hit
// instead of exhausting memory or holding a job forever.
//
// FetchLimits are configured per source (sources[].max_series, max_samples, max_bytes,
// fetch_timeout in the sidecar config). FetchBudget is the state of one Fetch() across its
// sub-queries and retries: bytes received so far, the deadline, and the process's CancelToken.
// Series and samples are checked by the decoders as they decode each reply (DecodeOptions) and
// on the merged answer. Thread-safe (sub-queries run concurrently).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/cancel_token.h"
#include "common/status.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

struct FetchLimits {
  size_t max_series = 1'000'000;           // distinct series in one answer
  size_t max_samples = 50'000'000;         // samples in one answer (16 bytes each in memory)
  uint64_t max_bytes = uint64_t{1} << 30;  // bytes received for one fetch, retries included
  std::chrono::milliseconds deadline{std::chrono::minutes(5)};  // whole fetch, retries included
};

// "fetch stopped: limit max_series (1000) exceeded" - the text every limit error starts with.
inline Status LimitExceeded(const std::string& name, uint64_t limit, const std::string& detail) {
  return Status::Error("fetch stopped: limit " + name + " (" + std::to_string(limit) +
                       ") exceeded" + (detail.empty() ? "" : ": " + detail));
}

class FetchBudget {
 public:
  FetchBudget(const FetchLimits& limits, const CancelToken* cancel)
      : limits_(limits),
        cancel_(cancel),
        deadline_(std::chrono::steady_clock::now() + limits.deadline) {}

  // Counts `n` bytes received; an error when over max_bytes, past the deadline or cancelled.
  Status AddBytes(size_t n) {
    const uint64_t total = bytes_.fetch_add(n) + n;
    if (total > limits_.max_bytes) {
      return LimitExceeded("max_bytes", limits_.max_bytes,
                           std::to_string(total) + " bytes received");
    }
    return Check();
  }
  // An error when past the deadline or cancelled.
  Status Check() const {
    if (cancel_ != nullptr && cancel_->cancelled()) {
      return Status::Error("fetch cancelled: shutting down");
    }
    if (std::chrono::steady_clock::now() > deadline_) return DeadlineExceeded();
    return Status::Ok();
  }
  Status DeadlineExceeded() const {
    return LimitExceeded("fetch_timeout", static_cast<uint64_t>(limits_.deadline.count()),
                         "milliseconds");
  }
  // Time left before the deadline (at least 1 ms, so it can be used as a timeout).
  std::chrono::milliseconds Remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(1));
  }
  const FetchLimits& limits() const { return limits_; }
  const CancelToken* cancel() const { return cancel_; }

 private:
  FetchLimits limits_;
  const CancelToken* cancel_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<uint64_t> bytes_{0};
};

// The merged answer of a fetch's sub-queries against max_series and max_samples (each reply was
// checked while decoding; sub-queries over different time ranges add up).
inline Result<SeriesSet> CheckMergedLimits(SeriesSet set, const FetchLimits& limits) {
  if (set.size() > limits.max_series) {
    return LimitExceeded("max_series", limits.max_series, std::to_string(set.size()) + " series");
  }
  if (set.num_samples() > limits.max_samples) {
    return LimitExceeded("max_samples", limits.max_samples,
                         std::to_string(set.num_samples()) + " samples");
  }
  return set;
}

}  // namespace streamlens::remote_read
