#include "exporter/kafka/rdkafka_conf.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <sstream>

namespace streamlens::exporter::kafka {

namespace {

// `text` with every occurrence of `value` replaced (values of 4+ characters: shorter ones are
// not secrets and would garble the message).
std::string Redact(std::string text, const std::string& value) {
  if (value.size() < 4) return text;
  for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
    text.replace(at, value.size(), "<redacted>");
    at += 10;
  }
  return text;
}

void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* setup = static_cast<const RdkafkaSetup*>(rd_kafka_opaque(rk));
  if (setup == nullptr) return;
  // librdkafka repeats connection errors every retry; collectors report state changes, so these
  // stay at debug level.
  setup->logger().Debug("librdkafka",
                        {{"facility", fac}, {"syslog_level", level}, {"detail", buf}});
}

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* setup = static_cast<const RdkafkaSetup*>(opaque);
  if (setup == nullptr) return;
  setup->logger().Debug(
      "librdkafka error",
      {{"err", rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err))}, {"detail", reason}});
}

void RefreshCallback(rd_kafka_t* rk, const char*, void* opaque) {
  static_cast<const RdkafkaSetup*>(opaque)->RefreshToken(rk);
}

}  // namespace

bool LibrdkafkaHasOidc() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char buf[512];
  size_t n = sizeof(buf);
  const bool ok = rd_kafka_conf_get(conf, "builtin.features", buf, &n) == RD_KAFKA_CONF_OK;
  rd_kafka_conf_destroy(conf);
  if (!ok) return false;
  std::stringstream ss(buf);
  for (std::string f; std::getline(ss, f, ',');) {
    if (f == "oidc") return true;
  }
  return false;
}

std::unique_ptr<RdkafkaSetup> RdkafkaSetup::Create(
    std::vector<std::pair<std::string, std::string>> config, Logger logger) {
  OidcOptions oidc;
  const bool emulate = !LibrdkafkaHasOidc() && TakeOidcOptions(&config, &oidc);
  std::unique_ptr<RdkafkaSetup> s(new RdkafkaSetup(std::move(config), std::move(logger)));
  if (emulate) s->oidc_.emplace(std::move(oidc));
  return s;
}

Result<rd_kafka_conf_t*> RdkafkaSetup::NewConf() const {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::string keys;
  for (const auto& [k, v] : config_) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      // librdkafka's message may quote the value, which may be a secret.
      return Status::Error("kafka configuration \"" + k + "\": " + Redact(errstr, v));
    }
    keys += (keys.empty() ? "" : ",") + k;
  }
  // Property names only: values may be secrets.
  logger_.Debug("kafka client configuration",
                {{"properties", keys}, {"oidc", oidc_ ? "exporter" : "librdkafka or none"}});
  rd_kafka_conf_set_opaque(conf, const_cast<RdkafkaSetup*>(this));
  rd_kafka_conf_set_log_cb(conf, LogCallback);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
  if (oidc_) {
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, RefreshCallback);
    rd_kafka_conf_enable_sasl_queue(conf, 1);
  }
  return conf;
}

std::string RdkafkaSetup::Redacted(std::string text) const {
  for (const auto& [k, v] : config_) text = Redact(std::move(text), v);
  if (oidc_) text = Redact(std::move(text), oidc_->options().client_secret);
  return text;
}

void RdkafkaSetup::Started(rd_kafka_t* rk) const {
  if (!oidc_) return;
  if (rd_kafka_error_t* e = rd_kafka_sasl_background_callbacks_enable(rk)) {
    logger_.Error("OIDC: cannot serve token refreshes", {{"err", rd_kafka_error_string(e)}});
    rd_kafka_error_destroy(e);
  }
}

void RdkafkaSetup::RefreshToken(rd_kafka_t* rk) const {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto token = oidc_->Fetch(now_ms);
  if (!token.ok()) {
    logger_.Warn("OIDC token request failed", {{"err", token.status().message()}});
    rd_kafka_oauthbearer_set_token_failure(rk, token.status().message().c_str());
    return;
  }
  std::vector<const char*> ext;
  for (const auto& [k, v] : oidc_->options().extensions) {
    ext.push_back(k.c_str());
    ext.push_back(v.c_str());
  }
  char errstr[512];
  if (rd_kafka_oauthbearer_set_token(rk, token->value.c_str(), token->expiry_ms,
                                     token->principal.c_str(), ext.empty() ? nullptr : ext.data(),
                                     ext.size(), errstr,
                                     sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    logger_.Warn("OIDC token refused by librdkafka", {{"err", Redact(errstr, token->value)}});
    rd_kafka_oauthbearer_set_token_failure(rk, "token refused");
    return;
  }
  logger_.Debug("OIDC token set",
                {{"principal", token->principal}, {"expiry_ms", token->expiry_ms}});
}

}  // namespace streamlens::exporter::kafka
