#include "common/web_config.h"

#include <crypt.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace streamlens {

namespace {

std::string Where(const std::string& origin, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return origin;
  return origin + ":" + std::to_string(m.line + 1);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

Result<std::string> ScalarAt(const std::string& origin, const YAML::Node& node,
                             const std::string& key) {
  if (!node.IsScalar()) {
    return Status::Error(Where(origin, node) + ": key " + key + ": expected a string");
  }
  return node.as<std::string>();
}

}  // namespace

Result<WebConfig> WebConfig::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error("web config " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path, std::filesystem::path(path).parent_path().string());
}

Result<WebConfig> WebConfig::Parse(std::string_view yaml, const std::string& origin,
                                   const std::string& base_dir) {
  WebConfig cfg;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ":" + std::to_string(e.mark.line + 1) +
                         ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return cfg;
  if (!root.IsMap()) return Status::Error(origin + ": expected a mapping at the top level");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    if (key == "tls_server_config") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        return Status::Error(Where(origin, value) + ": key tls_server_config: expected a mapping");
      }
      static const std::set<std::string> kKeys = {
          "cert_file",        "key_file",          "client_ca_file",
          "client_auth_type", "min_version",       "max_version",
          "cipher_suites",    "curve_preferences", "prefer_server_cipher_suites"};
      for (const auto& t : value) {
        const std::string tkey = t.first.as<std::string>();
        const std::string full = "tls_server_config." + tkey;
        if (!kKeys.count(tkey)) {
          return Status::Error(Where(origin, t.first) + ": unknown key " + full);
        }
        if (tkey == "cipher_suites" || tkey == "curve_preferences" ||
            tkey == "prefer_server_cipher_suites" || tkey == "max_version") {
          continue;  // accepted for compatibility; OpenSSL's defaults apply
        }
        auto s = ScalarAt(origin, t.second, full);
        if (!s.ok()) return s.status();
        if (tkey == "cert_file") cfg.tls.cert_file = Resolve(base_dir, *s);
        if (tkey == "key_file") cfg.tls.key_file = Resolve(base_dir, *s);
        if (tkey == "client_ca_file") cfg.tls.client_ca_file = Resolve(base_dir, *s);
        if (tkey == "client_auth_type") {
          static const std::set<std::string> kTypes = {
              "NoClientCert", "RequestClientCert", "RequireAnyClientCert",
              "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"};
          if (!kTypes.count(*s)) {
            return Status::Error(Where(origin, t.second) + ": key " + full +
                                 ": expected one of NoClientCert, RequestClientCert, "
                                 "RequireAnyClientCert, VerifyClientCertIfGiven, "
                                 "RequireAndVerifyClientCert; got \"" +
                                 *s + "\"");
          }
          cfg.tls.client_auth_type = *s;
        }
        if (tkey == "min_version") {
          if (*s != "TLS10" && *s != "TLS11" && *s != "TLS12" && *s != "TLS13") {
            return Status::Error(Where(origin, t.second) + ": key " + full +
                                 ": expected TLS10, TLS11, TLS12 or TLS13; got \"" + *s + "\"");
          }
          cfg.tls.min_version = *s;
        }
      }
      if (cfg.tls.cert_file.empty() || cfg.tls.key_file.empty()) {
        return Status::Error(Where(origin, value) +
                             ": key tls_server_config: cert_file and key_file are both required");
      }
      for (const auto* p : {&cfg.tls.cert_file, &cfg.tls.key_file, &cfg.tls.client_ca_file}) {
        if (!p->empty() && !std::filesystem::exists(*p)) {
          const char* name = p == &cfg.tls.cert_file  ? "cert_file"
                             : p == &cfg.tls.key_file ? "key_file"
                                                      : "client_ca_file";
          return Status::Error(origin + ": key tls_server_config." + name + ": file " + *p +
                               " does not exist");
        }
      }
      bool needs_ca = cfg.tls.client_auth_type == "VerifyClientCertIfGiven" ||
                      cfg.tls.client_auth_type == "RequireAndVerifyClientCert";
      if (needs_ca && cfg.tls.client_ca_file.empty()) {
        return Status::Error(origin +
                             ": key tls_server_config.client_ca_file: required when "
                             "client_auth_type is " +
                             cfg.tls.client_auth_type);
      }
      cfg.tls_enabled = true;
    } else if (key == "basic_auth_users") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        return Status::Error(Where(origin, value) +
                             ": key basic_auth_users: expected a mapping "
                             "of user name to bcrypt hash");
      }
      for (const auto& u : value) {
        const std::string user = u.first.as<std::string>();
        auto hash = ScalarAt(origin, u.second, "basic_auth_users." + user);
        if (!hash.ok()) return hash.status();
        if (hash->size() < 4 || (*hash)[0] != '$') {
          return Status::Error(Where(origin, u.second) + ": key basic_auth_users." + user +
                               ": expected a bcrypt hash ($2y$...)");
        }
        cfg.basic_auth_users[user] = *hash;
      }
    } else if (key == "http_server_config") {
      continue;  // exporter-toolkit's HTTP/2 and header options; nothing to configure here
    } else {
      return Status::Error(Where(origin, kv.first) + ": unknown key " + key +
                           " (expected tls_server_config, basic_auth_users, http_server_config)");
    }
  }
  return cfg;
}

bool VerifyPassword(const std::string& password, const std::string& hash) {
  struct crypt_data data;
  data.initialized = 0;
  const char* out = crypt_r(password.c_str(), hash.c_str(), &data);
  if (out == nullptr || out[0] == '*') return false;
  const std::string computed(out);
  if (computed.size() != hash.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < hash.size(); ++i) diff |= computed[i] ^ hash[i];
  return diff == 0;
}

}  // namespace streamlens
