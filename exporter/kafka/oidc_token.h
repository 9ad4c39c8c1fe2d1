// OidcTokenSource: OAUTHBEARER tokens from an OIDC token endpoint (client-credentials grant), for
// librdkafka builds without their own OIDC support (Debian's 2.0.2 lacks libcurl, and refuses
// sasl.oauthbearer.method=oidc). The exporter then reads the same properties librdkafka would
// (sasl.oauthbearer.client.id, .client.secret, .token.endpoint.url, .scope, .extensions) and
// hands the token to librdkafka from its refresh callback (rdkafka_conf.h).
//
// The request is what librdkafka's own OIDC client sends: POST to the endpoint with HTTP basic
// auth (client id : client secret) and the form body grant_type=client_credentials[&scope=...].
// The reply's access_token must be a JWT: its `sub` claim is the principal and its `exp` claim
// the expiry (librdkafka requires both too); `expires_in` is used when `exp` is absent.
//
// Thread-safety: Fetch() may be called from any one thread at a time; ParseTokenReply is pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens::exporter::kafka {

struct OidcOptions {
  std::string token_endpoint_url;  // http(s)://host[:port]/path
  std::string client_id;
  std::string client_secret;
  std::string scope;                                            // optional
  std::vector<std::pair<std::string, std::string>> extensions;  // SASL extensions
  std::string ca_file;  // CA bundle for https (ssl.ca.location); empty: the system's
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

struct OAuthToken {
  std::string value;
  int64_t expiry_ms = 0;  // Unix time
  std::string principal;
};

// Decodes a token endpoint reply received at `now_ms`. Errors say what is missing, never the
// token itself.
Result<OAuthToken> ParseTokenReply(std::string_view body, int64_t now_ms);

// The OIDC properties of a librdkafka configuration, removed from `config` (so librdkafka does not
// see the ones it refuses). Returns false when sasl.oauthbearer.method is not "oidc".
bool TakeOidcOptions(std::vector<std::pair<std::string, std::string>>* config, OidcOptions* out);

class OidcTokenSource {
 public:
  explicit OidcTokenSource(OidcOptions options) : options_(std::move(options)) {}
  // One token request. Errors name the endpoint and the HTTP status, never the secret.
  Result<OAuthToken> Fetch(int64_t now_ms) const;
  const OidcOptions& options() const { return options_; }

 private:
  OidcOptions options_;
};

}  // namespace streamlens::exporter::kafka
