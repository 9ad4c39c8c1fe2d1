#include "exporter/kafka/kafka_options.h"

#include <fstream>
#include <regex>
#include <sstream>

namespace streamlens::exporter::kafka {

void RegisterKafkaFlags(FlagSet& flags, KafkaOptions* v) {
  flags.StringList("kafka.server", &v->servers, "Kafka bootstrap server host:port (repeatable).");
  flags.String("kafka.client-id", &v->client_id, "Client id the exporter uses towards Kafka.");
  flags.Duration("kafka.timeout", &v->timeout,
                 "Timeout of each Kafka request round (metadata, offsets, groups).");
  flags.String("kafka.sasl.mechanism", &v->sasl_mechanism,
               "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL).");
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
  if (!o.sasl_mechanism.empty() && o.sasl_mechanism != "PLAIN" &&
      o.sasl_mechanism != "SCRAM-SHA-256" && o.sasl_mechanism != "SCRAM-SHA-512") {
    return Status::Error(
        "--kafka.sasl.mechanism: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got \"" +
        o.sasl_mechanism + "\"");
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

Result<std::vector<std::pair<std::string, std::string>>> ToRdkafkaConfig(const KafkaOptions& o) {
  std::vector<std::pair<std::string, std::string>> c;
  std::string servers;
  for (const auto& s : o.servers) {
    if (!servers.empty()) servers += ",";
    servers += s;
  }
  c.emplace_back("bootstrap.servers", servers);
  c.emplace_back("client.id", o.client_id);
  c.emplace_back("isolation.level", "read_uncommitted");  // high watermark, not the LSO
  c.emplace_back("enable.auto.commit", "false");
  c.emplace_back("log.connection.close", "false");
  const bool sasl = !o.sasl_mechanism.empty();
  if (sasl && o.tls_enabled) {
    c.emplace_back("security.protocol", "sasl_ssl");
  } else if (sasl) {
    c.emplace_back("security.protocol", "sasl_plaintext");
  } else if (o.tls_enabled) {
    c.emplace_back("security.protocol", "ssl");
  }
  if (sasl) {
    c.emplace_back("sasl.mechanisms", o.sasl_mechanism);
    c.emplace_back("sasl.username", o.sasl_username);
    if (!o.sasl_password_file.empty()) {
      std::ifstream in(o.sasl_password_file);
      if (!in) {
        return Status::Error("--kafka.sasl.password-file: cannot read \"" + o.sasl_password_file +
                             "\"");
      }
      std::stringstream ss;
      ss << in.rdbuf();
      std::string password = ss.str();
      while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
      }
      c.emplace_back("sasl.password", password);
    }
  }
  if (o.tls_enabled) {
    if (!o.tls_ca_file.empty()) c.emplace_back("ssl.ca.location", o.tls_ca_file);
    if (!o.tls_cert_file.empty()) c.emplace_back("ssl.certificate.location", o.tls_cert_file);
    if (!o.tls_key_file.empty()) c.emplace_back("ssl.key.location", o.tls_key_file);
    c.emplace_back("enable.ssl.certificate.verification",
                   o.tls_insecure_skip_verify ? "false" : "true");
  }
  return c;
}

}  // namespace streamlens::exporter::kafka
