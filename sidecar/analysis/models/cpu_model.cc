#include "sidecar/analysis/models/cpu_model.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace streamlens::analysis::models {

std::string_view CpuFeatureName(int feature) {
  switch (feature) {
    case kLeaderBytesIn:
      return "leader_bytes_in";
    case kLeaderBytesOut:
      return "leader_bytes_out";
    case kReplicationBytesIn:
      return "replication_bytes_in";
    case kProduceRequests:
      return "produce_requests";
    case kFetchRequests:
      return "fetch_requests";
    case kMessagesIn:
      return "messages_in";
    default:
      return "";
  }
}

Result<CpuModel> FitCpuModel(const Eigen::Ref<const Eigen::MatrixXd>& features,
                             const Eigen::Ref<const Eigen::VectorXd>& cpu,
                             const CpuModelParams& params) {
  const Eigen::Index n = features.rows(), p = features.cols();
  if (p < 1) return Status::Error("cpu model: need at least one feature column");
  if (cpu.size() != n) {
    return Status::Error("cpu model: " + std::to_string(n) + " feature rows but " +
                         std::to_string(cpu.size()) + " CPU values");
  }
  if (!(params.ridge_lambda >= 0) || !(params.anomaly_sigma > 0)) {
    return Status::Error("cpu model: ridge_lambda must be >= 0 and anomaly_sigma > 0");
  }
  if (static_cast<size_t>(n) < std::max<size_t>(params.min_samples, static_cast<size_t>(p) + 2)) {
    return Status::Error("cpu model: " + std::to_string(n) + " samples are too few for " +
                         std::to_string(p) + " features (need at least " +
                         std::to_string(std::max<size_t>(params.min_samples, p + 2)) + ")");
  }
  if (!features.allFinite() || !cpu.allFinite()) {
    return Status::Error("cpu model: non-finite feature or CPU value; drop incomplete rows first");
  }
  const Eigen::RowVectorXd mean = features.colwise().mean();
  Eigen::MatrixXd z = features.rowwise() - mean;
  Eigen::VectorXd scale(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double sd = std::sqrt(z.col(j).squaredNorm() / static_cast<double>(n));
    const bool constant = !(sd > 1e-12 * (1.0 + std::abs(mean(j))));
    scale(j) = constant ? 0.0 : sd;
    if (constant) {
      z.col(j).setZero();
    } else {
      z.col(j) /= sd;
    }
  }
  const double ymean = cpu.mean();
  const Eigen::VectorXd yc = cpu.array() - ymean;
  Eigen::MatrixXd a = z.transpose() * z;
  // Constant columns get a unit diagonal so the system stays solvable; their coefficient is 0.
  for (Eigen::Index j = 0; j < p; ++j) {
    a(j, j) += params.ridge_lambda * static_cast<double>(n) + (scale(j) == 0.0 ? 1.0 : 0.0);
  }
  const Eigen::VectorXd beta = a.ldlt().solve(z.transpose() * yc);
  CpuModel m;
  m.coefficients = Eigen::VectorXd::Zero(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    if (scale(j) > 0) m.coefficients(j) = beta(j) / scale(j);
  }
  m.intercept = ymean - mean.dot(m.coefficients);
  const Eigen::VectorXd resid = cpu - ((features * m.coefficients).array() + m.intercept).matrix();
  const double sse = resid.squaredNorm();
  const double sst = yc.squaredNorm();
  m.r2 = sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
  const double dof = static_cast<double>(n - p - 1);
  m.residual_stddev = std::max(std::sqrt(sse / dof), 1e-9);
  m.samples = static_cast<size_t>(n);
  m.anomaly_sigma = params.anomaly_sigma;
  return m;
}

Result<CpuEvaluation> EvaluateCpuModel(const CpuModel& model,
                                       const Eigen::Ref<const Eigen::MatrixXd>& features,
                                       const Eigen::Ref<const Eigen::VectorXd>& cpu) {
  if (features.cols() != model.coefficients.size()) {
    return Status::Error("cpu model: features have " + std::to_string(features.cols()) +
                         " columns, the model " + std::to_string(model.coefficients.size()));
  }
  if (cpu.size() != 0 && cpu.size() != features.rows()) {
    return Status::Error("cpu model: " + std::to_string(features.rows()) + " feature rows but " +
                         std::to_string(cpu.size()) + " CPU values");
  }
  CpuEvaluation e;
  e.predicted = (features * model.coefficients).array() + model.intercept;
  if (cpu.size() == 0) return e;
  e.residual = cpu - e.predicted;
  e.anomaly_score = e.residual / (model.anomaly_sigma * model.residual_stddev);
  const double sst = (cpu.array() - cpu.mean()).matrix().squaredNorm();
  const double sse = e.residual.squaredNorm();
  e.r2 = sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
  return e;
}

}  // namespace streamlens::analysis::models
