#include "sidecar/analysis/outliers/peer_outliers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sidecar/analysis/stats/robust.h"

namespace streamlens::analysis {
namespace {

Status CheckRows(std::span<const double> rows, int dims, const char* what) {
  if (dims < 1 || rows.size() % static_cast<size_t>(dims) != 0 || rows.empty()) {
    return Status::Error(std::string(what) + ": expected members x metrics values (dims >= 1)");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return Status::Error(std::string(what) + ": member " + std::to_string(i / dims) + " metric " +
                           std::to_string(i % dims) + " is not finite");
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<double> Standardize(std::span<const double> rows, int dims) {
  const size_t n = rows.size() / static_cast<size_t>(dims);
  std::vector<double> out(rows.begin(), rows.end());
  for (int k = 0; k < dims; ++k) {
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += rows[i * dims + k];
    mean /= static_cast<double>(n);
    double var = 0;
    for (size_t i = 0; i < n; ++i) var += (rows[i * dims + k] - mean) * (rows[i * dims + k] - mean);
    const double sd = std::sqrt(var / static_cast<double>(n));
    for (size_t i = 0; i < n; ++i) {
      out[i * dims + k] = sd > 0 ? (rows[i * dims + k] - mean) / sd : 0.0;
    }
  }
  return out;
}

Result<PeerScores> PeerRobustZ(std::span<const double> rows, int dims, double z_threshold,
                               double min_relative) {
  STREAMLENS_RETURN_IF_ERROR(CheckRows(rows, dims, "peer robust z"));
  if (!(z_threshold > 0)) return Status::Error("peer robust z: z_threshold must be > 0");
  if (!(min_relative >= 0)) return Status::Error("peer robust z: min_relative must be >= 0");
  const size_t n = rows.size() / static_cast<size_t>(dims);
  PeerScores out;
  out.score.assign(n, 0.0);
  std::vector<double> col(n);
  for (int k = 0; k < dims; ++k) {
    for (size_t i = 0; i < n; ++i) col[i] = rows[i * dims + k];
    const std::vector<double> z = RobustZ(col);
    const double med = Median(col);
    const double floor = min_relative * std::fabs(med);
    for (size_t i = 0; i < n; ++i) {
      double s = std::fabs(z[i]) / z_threshold;
      if (floor > 0) s = std::min(s, std::fabs(col[i] - med) / floor);
      out.score[i] = std::max(out.score[i], s);
    }
  }
  return out;
}

Result<PeerScores> PeerDbscan(std::span<const double> rows, int dims, const DbscanParams& params) {
  STREAMLENS_RETURN_IF_ERROR(CheckRows(rows, dims, "peer dbscan"));
  const std::vector<double> z = Standardize(rows, dims);
  auto r = Dbscan(z, dims, params);
  if (!r.ok()) return r.status();
  const size_t n = z.size() / static_cast<size_t>(dims);
  PeerScores out;
  out.label = r->labels;
  out.clusters = r->clusters;
  out.score.assign(n, 0.0);
  if (r->clusters == 0) return out;
  std::vector<size_t> cores;
  for (size_t i = 0; i < n; ++i) {
    if (r->is_core[i]) cores.push_back(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (r->is_core[i]) continue;
    double best = std::numeric_limits<double>::infinity();
    for (size_t c : cores) {
      double s = 0;
      for (int k = 0; k < dims; ++k) {
        const double t = z[i * dims + k] - z[c * dims + k];
        s += t * t;
      }
      best = std::min(best, s);
    }
    out.score[i] = std::sqrt(best) / params.eps;
  }
  return out;
}

Result<PeerScores> PeerIsolationForest(std::span<const double> rows, int dims,
                                       const IsolationForestParams& params, double threshold) {
  STREAMLENS_RETURN_IF_ERROR(CheckRows(rows, dims, "peer isolation forest"));
  if (!(threshold > 0 && threshold < 1)) {
    return Status::Error("peer isolation forest: threshold must be in (0, 1)");
  }
  const std::vector<double> z = Standardize(rows, dims);
  auto f = IsolationForest::Fit(z, dims, params);
  if (!f.ok()) return f.status();
  PeerScores out;
  out.score = f->Score(z);
  for (double& s : out.score) s /= threshold;
  return out;
}

}  // namespace streamlens::analysis
