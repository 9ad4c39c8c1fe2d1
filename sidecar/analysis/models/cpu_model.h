// Broker CPU model: regularized (ridge) least squares of broker CPU on load features - leader
// bytes in/out, replication bytes in (Cruise Control's inputs), produce/fetch request rates and
// messages in - refitted on history by the caller. CPU that the load does not explain (the
// residual) is scored as an anomaly.
//
// Published by the engine as streamlens_broker_cpu_model_r2 = CpuModel::r2 and
// streamlens_broker_cpu_predicted_ratio{broker} = CpuEvaluation::predicted at the latest row of
// that broker; CpuEvaluation::residual is the "CPU not explained by load" series (the
// broker_cpu_unexplained root-cause candidate) and anomaly_score its score.
//
// One model can be fitted per broker or pooled over brokers of the same hardware (rows from
// all brokers stacked); the engine pools, so `streamlens_broker_cpu_model_r2` is one number.
//
// Pure: Eigen in, struct out; no I/O, clocks or logging. Thread-safe.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace streamlens::analysis::models {

// Column order of the standard feature matrix. All rates are per second.
enum CpuFeature : int {
  kLeaderBytesIn = 0,       // bytes/s produced to partitions this broker leads
  kLeaderBytesOut = 1,      // bytes/s fetched by consumers from partitions it leads
  kReplicationBytesIn = 2,  // bytes/s it fetches as a follower
  kProduceRequests = 3,     // produce requests/s
  kFetchRequests = 4,       // fetch requests/s (consumer + follower)
  kMessagesIn = 5,          // messages/s appended
  kNumCpuFeatures = 6,
};
std::string_view CpuFeatureName(int feature);  // "leader_bytes_in", ...; "" if out of range

struct CpuModelParams {
  // Ridge penalty on standardized features, relative to the sample count: the normal equations
  // become (Z'Z + lambda * n * I) b = Z'y. 0 is plain least squares. >= 0.
  double ridge_lambda = 1e-4;
  size_t min_samples = 10;     // fewer rows -> error; also must exceed the feature count
  double anomaly_sigma = 3.0;  // residual / (anomaly_sigma * residual_stddev) = score; > 0
};

struct CpuModel {
  // CPU ratio (0..1 of the broker's cores) per unit of each feature (per byte/s, per
  // request/s, per message/s), in the caller's column order. 0 for constant columns.
  Eigen::VectorXd coefficients;
  double intercept = 0.0;        // CPU ratio at zero load (idle, GC, background work)
  double r2 = 0.0;               // coefficient of determination on the fitting data, <= 1
  double residual_stddev = 0.0;  // CPU ratio; sqrt(SSE / (n - p - 1)), floored at 1e-9
  size_t samples = 0;            // rows used
  double anomaly_sigma = 3.0;    // copied from params, used by EvaluateCpuModel
};

// Fits the model. `features` is n x p (p >= 1), `cpu` has n entries (CPU ratio). Rows with a
// non-finite value are an error (drop them first). Error when sizes disagree or n is too small.
Result<CpuModel> FitCpuModel(const Eigen::Ref<const Eigen::MatrixXd>& features,
                             const Eigen::Ref<const Eigen::VectorXd>& cpu,
                             const CpuModelParams& params);

struct CpuEvaluation {
  Eigen::VectorXd predicted;  // CPU ratio explained by load, per row (the value of
                              // streamlens_broker_cpu_predicted_ratio)
  Eigen::VectorXd residual;   // observed - predicted, CPU ratio
  // residual / (anomaly_sigma * residual_stddev): vmanomaly convention, > 1 anomalous
  // (positive = more CPU than the load explains).
  Eigen::VectorXd anomaly_score;
  double r2 = 0.0;  // on these rows (can be negative if the model fits them worse than a mean)
};

// Predicts CPU for `features` (n x p, p = model's) and, when `cpu` is non-empty (n entries),
// scores the residuals. Error on size mismatch.
Result<CpuEvaluation> EvaluateCpuModel(const CpuModel& model,
                                       const Eigen::Ref<const Eigen::MatrixXd>& features,
                                       const Eigen::Ref<const Eigen::VectorXd>& cpu);

}  // namespace streamlens::analysis::models
