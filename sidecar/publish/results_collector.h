// ResultsCollector: the engine's results and self-metrics as the sidecar's /metrics body.
//
// Body() reads one immutable ResultsSnapshot and the engine status; it never waits for a
// running job (results may be up to one infer_every old, as HELP says). Families,
// one per output (all gauges unless noted):
//   streamlens_anomaly_score, streamlens_y, streamlens_yhat, streamlens_yhat_lower,
//   streamlens_yhat_upper                         {<input labels>, for, model}
//   streamlens_forecast, streamlens_forecast_lower, streamlens_forecast_upper
//                                                 {<input labels>, for, model, horizon}
//   streamlens_time_to_threshold_seconds          {<input labels>, for, model, threshold}
//       present only while the forecast crosses the threshold within its longest horizon
//   streamlens_threshold_breach_probability       {<input labels>, for, model, threshold, horizon}
//   streamlens_outlier_score                      {for, <member labels>}
//   the analysis III families (ExtraSample), and the streamlens_sidecar_* self-metrics.
// No NaN or Inf is ever emitted: a non-finite value drops its sample.
//
// Scrapes are served from prepared pieces: each published JobResults (immutable, swapped in by
// the engine once per job cycle) is rendered to exposition text once, one chunk per family, and
// compressed once into a standalone deflate segment (common/gzip_stream.h); a scrape assembles
// the family headers and the cached chunks of the current snapshot by pointer and renders and
// compresses only the self-metrics and the caller's tail (a few KB). So a scrape of 10,000
// series costs pointer copies, not a rendering of 170,000 samples, and a job's text is rendered
// once per cycle however many Prometheus servers scrape. Memory: the text and deflate segment of
// the current results (about 110 bytes of text per sample).
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/gzip_stream.h"
#include "common/http_server.h"
#include "sidecar/engine/results.h"

namespace streamlens::publish {

class ResultsCollector {
 public:
  using SnapshotFn = std::function<std::shared_ptr<const engine::ResultsSnapshot>()>;
  using StatusFn = std::function<engine::EngineStatus()>;
  // `gzip_level`: zlib level of the cached segments and the per-scrape tail (1 fastest .. 9
  // smallest); 0 serves plain text only.
  ResultsCollector(SnapshotFn snapshot, StatusFn status, int gzip_level = 1);

  // Reload outcome for streamlens_sidecar_config_last_reload_successful (1/0) and
  // streamlens_sidecar_config_last_reload_success_timestamp_seconds.
  void SetReloadResult(bool ok, double unix_seconds);

  // The body of one scrape: the analyses' families, then the self-metrics, then `tail` (the
  // caller's exposition text, e.g. process metrics). Gzip-encoded when `gzip` and gzip_level > 0.
  SharedBody Body(bool gzip, std::string_view tail = {}) const;
  // The same exposition as one plain-text string (tests, offline use).
  std::string Text() const;

 private:
  struct Piece {
    std::shared_ptr<const std::string> text;
    DeflateSegment deflate;  // empty when gzip_level is 0
  };
  // One published JobResults rendered: (family, samples) in the family order of the text.
  struct JobPieces {
    std::shared_ptr<const engine::JobResults> results;
    std::vector<std::pair<std::string, Piece>> families;
  };
  Piece MakePiece(std::string text) const;
  JobPieces Render(std::shared_ptr<const engine::JobResults> job) const;
  const Piece& Header(const std::string& family) const;  // needs mu_
  std::string SelfMetrics() const;
  // The cached pieces of `snap`'s results in exposition order (renders jobs not cached yet).
  std::vector<const Piece*> Pieces(const engine::ResultsSnapshot& snap) const;  // needs mu_

  SnapshotFn snapshot_;
  StatusFn status_;
  int gzip_level_;
  std::atomic<bool> reload_ok_{true};
  std::atomic<double> reload_success_ts_{0};
  mutable std::mutex mu_;
  mutable std::vector<JobPieces> cache_;          // the last snapshot's jobs
  mutable std::map<std::string, Piece> headers_;  // HELP/TYPE lines by family
};

}  // namespace streamlens::publish
