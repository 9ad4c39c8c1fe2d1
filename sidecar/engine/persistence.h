// Persistence of a job's per-series state under --storage.path: the state file layout, its
// encoding and decoding, and crash-safe replacement of the file.
//
// One file per job, <storage>/<sanitised job name>.state. Layout (little endian): magic
// "SLSTATE\0", u32 version (3), u64 payload length, u32 CRC32C of the payload, payload. The
// payload: str fingerprint, i64 next_fit_ms, i64 last_end_ms, u64 series count, then per series:
// str key, u32 label count, (str name, str value)*, i64 last_t, f64 last_value (the transformed
// value at last_t, which peer comparisons use right after a restart), i64 last_seen_ms, the
// refit schedule (i64 next_fit_ms, i64 last_fit_ms, u8 full_fit), u32 model count, (str kind, str
// bytes)*, u8 has_anomaly, i64 t + 5 x f64 anomaly point, u64 history count, (i64 t, f64 score)*,
// u8 has_forecast, forecast, str anomaly_model, str forecast_model. Strings are u64 length + bytes
// (common/binary_io.h).
//
// Version 2 files (no per-series refit schedule: the job's next_fit_ms stands for every series)
// and version 1 files (also without length and checksum) are still read.
//
// Only fitted series are saved. A file whose fingerprint differs from the job's (its analysis
// config changed) is stale; one whose checksum, length or contents do not check out is corrupt
// (a flipped byte, a torn write by something other than WriteFileAtomic). Either is refused with
// a reason and the job refits. Files are replaced atomically: a uniquely named temporary file in
// the same directory, fsync, rename, fsync of the directory, so a crash leaves the old or the new
// file and two writers never share a temporary file.
// Stateless free functions; thread-safe.
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

// Why a state file could not be used.
enum class StateProblem {
  kNone,
  kStale,    // written for another analysis config or by an unknown version: refit, no alarm
  kCorrupt,  // not a state file, bad checksum, truncated, undecodable: reported as corrupt
};

// Decodes a state file written for a job with `fingerprint` and `analyses`. An error names why
// the file cannot be used (bad checksum, changed config, truncated, ...) and `*problem` (may be
// null) says whether it is stale or corrupt.
Result<RestoredJobState> DecodeJobState(std::string_view data, const std::string& fingerprint,
                                        const AnalysisList& analyses,
                                        StateProblem* problem = nullptr);

// Writes `data` to `path` so that a reader sees either the old or the new file, also across a
// crash: a temporary file beside it with a name no other writer uses, fsync, rename, fsync of the
// directory. Creates the directory when missing.
Status WriteFileAtomic(const std::string& path, const std::string& data);

// Reads a whole state file. No value when the file does not exist; an error when it exists but
// cannot be read.
Result<std::optional<std::string>> ReadStateFile(const std::string& path);

}  // namespace streamlens::engine
