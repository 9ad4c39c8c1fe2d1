// RdkafkaSetup: one librdkafka handle's configuration and the state its callbacks need - the
// exporter's logger (librdkafka's log lines at debug level) and, where librdkafka was built
// without OIDC (Debian's 2.0.2), the exporter's own OIDC token source (oidc_token.h) behind
// librdkafka's OAUTHBEARER refresh callback, so `sasl.oauthbearer.method=oidc` and its properties
// work with either build.
//
// Usage: Create(), NewConf() -> rd_kafka_new(conf) -> Started(rk). The setup is the conf's opaque
// and must outlive the handle; `user` carries the owner's own pointer for its other callbacks
// (rd_kafka_opaque(rk) is the setup). Values never appear in errors or logs.
// Thread-safety: callbacks run on librdkafka's threads; NewConf/Started from the owner's thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "exporter/kafka/oidc_token.h"

typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_s rd_kafka_t;

namespace streamlens::exporter::kafka {

class RdkafkaSetup {
 public:
  // Takes the OIDC properties out of `config` when librdkafka cannot handle them itself.
  static std::unique_ptr<RdkafkaSetup> Create(
      std::vector<std::pair<std::string, std::string>> config, Logger logger);
  // A new configuration with every property and the callbacks; the caller passes it to
  // rd_kafka_new (or destroys it). Error names the property librdkafka refused.
  Result<rd_kafka_conf_t*> NewConf() const;
  // After rd_kafka_new: serves the OIDC refresh in librdkafka's background thread.
  void Started(rd_kafka_t* rk) const;

  const Logger& logger() const { return logger_; }
  // `text` (e.g. librdkafka's errstr) with every configured value of 4+ characters replaced by
  // <redacted>.
  std::string Redacted(std::string text) const;
  bool emulates_oidc() const { return oidc_.has_value(); }
  void* user = nullptr;

  // Called by librdkafka (through C shims).
  void RefreshToken(rd_kafka_t* rk) const;

 private:
  RdkafkaSetup(std::vector<std::pair<std::string, std::string>> config, Logger logger)
      : config_(std::move(config)), logger_(std::move(logger)) {}
  std::vector<std::pair<std::string, std::string>> config_;
  Logger logger_;
  std::optional<OidcTokenSource> oidc_;
};

// True when this librdkafka implements sasl.oauthbearer.method=oidc itself.
bool LibrdkafkaHasOidc();

}  // namespace streamlens::exporter::kafka
