#include "exporter/jolokia/jolokia_flags.h"

#include <fstream>
#include <set>
#include <sstream>

#include "exporter/jolokia/config.h"

namespace streamlens::exporter::jolokia {

void RegisterJolokiaFlags(FlagSet& flags, JolokiaFlags* f) {
  flags.StringList("jolokia.url", &f->urls,
                   "Jolokia agent URL of a broker, repeatable; \"name=url\" sets the broker "
                   "label, else the URL's host is used (e.g. b1=http://kafka-1:8778/jolokia).");
  flags.String("jolokia.username", &f->username, "HTTP basic auth user for the Jolokia agents.");
  flags.String("jolokia.password-file", &f->password_file,
               "File with the HTTP basic auth password for the Jolokia agents.");
  flags.String("jolokia.tls.ca-file", &f->tls_ca_file,
               "CA certificates (PEM) to verify https Jolokia agents.");
  flags.String("jolokia.tls.cert-file", &f->tls_cert_file,
               "Client certificate (PEM) for https Jolokia agents; needs --jolokia.tls.key-file.");
  flags.String("jolokia.tls.key-file", &f->tls_key_file,
               "Client key (PEM) for https Jolokia agents.");
  flags.Bool("jolokia.tls.insecure-skip-verify", &f->tls_insecure_skip_verify,
             "Do not verify the Jolokia agents' TLS certificates.");
  flags.Duration("jolokia.timeout", &f->timeout,
                 "Deadline of one bulk Jolokia read of a broker (connect, request and reply).");
  flags.Int("jolokia.max-response-bytes", &f->max_response_bytes,
            "Jolokia replies larger than this are refused (the broker counts as down).");
  flags.String(
      "jolokia.config", &f->config_file,
      "YAML file with the MBean reads and mapping rules; empty: the built-in Kafka rules.");
}

Result<std::vector<BrokerEndpoint>> ParseBrokerEndpoints(const std::vector<std::string>& urls) {
  std::vector<BrokerEndpoint> out;
  std::set<std::string> names;
  for (const std::string& value : urls) {
    BrokerEndpoint ep;
    size_t scheme = value.find("://");
    size_t eq = value.find('=');
    if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
      ep.name = value.substr(0, eq);
      ep.url = value.substr(eq + 1);
      if (ep.name.empty()) {
        return Status::Error("--jolokia.url \"" + value + "\": empty broker name before '='");
      }
    } else {
      ep.url = value;
    }
    auto parsed = ParseJolokiaUrl(ep.url);
    if (!parsed.ok()) return parsed.status();
    if (ep.name.empty()) ep.name = parsed->host;
    if (!names.insert(ep.name).second) {
      return Status::Error("--jolokia.url \"" + value + "\": broker name \"" + ep.name +
                           "\" is used twice; give each broker a name with name=url");
    }
    out.push_back(std::move(ep));
  }
  return out;
}

Result<std::unique_ptr<JolokiaCollector>> MakeJolokiaCollector(const JolokiaFlags& flags,
                                                               Logger log) {
  if (flags.urls.empty()) {
    return Status::Error(
        "--jolokia.url: at least one broker URL is required for the jolokia collector "
        "(or disable it with --no-collector.jolokia)");
  }
  if (flags.timeout.count() <= 0) {
    return Status::Error("--jolokia.timeout: must be positive");
  }
  if (flags.max_response_bytes < 1024) {
    return Status::Error("--jolokia.max-response-bytes: must be at least 1024, got " +
                         std::to_string(flags.max_response_bytes));
  }
  auto endpoints = ParseBrokerEndpoints(flags.urls);
  if (!endpoints.ok()) return endpoints.status();

  ClientOptions options;
  options.username = flags.username;
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file, std::ios::binary);
    if (!in) {
      return Status::Error("--jolokia.password-file=" + flags.password_file + ": cannot open file");
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    options.password = ss.str();
    while (!options.password.empty() &&
           (options.password.back() == '\n' || options.password.back() == '\r')) {
      options.password.pop_back();
    }
  }
  options.tls_ca_file = flags.tls_ca_file;
  options.tls_cert_file = flags.tls_cert_file;
  options.tls_key_file = flags.tls_key_file;
  options.tls_insecure_skip_verify = flags.tls_insecure_skip_verify;
  options.timeout = flags.timeout;
  options.max_response_bytes = static_cast<size_t>(flags.max_response_bytes);

  auto config =
      flags.config_file.empty() ? DefaultJolokiaConfig() : LoadJolokiaConfigFile(flags.config_file);
  if (!config.ok()) return config.status();

  std::vector<std::unique_ptr<JolokiaClient>> clients;
  for (const auto& ep : *endpoints) {
    auto client = JolokiaClient::Create(ep, options);
    if (!client.ok()) return client.status();
    clients.push_back(std::move(*client));
  }
  return std::make_unique<JolokiaCollector>(
      std::make_shared<const JolokiaConfig>(std::move(*config)), std::move(clients),
      std::move(log));
}

}  // namespace streamlens::exporter::jolokia
