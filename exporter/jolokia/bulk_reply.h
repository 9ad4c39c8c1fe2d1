// Jolokia bulk read: the request body for one broker and the walk over its reply.
//
// Request: a JSON array with one {"type":"read"} per ReadSpec, each with config
// {"ignoreErrors":true,"canonicalNaming":false}: ignoreErrors makes Jolokia put a failing
// attribute's error in place of its value ("ERROR: ..."), so one broken MBean costs only its own
// values instead of its whole pattern read; canonicalNaming=false keeps Kafka's key order.
//
// Reply: an array in request order; each element has its own `status`. An element with status
// != 200 (e.g. 404 when a pattern matches nothing) costs only that element. A body that is not a
// JSON array of the request's length is an error for the whole reply (the broker is down).
//
// The reply is parsed in place (rapidjson insitu: strings point into the body) into a DOM whose
// memory pool is kept and reused across cycles, so a steady-state cycle allocates nothing per
// value. Parsing is iterative and a reply nested deeper than 64 levels is refused before parsing,
// so no reply can exhaust the stack. Not thread-safe; one BulkReplyParser per broker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "exporter/jolokia/config.h"
#include "exporter/jolokia/metric_mapper.h"

namespace streamlens::exporter::jolokia {

// The POST body for `config.mbeans`.
std::string BuildBulkRequest(const JolokiaConfig& config);

struct BulkReplyStats {
  size_t values = 0;         // numeric values handed to the mapper
  size_t failed_reads = 0;   // elements with status != 200
  size_t failed_values = 0;  // attribute values replaced by an "ERROR: ..." string
  std::string first_error;   // first failed element or value, for logs ("mbean: message")
};

class BulkReplyParser {
 public:
  BulkReplyParser() = default;

  // Parses `body` in place (it is modified) and records every value in `mapper` (whose cycle the
  // caller has begun). Returns an error naming what was expected when the body is not a JSON array
  // with one element per `config.mbeans` entry; values recorded before the error must then be
  // discarded by the caller (it skips the cycle's AppendFamilies).
  Result<BulkReplyStats> Parse(std::string* body, const JolokiaConfig& config,
                               MetricMapper* mapper);

 private:
  std::vector<char> pool_;     // reused DOM memory
  size_t next_pool_size_ = 0;  // pool_ size for the next Parse()
  std::string match_;          // reused match-string buffer
};

}  // namespace streamlens::exporter::jolokia
