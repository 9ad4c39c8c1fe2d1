#include "exporter/kafka/kafka_options.h"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace streamlens::exporter::kafka {

void RegisterKafkaFlags(FlagSet& flags, KafkaOptions* v) {
  flags.StringList("kafka.server", &v->servers, "Kafka bootstrap server host:port (repeatable).");
  flags.String("kafka.client-id", &v->client_id, "Client id the exporter uses towards Kafka.");
  flags.Duration("kafka.timeout", &v->timeout,
                 "Timeout of each Kafka request round (metadata, offsets, groups).");
  flags.StringList("kafka.config", &v->config,
                   "Any librdkafka property as KEY=VALUE (repeatable), e.g. "
                   "sasl.oauthbearer.method=oidc; overrides the shortcut flags and "
                   "--kafka.config-file. Use --kafka.config-secret for secrets.");
  flags.String("kafka.config-file", &v->config_file,
               "File of librdkafka properties, one KEY=VALUE per line (# comments); overrides "
               "the shortcut flags.");
  flags.StringList("kafka.config-secret", &v->config_secrets,
                   "librdkafka property whose value is read from a file, as KEY=FILE "
                   "(repeatable; trailing newline ignored), e.g. "
                   "sasl.oauthbearer.client.secret=/run/secrets/kafka; values are never logged.");
  flags.String("kafka.cluster-name", &v->cluster_name,
               "Adds a cluster=\"NAME\" label to every Kafka family (empty: no label; external "
               "labels or target relabelling in Prometheus do the same).");
  flags.Duration("topic.config-refresh", &v->topic_config_refresh,
                 "How often topic configurations (min.insync.replicas, retention, cleanup.policy) "
                 "are read with DescribeConfigs; 0 disables.");
  flags.String("kafka.sasl.mechanism", &v->sasl_mechanism,
               "SASL mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI or OAUTHBEARER "
               "(empty: no SASL; further settings through --kafka.config).");
  flags.String("kafka.sasl.username", &v->sasl_username, "SASL user name.");
  flags.String("kafka.sasl.password-file", &v->sasl_password_file,
               "File holding the SASL password (trailing newline ignored).");
  flags.Bool("kafka.tls.enabled", &v->tls_enabled, "Connect to Kafka with TLS.");
  flags.String("kafka.tls.ca-file", &v->tls_ca_file, "CA certificate(s) to verify brokers.");
  flags.String("kafka.tls.cert-file", &v->tls_cert_file, "Client certificate for mutual TLS.");
  flags.String("kafka.tls.key-file", &v->tls_key_file, "Client private key for mutual TLS.");
  flags.Bool("kafka.tls.insecure-skip-verify", &v->tls_insecure_skip_verify,
             "Do not verify the brokers' certificates (testing only).");
  flags.String("topic.filter", &v->topic_filter, "Regex of topics to collect.");
  flags.String("topic.exclude", &v->topic_exclude, "Regex of topics to skip.");
  flags.String("group.filter", &v->group_filter, "Regex of consumer groups to collect.");
  flags.String("group.exclude", &v->group_exclude, "Regex of consumer groups to skip.");
  flags.StringList("group.list", &v->group_list,
                   "Consumer group to query in addition to the listed ones (repeatable; "
                   "comma-separated lists accepted); needed where listing groups is refused.");
  flags.Int("lag.window", &v->lag_window,
            "Commits per partition in the lag-health window (Burrow's 10 by default).");
  flags.Int("lag.allowed", &v->lag_allowed,
            "Lag (messages) at or below which a consumer counts as caught up.");
  flags.Int("lag.history", &v->offset_history,
            "High-watermark samples kept per partition for lag in seconds.");
}

Status ValidateKafkaOptions(const KafkaOptions& o) {
  if (o.servers.empty()) return Status::Error("--kafka.server: at least one server is required");
  for (const auto& [flag, re] :
       {std::pair<const char*, const std::string&>{"topic.filter", o.topic_filter},
        {"topic.exclude", o.topic_exclude},
        {"group.filter", o.group_filter},
        {"group.exclude", o.group_exclude}}) {
    try {
      std::regex compiled(re, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::Error(std::string("--") + flag + ": invalid regular expression \"" + re +
                           "\": " + e.what());
    }
  }
  static const std::set<std::string> kMechanisms = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                                    "GSSAPI", "OAUTHBEARER"};
  if (!o.sasl_mechanism.empty() && !kMechanisms.count(o.sasl_mechanism)) {
    return Status::Error(
        "--kafka.sasl.mechanism: expected PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI or "
        "OAUTHBEARER, got \"" +
        o.sasl_mechanism + "\"");
  }
  for (const auto& kv : o.config) {
    if (kv.find('=') == std::string::npos || kv.front() == '=') {
      return Status::Error("--kafka.config: expected KEY=VALUE, got an entry without a key");
    }
  }
  for (const auto& kv : o.config_secrets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
      return Status::Error("--kafka.config-secret: expected KEY=FILE, got \"" + kv + "\"");
    }
  }
  if (o.topic_config_refresh.count() < 0) {
    return Status::Error("--topic.config-refresh: expected a duration >= 0");
  }
  if (o.lag_window < 1 || o.lag_window > 1000) {
    return Status::Error("--lag.window: expected 1..1000, got " + std::to_string(o.lag_window));
  }
  if (o.offset_history < 3 || o.offset_history > 100000) {
    return Status::Error("--lag.history: expected 3..100000, got " +
                         std::to_string(o.offset_history));
  }
  if (o.lag_allowed < 0) return Status::Error("--lag.allowed: expected >= 0");
  if (o.timeout.count() <= 0) return Status::Error("--kafka.timeout: expected a positive duration");
  return Status::Ok();
}

namespace {

using Config = std::vector<std::pair<std::string, std::string>>;

// Reads a whole file; the error names `what` and the path, never the content.
Result<std::string> ReadSecretFile(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) return Status::Error(what + ": cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string v = ss.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
  return v;
}

std::string Trim(std::string s) {
  const char* ws = " \t\r";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// KEY=VALUE lines, blank lines and # comments; the error names the line, not its value.
Status ParsePropertiesFile(const std::string& path, Config* c) {
  std::ifstream in(path);
  if (!in) return Status::Error("--kafka.config-file: cannot read \"" + path + "\"");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos || Trim(line.substr(0, eq)).empty()) {
      return Status::Error("--kafka.config-file: " + path + ":" + std::to_string(n) +
                           ": expected KEY=VALUE");
    }
    c->emplace_back(Trim(line.substr(0, eq)), Trim(line.substr(eq + 1)));
  }
  return Status::Ok();
}

Status AddShortcuts(const KafkaOptions& o, Config* c) {
  const bool sasl = !o.sasl_mechanism.empty();
  if (sasl || o.tls_enabled) {
    c->emplace_back("security.protocol",
                    sasl ? (o.tls_enabled ? "sasl_ssl" : "sasl_plaintext") : "ssl");
  }
  if (sasl) {
    c->emplace_back("sasl.mechanisms", o.sasl_mechanism);
    if (!o.sasl_username.empty()) c->emplace_back("sasl.username", o.sasl_username);
    if (!o.sasl_password_file.empty()) {
      auto pw = ReadSecretFile(o.sasl_password_file, "--kafka.sasl.password-file");
      if (!pw.ok()) return pw.status();
      c->emplace_back("sasl.password", std::move(*pw));
    }
  }
  if (o.tls_enabled) {
    if (!o.tls_ca_file.empty()) c->emplace_back("ssl.ca.location", o.tls_ca_file);
    if (!o.tls_cert_file.empty()) c->emplace_back("ssl.certificate.location", o.tls_cert_file);
    if (!o.tls_key_file.empty()) c->emplace_back("ssl.key.location", o.tls_key_file);
    c->emplace_back("enable.ssl.certificate.verification",
                    o.tls_insecure_skip_verify ? "false" : "true");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ToRdkafkaConfig(const KafkaOptions& o) {
  Config c;
  std::string servers;
  for (const auto& s : o.servers) servers += (servers.empty() ? "" : ",") + s;
  c.emplace_back("bootstrap.servers", servers);
  c.emplace_back("client.id", o.client_id);
  c.emplace_back("isolation.level", "read_uncommitted");  // high watermark, not the LSO
  c.emplace_back("enable.auto.commit", "false");
  c.emplace_back("log.connection.close", "false");
  STREAMLENS_RETURN_IF_ERROR(AddShortcuts(o, &c));
  if (!o.config_file.empty()) STREAMLENS_RETURN_IF_ERROR(ParsePropertiesFile(o.config_file, &c));
  for (const auto& kv : o.config) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error("--kafka.config: expected KEY=VALUE, got an entry without a key");
    }
    c.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& kv : o.config_secrets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Error("--kafka.config-secret: expected KEY=FILE");
    }
    const std::string key = kv.substr(0, eq);
    auto v = ReadSecretFile(kv.substr(eq + 1), "--kafka.config-secret " + key);
    if (!v.ok()) return v.status();
    c.emplace_back(key, std::move(*v));
  }
  // The last setting of a property wins; keep the first position so the order stays readable.
  Config out;
  std::map<std::string, size_t> at;
  for (auto& [k, v] : c) {
    auto [it, inserted] = at.emplace(k, out.size());
    if (inserted) {
      out.emplace_back(k, std::move(v));
    } else {
      out[it->second].second = std::move(v);
    }
  }
  return out;
}

}  // namespace streamlens::exporter::kafka
