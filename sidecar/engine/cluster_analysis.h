// Cluster analyses: the issue-7 analyses that look at many series together rather than one
// series at a time - root-cause ranking, the broker CPU model, consumer capacity and partition
// recommendations, what-if broker failure / add broker and the rebalance plan.
//
// The engine runs a job's cluster analyses once per job cycle, after its per-series work, on
// the cycle's thread. Each analysis fetches what it needs through the ClusterFetcher (the job's
// source, aligned to the job's step grid), keeps whatever state it needs between cycles (a
// fitted CPU model, the last ranking of a target) and returns its outputs: samples of its
// metric families, anomaly-style series results, and JSON documents with the reason and the
// numbers behind each result for the JSON API. The documents are rendered here, by the
// adapters, because the analysis result structs live in Eigen-heavy headers that the publisher
// (which includes httplib) must not include.
//
// Thread-safety: a ClusterAnalysis is used by one cycle at a time (the job's cycle mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/results.h"
#include "sidecar/engine/worker_pool.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {

// Series on a common grid: values[k] is the value at start_ms + k * step_ms, NaN where the
// series had no sample within lookback (or its transform is undefined).
struct GridSeries {
  LabelPairs labels;  // sorted by name, with __name__ unless aggregated away
  std::vector<double> values;
};
struct GridFrame {
  int64_t start_ms = 0;
  int64_t step_ms = 0;
  size_t points = 0;
  std::vector<GridSeries> series;
};

// How a cluster analysis reads history. Implemented by the engine over the job's source.
class ClusterFetcher {
 public:
  virtual ~ClusterFetcher() = default;
  // Fetches the series `matchers` select over the grid points start_ms..end_ms (multiples of
  // the job's step), applies `transform` per series, then aggregates (sum/max of the present
  // values per distinct value of the `by` labels; kNone keeps the series). Error: the source
  // failed (message names it).
  virtual Result<GridFrame> Fetch(const std::vector<remote_read::Matcher>& matchers,
                                  Transform transform, Aggregation aggregation,
                                  const std::vector<std::string>& by, int64_t start_ms,
                                  int64_t end_ms) = 0;
};

// A series of the job that currently scores above 1 (root-cause targets).
struct ClusterTarget {
  std::string key;           // canonical series text
  LabelPairs input_labels;   // full input label set (with __name__), sorted
  LabelPairs output_labels;  // as published (no __name__, static labels), sorted
  double score = 0;
  // Start of the target's current anomalous run (its oldest point scoring above 1 with no dip
  // longer than rootcause.max_shift since) per its score history; 0 when unknown.
  int64_t since_ms = 0;
};

struct ClusterInput {
  const JobConfig* job = nullptr;  // the job's current config (labels, grace period, ...)
  int64_t now_ms = 0;
  int64_t end_grid_ms = 0;  // the latest grid point
  bool fit_due = false;     // the job's fit_every is due (refit models)
  // At most this many series' fit windows are held at once (EngineOptions::fit_batch): an
  // analysis that reads the fit window of every group or topic reads it in batches of this size.
  size_t fit_batch = 500;
  ClusterFetcher* fetcher = nullptr;
  // The engine's workers, for an analysis whose work splits into independent parts (null: run
  // them on the calling thread).
  WorkerPool* pool = nullptr;
  std::vector<ClusterTarget> targets;  // highest score first, at most rootcause.max_targets
};

struct ClusterOutput {
  std::vector<ExtraSample> samples;  // complete label sets, `for` included
  std::vector<SeriesResult> series;  // anomaly-style results (e.g. CPU not explained by load)
  std::vector<JsonDocument> documents;
  uint64_t samples_read = 0;  // for streamlens_sidecar_samples_read_total
};

class ClusterAnalysis {
 public:
  virtual ~ClusterAnalysis() = default;
  virtual std::string_view kind() const = 0;  // "rootcause", "cpu_model", ...
  // True when the analysis works on the shard's own series and so runs on every shard (root
  // cause ranks the shard's anomalous series); false: it reads cluster-wide data and runs on
  // shard 0 only.
  virtual bool RunsOnEveryShard() const { return false; }
  // One cycle. On error `out` may be partially filled and is discarded by the engine, which
  // then keeps the analysis's previous outputs until the grace period has passed.
  virtual Status Run(const ClusterInput& in, ClusterOutput* out) = 0;
};

// The cluster analyses `job` enables, wired to sidecar/analysis/rootcause and models. Error
// names the analysis when a parameter is invalid.
Result<std::vector<std::unique_ptr<ClusterAnalysis>>> MakeClusterAnalyses(const JobConfig& job);

// Kafka's default root-cause candidates (sidecar/analysis/rootcause/kafka_candidates.h) as
// candidate configs the engine can fetch: each kind's PromQL is reduced to a selector, a
// rate transform and a sum/max by; kinds whose expression is not of that shape are left out.
std::vector<CandidateConfig> DefaultRootCauseCandidates();

}  // namespace streamlens::engine
