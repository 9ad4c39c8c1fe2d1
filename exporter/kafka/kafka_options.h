// KafkaOptions: how the exporter connects to Kafka and what it collects, bound to --kafka.*,
// --topic.*, --group.* and --lag.* flags.
//
// Connection settings are translated into librdkafka configuration by ToRdkafkaConfig(), in this
// order (a later source overrides an earlier one for the same property): the exporter's fixed
// settings, the shortcut flags (--kafka.server, --kafka.sasl.*, --kafka.tls.*), the properties of
// --kafka.config-file, --kafka.config KEY=VALUE, and --kafka.config-secret KEY=FILE (the value is
// the file's content). Files are read at that point; values never appear in logs or errors
// (errors name the property, the flag and the file). Plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/flags.h"
#include "common/status.h"

namespace streamlens::exporter::kafka {

struct KafkaOptions {
  std::vector<std::string> servers{"localhost:9092"};
  std::string client_id = "streamlens-exporter";
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // Any librdkafka property: KEY=VALUE pairs, a properties file, KEY=FILE secrets.
  std::vector<std::string> config;
  std::string config_file;
  std::vector<std::string> config_secrets;
  // SASL: mechanism empty = none; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER.
  std::string sasl_mechanism;
  std::string sasl_username;
  std::string sasl_password_file;
  // TLS.
  bool tls_enabled = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure_skip_verify = false;

  // Value of a `cluster` label on every Kafka family the exporter serves; empty: no label.
  std::string cluster_name;
  // How often topic configurations are read (DescribeConfigs); 0: never.
  std::chrono::milliseconds topic_config_refresh{std::chrono::minutes(5)};

  // Filters (regular expressions, searched anywhere in the name like kafka_exporter's).
  std::string topic_filter = ".*";
  std::string topic_exclude = "^$";
  std::string group_filter = ".*";
  std::string group_exclude = "^$";
  // Groups to query when the cluster does not list groups (ACLs, the librdkafka mock cluster).
  std::vector<std::string> group_list;

  // Lag health and lag seconds.
  int64_t lag_window = 10;      // commits per partition evaluated (Burrow's window)
  int64_t lag_allowed = 0;      // lag at or below this counts as caught up
  int64_t offset_history = 64;  // high-watermark samples kept per partition
};

// Registers the flags above on `flags`, bound to `values`.
void RegisterKafkaFlags(FlagSet& flags, KafkaOptions* values);

// Validates the options (regexes compile, mechanism known, files readable, window sizes > 0).
Status ValidateKafkaOptions(const KafkaOptions& options);

// librdkafka configuration pairs (security.protocol, sasl.*, ssl.*, bootstrap.servers, ...) in
// the order described above, duplicates resolved (the last source wins). Reads the files; errors
// name the flag, the file and the property, never a value.
Result<std::vector<std::pair<std::string, std::string>>> ToRdkafkaConfig(
    const KafkaOptions& options);

}  // namespace streamlens::exporter::kafka
