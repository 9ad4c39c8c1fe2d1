// The seam between the engine and the pure analysis code (sidecar/analysis/).
//
// The engine turns each source series into a dense series on the job's step grid and hands it
// to one SeriesModel per enabled per-series analysis (anomaly, forecast). A SeriesModel is
// created by fitting on history (SeriesAnalysis::Fit) and then updated with each cycle's new
// points; it holds only what the analysis needs to continue (fitted parameters and a bounded
// recent window), never the whole history, and can be saved to bytes and loaded back so a
// restart with --storage.path resumes without a refit.
//
// The adapters for the analysis libraries live in their own .cc files (they include Eigen and
// must never share a translation unit with httplib). A SeriesModel is used by one thread at a
// time; a SeriesAnalysis is immutable and shared by all threads.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/engine/config.h"

namespace streamlens::engine {

// Points on a regular grid: values[k] is the value at start_ms + k * step_ms. No gaps, no NaN.
struct DenseSeries {
  int64_t start_ms = 0;
  int64_t step_ms = 0;
  std::span<const double> values;
  int64_t end_ms() const {
    return values.empty() ? start_ms : start_ms + static_cast<int64_t>(values.size() - 1) * step_ms;
  }
};

// The latest anomaly evaluation of one series (the vmanomaly convention: score 0..1 normal,
// > 1 anomalous; yhat the expected value, [yhat_lower, yhat_upper] the normal band).
struct AnomalyPoint {
  int64_t t_ms = 0;
  double y = 0, yhat = 0, yhat_lower = 0, yhat_upper = 0, score = 0;
  // The detector has seen less than its warm-up: the score is capped at 1.
  bool warming_up = false;
};

struct HorizonForecast {
  std::string horizon;  // label value, e.g. "1h"
  int64_t horizon_ms = 0;
  double yhat = 0, yhat_lower = 0, yhat_upper = 0;
};

struct ThresholdForecast {
  std::string threshold;  // label value
  double value = 0;
  bool breached = false;            // the latest observation is already beyond the threshold
  bool crosses = false;             // false: not expected to cross within the longest horizon
  double seconds = 0;               // expected time from the forecast origin until the crossing
  std::vector<double> probability;  // breach probability within each horizon (same order)
};

struct SeriesForecast {
  int64_t origin_ms = 0;  // time of the last observation the forecast starts from
  std::vector<HorizonForecast> horizons;
  std::vector<ThresholdForecast> thresholds;
};

// What an update produced; each analysis fills its own part.
struct SeriesOutput {
  std::vector<AnomalyPoint> anomaly;  // one per new point scored (may be empty during warm-up)
  bool has_forecast = false;
  SeriesForecast forecast;
  std::string anomaly_model, forecast_model;  // set by SeriesModel::Describe
};

class SeriesModel {
 public:
  virtual ~SeriesModel() = default;
  // Sets the `model` label of the output it produces (out->anomaly_model or
  // out->forecast_model), e.g. "level", "ets(A,Ad,N)".
  virtual void Describe(SeriesOutput* out) const = 0;
  // Consumes points strictly after the last point seen (Fit's history or the previous Update)
  // and appends what they produce to `out`. An error leaves the model usable.
  virtual Status Update(const DenseSeries& points, SeriesOutput* out) = 0;
  // Serialises the state for --storage.path.
  virtual void Save(std::string* out) const = 0;
  // Approximate heap bytes held (for the memory self-metric and the documented bound).
  virtual size_t MemoryBytes() const = 0;
  // True when the points seen since the fit say a refit would pay: the model's recent errors
  // drifted beyond its own uncertainty. The engine then refits the series before its scheduled
  // time (spaced by drift_refits.h). Default: never.
  virtual bool Drifted() const { return false; }
};

// What an analysis fits once across the series of a job (e.g. pooled forecast models) and
// hands to every per-series fit of the same cycle. Opaque to the engine; immutable once made.
class SharedFit {
 public:
  virtual ~SharedFit() = default;
};

// One kind of per-series analysis for one job (parameters already bound).
class SeriesAnalysis {
 public:
  virtual ~SeriesAnalysis() = default;
  virtual std::string_view kind() const = 0;  // "anomaly" | "forecast"
  // Minimum number of history points Fit accepts.
  virtual size_t MinHistory() const = 0;
  // False for online analyses (the anomaly detector): once a series has a model, scheduled fit
  // cycles do not refit it; it is handed the cycle's points like in any other cycle and consumes
  // those after the last it saw.
  virtual bool RefitsOnSchedule() const { return true; }
  // Fits on `history`; `out` receives what the fit itself produces (e.g. a forecast).
  virtual Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& history,
                                                   SeriesOutput* out) const = 0;
  // A quick first fit: a cheaper model that gives a new series results at once; the engine
  // replaces it with Fit's model at the first full refit its budget allows (cycle.h). With
  // HasQuickFit() false (the default) the first fit is Fit.
  virtual bool HasQuickFit() const { return false; }
  virtual Result<std::unique_ptr<SeriesModel>> FitQuick(const DenseSeries& history,
                                                        SeriesOutput* out) const {
    return Fit(history, out);
  }
  // Job-level fit (optional). When SharesFit() is true, the engine, in every scheduled fit cycle
  // in which at least two series are refitted, passes each of those series' history (exactly
  // what Fit receives) to Condense on the worker threads, hands the condensed forms (empty ones
  // dropped) to FitShared once, and fits every series of that cycle with FitWith(history,
  // shared). Series fitted outside scheduled cycles (new series) and a failed FitShared get
  // shared = nullptr. FitShared may use up to `threads` threads.
  virtual bool SharesFit() const { return false; }
  virtual std::vector<double> Condense(const DenseSeries& history) const {
    (void)history;
    return {};
  }
  virtual Result<std::shared_ptr<const SharedFit>> FitShared(
      std::vector<std::vector<double>> condensed, int threads) const {
    (void)condensed;
    (void)threads;
    return std::shared_ptr<const SharedFit>();
  }
  // Fit with the cycle's shared fit (nullptr: none). Default: Fit.
  virtual Result<std::unique_ptr<SeriesModel>> FitWith(const DenseSeries& history,
                                                       const SharedFit* shared,
                                                       SeriesOutput* out) const {
    (void)shared;
    return Fit(history, out);
  }
  // Restores a model saved by SeriesModel::Save; an error (e.g. a different version) means
  // the engine refits.
  virtual Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const = 0;
};

// A member of a peer group for group analyses (outliers): its identifying labels and its
// latest value per metric (NaN where missing).
struct PeerMember {
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<double> values;
};
struct PeerScore {
  std::vector<std::pair<std::string, std::string>> labels;
  double score = 0;  // > 1 outlier
};

class ClusterAnalysis;  // cluster_analysis.h

// Builds the per-series analyses a job config asks for. Returns an error naming the analysis
// when the parameters are invalid.
class AnalysisFactory {
 public:
  virtual ~AnalysisFactory() = default;
  virtual Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig& job) const = 0;
  // Scores peers (outliers analysis). Error when unsupported in this build.
  virtual Result<std::vector<PeerScore>> ScorePeers(
      const OutliersConfig& config, const std::vector<PeerMember>& members) const = 0;
  // Builds the cluster analyses (root cause, CPU model, recommendations, placement) the job
  // enables. The default builds the ones wired to sidecar/analysis/ (MakeClusterAnalyses).
  virtual Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeCluster(
      const JobConfig& job) const;
};

// The factory wired to sidecar/analysis/ (analysis_factory.cc).
std::unique_ptr<AnalysisFactory> MakeDefaultAnalysisFactory();

}  // namespace streamlens::engine
