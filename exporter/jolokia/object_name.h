// JMX object names -> the match strings that mapping rules are written against.
//
// Rules use jmx_exporter's input format, so rule files written for jmx_exporter's Kafka example
// keep working:
//
//   <domain><<key>=<value>, <key>=<value>, ...><<composite key>, ...><attribute>
//   kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec, topic=orders><>Count
//   java.lang<type=Memory><HeapMemoryUsage>used
//
// Key properties keep the order the MBean was registered with (Jolokia's canonicalNaming=false),
// except that `type` and then `name` are moved to the front: Kafka registers them first, and this
// keeps rules working against agents that only return canonical (alphabetically sorted) names.
// Quoted values are kept verbatim, quotes included, as jmx_exporter does.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace streamlens::exporter::jolokia {

// Appends "domain<k=v, k=v>" for `object_name` ("domain:k=v,k=v") to `out` (which is not
// cleared). Returns false, leaving `out` unspecified, when the name has no ':' or a key
// property lacks '=' or has an unterminated quote.
bool AppendMatchPrefix(std::string_view object_name, std::string* out);

// True when `mbean` is a pattern (contains '*' or '?' outside quoted values), as Jolokia decides
// whether a read returns {object name: {attribute: value}} or {attribute: value}.
bool IsObjectNamePattern(std::string_view mbean);

}  // namespace streamlens::exporter::jolokia
