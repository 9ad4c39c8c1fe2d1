// Persistence of a job's per-series state under --storage.path: the state file layout, its
// encoding and decoding, and crash-safe replacement of the file.
//
// One file per job, <storage>/<sanitised job name>.state. Layout (little endian): magic
// "SLSTATE\0", u32 version, str fingerprint, i64 next_fit_ms, i64 last_end_ms, u64 series count,
// then per series: str key, u32 label count, (str name, str value)*, i64 last_t, f64 last_raw,
// i64 last_seen_ms, u32 model count, (str kind, str bytes)*, u8 has_anomaly, i64 t + 5 x f64
// anomaly point, u64 history count, (i64 t, f64 score)*, u8 has_forecast, forecast,
// str anomaly_model, str forecast_model. Strings are u64 length + bytes (state_io.h).
//
// Only fitted series are saved. A file whose fingerprint differs from the job's (its analysis
// config changed) or that does not decode is refused with a reason, and the job refits.
// Stateless free functions; thread-safe as long as two callers do not write the same job's file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/engine/analysis_runner.h"
#include "sidecar/engine/series_state.h"

namespace streamlens::engine {

// A job's analyses in order; SeriesState::models is parallel to it.
using AnalysisList = std::vector<std::unique_ptr<SeriesAnalysis>>;

// What a state file restores.
struct RestoredJobState {
  int64_t next_fit_ms = 0;
  int64_t last_end_ms = kNever;
  SeriesMap series;  // every series fitted and marked restored
};

// <storage_path>/<job name with characters outside [A-Za-z0-9_.-] replaced by '_'>.state
std::string StateFilePath(const std::string& storage_path, const std::string& job_name);

// The file contents for the fitted series of `series`.
std::string EncodeJobState(const std::string& fingerprint, int64_t next_fit_ms, int64_t last_end_ms,
                           const SeriesMap& series, const AnalysisList& analyses);

// Decodes a state file written for a job with `fingerprint` and `analyses`. An error names why
// the file cannot be used (not a state file, other version, changed config, truncated, ...).
Result<RestoredJobState> DecodeJobState(std::string_view data, const std::string& fingerprint,
                                        const AnalysisList& analyses);

// Writes `data` to `path` so that a reader sees either the old or the new file: a temporary
// file beside it, fsync, rename. Creates the directory when missing.
Status WriteFileAtomic(const std::string& path, const std::string& data);

// Reads a whole state file. No value when the file does not exist; an error when it exists but
// cannot be read.
Result<std::optional<std::string>> ReadStateFile(const std::string& path);

}  // namespace streamlens::engine
