// WebConfig: the exporter-toolkit web configuration file (--web.config.file), as used by
// node_exporter and Prometheus itself:
//
//   tls_server_config:
//     cert_file: server.crt
//     key_file: server.key
//     client_ca_file: ca.crt            # optional
//     client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert,
//                                                    # RequireAnyClientCert,
//                                                    # VerifyClientCertIfGiven
//     min_version: TLS12                 # TLS10..TLS13 (default TLS12)
//     max_version: TLS13                 # TLS10..TLS13 (default TLS13)
//     cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...]   # Go names, TLS <= 1.2
//     curve_preferences: [X25519, CurveP256]                         # Go names
//     prefer_server_cipher_suites: true
//   http_server_config:
//     http2: false                       # HTTP/2 is not served; true is refused
//     headers: {X-Frame-Options: deny}   # the security headers exporter-toolkit allows
//   basic_auth_users:
//     alice: $2y$10$...                  # bcrypt hash (the only accepted kind)
//
// Every exporter-toolkit key is either honoured or refused with an error naming it; unknown keys
// are errors too, so a typo never silently disables TLS or auth. Contradictions that
// exporter-toolkit refuses are refused: a client CA without a client auth type that asks for
// certificates, a verifying client auth type without a CA, max_version below min_version.
// Malformed YAML (a mapping or sequence as a key, wrong kinds of values) is an error naming the
// key, never an exception. Relative paths are resolved against the config file's folder.
// Plain value type.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string client_auth_type = "NoClientCert";
  std::string min_version = "TLS12";
  std::string max_version = "TLS13";
  // OpenSSL spellings of cipher_suites (colon-joined for SSL_CTX_set_cipher_list), empty: defaults.
  std::string openssl_ciphers;
  // OpenSSL spellings of curve_preferences (colon-joined for SSL_CTX_set1_groups_list).
  std::string openssl_groups;
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  bool tls_enabled = false;
  TlsServerConfig tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  // http_server_config.headers, added to every response.
  std::vector<std::pair<std::string, std::string>> headers;

  // Loads `path`; errors name the file and the offending key.
  static Result<WebConfig> Load(const std::string& path);
  // Parses YAML text; `origin` names the source in errors and `base_dir` resolves relative paths.
  static Result<WebConfig> Parse(std::string_view yaml, const std::string& origin,
                                 const std::string& base_dir);
};

// True when `hash` is a bcrypt hash ($2a$, $2b$ or $2y$, two-digit cost 04..31, 53 characters of
// salt and digest).
bool IsBcryptHash(std::string_view hash);

// Verifies `password` against a bcrypt `hash` with libcrypt's crypt_r. Constant-time comparison
// of the computed hash. False for anything that is not a bcrypt hash.
bool VerifyPassword(const std::string& password, const std::string& hash);

}  // namespace streamlens
