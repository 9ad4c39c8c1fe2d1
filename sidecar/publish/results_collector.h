// ResultsCollector: the engine's results and self-metrics as prometheus-cpp metric families.
//
// Collect() reads one immutable ResultsSnapshot and the engine status and renders them; it never
// waits for a running job (results may be up to one infer_every old, as HELP says). Families,
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
// Thread-safe.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "sidecar/engine/results.h"

namespace streamlens::publish {

class ResultsCollector : public prometheus::Collectable {
 public:
  using SnapshotFn = std::function<std::shared_ptr<const engine::ResultsSnapshot>()>;
  using StatusFn = std::function<engine::EngineStatus()>;
  ResultsCollector(SnapshotFn snapshot, StatusFn status);

  // Reload outcome for streamlens_sidecar_config_last_reload_successful (1/0) and
  // streamlens_sidecar_config_last_reload_success_timestamp_seconds.
  void SetReloadResult(bool ok, double unix_seconds);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  SnapshotFn snapshot_;
  StatusFn status_;
  std::atomic<bool> reload_ok_{true};
  std::atomic<double> reload_success_ts_{0};
};

// Renders `families` in the Prometheus text format (for tests and the offline commands).
std::string RenderText(const std::vector<prometheus::MetricFamily>& families);

}  // namespace streamlens::publish
