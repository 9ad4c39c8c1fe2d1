// Prometheus TSDB XOR ("Gorilla") chunk encoding: decoder (hot path) and encoder (tests,
// benchmarks, fuzz seeds). Format: ../shared/REFERENCE.md section 1.
//
// Pure functions, thread-safe. The decoder validates everything it reads: a chunk that ends
// early, a sample count that does not match the bits, timestamps that do not increase, or an
// impossible leading/trailing window each give an error; it never reads outside `data`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::remote_read {

// The value Prometheus writes to mark a series stale (a NaN with this exact bit pattern).
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;

// Number of samples a chunk claims (its 2-byte header), or an error if shorter than 2 bytes.
Result<size_t> XorChunkSampleCount(std::string_view data);

// Decodes all samples of `data` into ts[0..n) and values[0..n), where n = XorChunkSampleCount(),
// and `capacity` must be >= n. On success returns n. Errors name what was wrong and at which
// sample ("sample 17 of 120: chunk data ends early").
Result<size_t> DecodeXorChunkInto(std::string_view data, int64_t* ts, double* values,
                                  size_t capacity);

// Decodes `data` and appends the samples with min_t <= t <= max_t to the columns. Stale
// markers are dropped unless keep_stale is set. Returns the number of samples appended. On
// error the columns are left as they were.
Result<size_t> AppendXorChunk(std::string_view data, int64_t min_t, int64_t max_t, bool keep_stale,
                              std::vector<int64_t>* ts, std::vector<double>* values);

// As AppendXorChunk, and reports the first and last decoded timestamps (before trimming) in
// *first_t and *last_t (unchanged when the chunk is empty).
Result<size_t> AppendXorChunkChecked(std::string_view data, int64_t min_t, int64_t max_t,
                                     bool keep_stale, std::vector<int64_t>* ts,
                                     std::vector<double>* values, int64_t* first_t,
                                     int64_t* last_t);

// Encodes samples (timestamps strictly increasing, at most 65535) exactly as Prometheus does.
std::string EncodeXorChunk(std::span<const int64_t> ts, std::span<const double> values);

}  // namespace streamlens::remote_read
