// Command-line flags of the Jolokia collector and the factory that builds it from them.
//
//   --jolokia.url                 repeatable; "name=url" or "url" (broker label = name, else the
//                                 URL's host), e.g. --jolokia.url=b1=http://kafka-1:8778/jolokia
//   --jolokia.username            HTTP basic auth user
//   --jolokia.password-file       file holding the basic auth password (trailing newline dropped;
//                                 the password is never logged)
//   --jolokia.tls.ca-file         CA bundle to verify https agents
//   --jolokia.tls.cert-file       client certificate (PEM), with --jolokia.tls.key-file
//   --jolokia.tls.key-file        client key (PEM)
//   --jolokia.tls.insecure-skip-verify  do not verify the agent's certificate
//   --jolokia.timeout             deadline of one bulk read (default 10s)
//   --jolokia.max-response-bytes  larger replies are refused (default 64 MiB)
//   --jolokia.config              YAML rules file (config.h); default: the built-in rules
//
// Usage from a main:
//   JolokiaFlags jf;  RegisterJolokiaFlags(flags, &jf);  ... flags.Parse(...) ...
//   auto collector = MakeJolokiaCollector(jf, log);   // error names the flag at fault
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/log.h"
#include "common/status.h"
#include "exporter/jolokia/jolokia_client.h"
#include "exporter/jolokia/jolokia_collector.h"

namespace streamlens::exporter::jolokia {

struct JolokiaFlags {
  std::vector<std::string> urls;
  std::string username;
  std::string password_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure_skip_verify = false;
  std::chrono::milliseconds timeout{10000};
  int64_t max_response_bytes = int64_t{64} << 20;
  std::string config_file;
};

// Registers the --jolokia.* flags above, bound to `f` (whose current values are the defaults).
void RegisterJolokiaFlags(FlagSet& flags, JolokiaFlags* f);

// Parses the --jolokia.url values into endpoints with unique broker names. Errors name the value.
Result<std::vector<BrokerEndpoint>> ParseBrokerEndpoints(const std::vector<std::string>& urls);

// Builds the collector: reads the password file and the rules file (or the built-in rules),
// validates URLs and TLS files. Errors (no URL, unreadable file, bad rule, duplicate broker
// names, non-positive timeout) name the flag and what was expected.
Result<std::unique_ptr<JolokiaCollector>> MakeJolokiaCollector(const JolokiaFlags& flags,
                                                               Logger log);

}  // namespace streamlens::exporter::jolokia
