// Decoder for the Prometheus HTTP API's JSON query answers (/api/v1/query with a range
// selector, /api/v1/query_range), as also served by VictoriaMetrics, Thanos and others.
// Internal to remote_read; exposed for tests and the fuzzer.
//
// Reads {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},
// "values":[[1700000000.123,"1.5"],...]}]}} straight into a SeriesSetBuilder without building a
// JSON tree. {"status":"error",...} becomes an error quoting errorType and error. Pure, no I/O.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

// Keeps samples with start_ms <= t <= end_ms. Malformed JSON gives an error with the byte
// offset; a non-matrix/vector result is an error naming its type. More than max_series series or
// max_samples samples stop the decoding with LimitExceeded (fetch_limits.h).
Status DecodeQueryJson(std::string_view body, int64_t start_ms, int64_t end_ms,
                       SeriesSetBuilder* out, size_t max_series = SIZE_MAX,
                       size_t max_samples = SIZE_MAX);

}  // namespace streamlens::remote_read
