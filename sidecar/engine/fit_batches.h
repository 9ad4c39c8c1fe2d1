// Fit batches: which series a cycle fetches together when it needs their whole fit window, and
// the selector that fetches each group, so a fit holds one batch of history at a time whatever
// the number of series (cycle.h, the fit stage).
//
// A batch narrows the job's selector by one more matcher on a partition label, `label=~"v1|v2"`
// (values escaped, alternation of literals, which Prometheus and VictoriaMetrics answer from a
// set lookup), or `label="v"` for one value. The partition label is the one that fetches the
// fewest series beyond those wanted, counted over the series the job knows (a series lacking
// the label has the value "", which the regex then also matches, as PromQL does); on a tie the
// one with more distinct values. Batches hold whole values, filled in value order up to
// `batch_size` series fetched; a value whose series alone exceed it is a batch of its own. A
// batch may also fetch series of other shards or not wanted now: the cycle fits only the wanted
// ones. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/engine/series_state.h"
#include "sidecar/remote_read/matcher.h"

namespace streamlens::engine {

struct FitBatch {
  std::vector<remote_read::Matcher> matchers;  // the job's plus the partition matcher
  std::vector<SeriesState*> wanted;            // the series to fit from this batch's fetch
  size_t expected = 0;                         // series of the job the matchers select
};

// Groups `wanted` (series of `known`, the job's series) into batches of at most `batch_size`
// (>= 1) series fetched each. Empty when `wanted` is.
std::vector<FitBatch> PlanFitBatches(const std::vector<remote_read::Matcher>& job_matchers,
                                     const std::vector<SeriesState*>& wanted,
                                     const SeriesMap& known, size_t batch_size);

// `v` as a regular expression that matches exactly `v` (RE2 syntax, metacharacters escaped).
std::string QuoteRegex(std::string_view v);

// A matcher selecting series whose `label` is one of `values` (non-empty): `label="v"` for one
// value, else `label=~"v1|v2|..."` (values quoted by QuoteRegex).
remote_read::Matcher MatchAnyOf(const std::string& label,
                                const std::vector<std::string_view>& values);

}  // namespace streamlens::engine
