// A job's published results (results.h) built from its state after a cycle, and the labels its
// outputs carry. Pure functions of the job's state; called with the job's cycle lock held.
#pragma once

#include <cstdint>
#include <memory>

#include "sidecar/engine/config.h"
#include "sidecar/engine/job.h"
#include "sidecar/engine/results.h"

namespace streamlens::engine {

// The labels a series' results are published with: its input labels without __name__ (kept as
// `metric` when the job's selector matches several names), reserved output label names
// prefixed with exported_, and the job's static labels. Sorted by name.
LabelPairs OutputLabels(const LabelPairs& input, const JobConfig& cfg, bool multi_name);

// Whether the job's series carry more than one metric name.
bool MatchesSeveralNames(const SeriesMap& series);

// The job's results as of now: its series' latest anomaly and forecast outputs (finite ones),
// peer scores, the cluster analyses' latest successful outputs, and every analysis' status.
std::shared_ptr<JobResults> BuildJobResults(const Job& job, const JobConfig& cfg, int64_t now_ms);

}  // namespace streamlens::engine
