// The simulated brokers' Jolokia endpoints: one HTTP server (common/http_server.h) with
// POST /jolokia/<broker id> per broker, each answering bulk reads (jolokia_agent.h) from that
// broker's SimulatedJmx MBeans. A broker that is down answers 503, as an unreachable agent would
// make the exporter's jolokia_up 0.
//
// Ownership: the server holds a reference to `jmx`, which must outlive it. Thread-safe as
// HttpServer and SimulatedJmx are.
#pragma once

#include <memory>
#include <string>

#include "common/http_server.h"
#include "common/log.h"
#include "common/status.h"
#include "exporter/loadgen/simulated_jmx.h"

namespace streamlens::exporter::loadgen {

struct JolokiaEndpoints {
  std::unique_ptr<HttpServer> server;
  // "1=http://host:port/jolokia/1,2=...": the exporter's --jolokia.url values, comma-joined.
  std::string urls;
};

// Starts the server on `listen_address` ("host:port"; port 0 picks a free one). Errors name the
// address.
Result<JolokiaEndpoints> StartJolokiaEndpoints(const SimulatedJmx& jmx,
                                               const std::string& listen_address, Logger logger);

}  // namespace streamlens::exporter::loadgen
