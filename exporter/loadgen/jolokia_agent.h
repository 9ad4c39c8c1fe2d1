// A Jolokia agent for SimulatedJmx (simulated_jmx.h): answers the bulk read requests that
// streamlens-exporter's Jolokia collector (and any Jolokia client) POSTs, from a broker's MBeans,
// the way Jolokia 1.x does with canonicalNaming=false:
//  - the body is a JSON array of {"type": "read", "mbean": NAME or PATTERN, "attribute": [...]}
//    (a single request object is answered with a single element);
//  - each element of the reply has the request, `status` and either `value` or `error`: for a
//    pattern, {object name: {attribute: value}} over the matching MBeans (only the requested
//    attributes they have; MBeans with none of them are left out), status 404 with
//    javax.management.InstanceNotFoundException when nothing matches; for a plain name, the
//    MBean's {attribute: value};
//  - only `read` is supported (other types get status 400 in their element).
// Object name patterns as JMX: "domain:key=value,...[,*]" where domain and values may use * and ?;
// without the trailing `*` property the key sets must be equal.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "exporter/loadgen/simulated_jmx.h"

namespace streamlens::exporter::loadgen {

// True when the object name `name` ("domain:k=v,...") matches `pattern`.
bool ObjectNameMatches(std::string_view pattern, std::string_view name);

// The reply body for a bulk read `body` against `beans`. Error (for an HTTP 400) when the body is
// not a JSON array or object of read requests.
Result<std::string> AnswerJolokiaRead(std::string_view body, const std::vector<MBean>& beans,
                                      double timestamp);

}  // namespace streamlens::exporter::loadgen
