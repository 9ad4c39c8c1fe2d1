// WebConfig: the exporter-toolkit web configuration file (--web.config.file), as used by
// node_exporter and Prometheus itself:
//
//   tls_server_config:
//     cert_file: server.crt
//     key_file: server.key
//     client_ca_file: ca.crt            # optional
//     client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert,
//                                                    # RequireAnyClientCert,
//                                                    VerifyClientCertIfGiven
//     min_version: TLS12                 # TLS10..TLS13 (default TLS12)
//   basic_auth_users:
//     alice: $2y$10$...                  # bcrypt hash
//
// Relative paths are resolved against the config file's folder. Plain value type.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace streamlens {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string client_auth_type = "NoClientCert";
  std::string min_version = "TLS12";
};

struct WebConfig {
  bool tls_enabled = false;
  TlsServerConfig tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash

  // Loads `path`; errors name the file and the offending key. Unknown keys are errors too,
  // as in exporter-toolkit, so a typo never silently disables TLS or auth.
  static Result<WebConfig> Load(const std::string& path);
  // Parses YAML text; `origin` names the source in errors and `base_dir` resolves relative paths.
  static Result<WebConfig> Parse(std::string_view yaml, const std::string& origin,
                                 const std::string& base_dir);
};

// Verifies `password` against a bcrypt (or other crypt(3)) `hash` with libcrypt's crypt_r.
// Constant-time comparison of the computed hash.
bool VerifyPassword(const std::string& password, const std::string& hash);

}  // namespace streamlens
