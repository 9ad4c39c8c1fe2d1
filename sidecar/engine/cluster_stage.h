// The cluster analyses of a job cycle (cycle.h, stage 8): root cause, CPU model,
// recommendations and placement (cluster_analysis.h), run once per value of the job's cluster
// label - for a job with a selector, the values its series carry; for a job of cluster analyses
// only, those of its `cluster_discovery` series; one unnamed cluster when no series carries the
// label. Every fetch of a run is scoped to its cluster and every output carries the label, so
// series of different clusters are never pooled. Root cause ranks the anomalous series of its
// cluster.
//
// Each analysis degrades alone: a failure marks it down with its reason (AnalysisStatus, logged
// when the state changes) and keeps its previous output for the grace period; the others go on.
// With sharding, whole-cluster analyses run on shard 0 only (root cause follows its targets,
// which are sharded).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "sidecar/engine/cycle.h"
#include "sidecar/engine/job.h"

namespace streamlens::engine {

struct ClusterStageTime {
  int64_t now_ms = 0;
  int64_t end_grid_ms = 0;
  bool fit_due = false;
};

// Runs the job's cluster analyses. Error: a job of cluster analyses only, all of whose analyses
// failed (its cycle failed); a job with a selector never fails here.
Status RunClusterStage(Job& job, const JobConfig& cfg, const ClusterStageTime& time,
                       const CycleEnv& env, uint64_t* samples_read);

}  // namespace streamlens::engine
