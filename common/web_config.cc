#include "common/web_config.h"

#include <crypt.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml_keys.h"

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

// Reads web config YAML with errors that name the file, line and key.
class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  Status Fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
    return Status::Error(Where(origin_, node) + ": key " + key + ": " + what);
  }
  // A mapping key must be a plain string (YAML also allows sequences and mappings as keys).
  Result<std::string> Key(const YAML::Node& key, const std::string& parent) const {
    if (!key.IsScalar()) {
      return Status::Error(Where(origin_, key) + ": key " + parent +
                           ": expected string keys, got a " +
                           (key.IsMap()        ? "mapping"
                            : key.IsSequence() ? "sequence"
                                               : "null") +
                           " as a key");
    }
    return key.Scalar();
  }
  Result<std::string> String(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Fail(node, key, "expected a string");
    return node.Scalar();
  }
  Result<bool> Bool(const YAML::Node& node, const std::string& key) const {
    const std::string& s = node.IsScalar() ? node.Scalar() : std::string();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    return Fail(node, key, "expected true or false");
  }
  Result<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) return Fail(node, key, "expected a list of strings");
    std::vector<std::string> out;
    for (const auto& item : node) {
      auto s = String(item, key);
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
    return out;
  }
  const std::string& origin() const { return origin_; }

 private:
  const std::string& origin_;
};

// Go's crypto/tls names (as exporter-toolkit takes them) -> OpenSSL names. TLS 1.3 suites are
// not configurable, in Go as in OpenSSL's cipher list.
const std::map<std::string, std::string>& CipherNames() {
  static const std::map<std::string, std::string> kNames = {
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  return kNames;
}

int VersionRank(const std::string& v) {
  if (v == "TLS10") return 10;
  if (v == "TLS11") return 11;
  if (v == "TLS12") return 12;
  if (v == "TLS13") return 13;
  return 0;
}

Status JoinMapped(const Reader& r, const YAML::Node& node, const std::string& key,
                  const std::map<std::string, std::string>& names, std::string* out) {
  auto list = r.Strings(node, key);
  if (!list.ok()) return list.status();
  if (list->empty()) return r.Fail(node, key, "expected at least one entry");
  for (const auto& name : *list) {
    auto it = names.find(name);
    if (it == names.end()) {
      std::string known;
      for (const auto& [k, v] : names) known += (known.empty() ? "" : ", ") + k;
      return r.Fail(node, key, "unsupported value \"" + name + "\" (supported: " + known + ")");
    }
    if (!out->empty()) *out += ":";
    *out += it->second;
  }
  return Status::Ok();
}

// One key of tls_server_config.
Status TlsKey(const Reader& r, const std::string& tkey, const YAML::Node& v,
              const std::string& base_dir, TlsServerConfig* tls) {
  const std::string full = "tls_server_config." + tkey;
  if (tkey == "cipher_suites") return JoinMapped(r, v, full, CipherNames(), &tls->openssl_ciphers);
  if (tkey == "curve_preferences") {
    static const std::map<std::string, std::string> kCurves = {{"CurveP256", "P-256"},
                                                               {"CurveP384", "P-384"},
                                                               {"CurveP521", "P-521"},
                                                               {"X25519", "X25519"}};
    return JoinMapped(r, v, full, kCurves, &tls->openssl_groups);
  }
  if (tkey == "prefer_server_cipher_suites") {
    auto b = r.Bool(v, full);
    if (!b.ok()) return b.status();
    tls->prefer_server_cipher_suites = *b;
    return Status::Ok();
  }
  if (tkey == "cert" || tkey == "key" || tkey == "client_ca" || tkey == "client_allowed_sans") {
    return r.Fail(v, full,
                  "not supported by streamlens (use cert_file, key_file, client_ca_file; "
                  "client_allowed_sans is not implemented)");
  }
  auto s = r.String(v, full);
  if (!s.ok()) return s.status();
  if (tkey == "cert_file") {
    tls->cert_file = Resolve(base_dir, *s);
  } else if (tkey == "key_file") {
    tls->key_file = Resolve(base_dir, *s);
  } else if (tkey == "client_ca_file") {
    tls->client_ca_file = Resolve(base_dir, *s);
  } else if (tkey == "client_auth_type") {
    static const std::set<std::string> kTypes = {"NoClientCert", "RequestClientCert",
                                                 "RequireAnyClientCert", "VerifyClientCertIfGiven",
                                                 "RequireAndVerifyClientCert"};
    if (!kTypes.count(*s)) {
      return r.Fail(v, full,
                    "expected one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
                    "VerifyClientCertIfGiven, RequireAndVerifyClientCert; got \"" +
                        *s + "\"");
    }
    tls->client_auth_type = *s;
  } else {  // min_version or max_version: ParseTls admits no other key
    if (VersionRank(*s) == 0) {
      return r.Fail(v, full, "expected TLS10, TLS11, TLS12 or TLS13; got \"" + *s + "\"");
    }
    (tkey == "min_version" ? tls->min_version : tls->max_version) = *s;
  }
  return Status::Ok();
}

// The checks that need the whole tls_server_config section.
Status CheckTls(const Reader& r, const YAML::Node& section, const TlsServerConfig& tls) {
  const std::string& origin = r.origin();
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    return r.Fail(section, "tls_server_config", "cert_file and key_file are both required");
  }
  for (const auto* p : {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
    if (!p->empty() && !std::filesystem::exists(*p)) {
      const char* name = p == &tls.cert_file  ? "cert_file"
                         : p == &tls.key_file ? "key_file"
                                              : "client_ca_file";
      return Status::Error(origin + ": key tls_server_config." + name + ": file " + *p +
                           " does not exist");
    }
  }
  const std::string& type = tls.client_auth_type;
  if ((type == "VerifyClientCertIfGiven" || type == "RequireAndVerifyClientCert") &&
      tls.client_ca_file.empty()) {
    return Status::Error(origin +
                         ": key tls_server_config.client_ca_file: required when "
                         "client_auth_type is " +
                         type);
  }
  if (!tls.client_ca_file.empty() && type == "NoClientCert") {
    return Status::Error(origin +
                         ": key tls_server_config.client_auth_type: client_ca_file is set but "
                         "client_auth_type is NoClientCert (client certificates would never be "
                         "asked for); set a client_auth_type or remove client_ca_file");
  }
  if (VersionRank(tls.max_version) < VersionRank(tls.min_version)) {
    return Status::Error(origin + ": key tls_server_config.max_version: " + tls.max_version +
                         " is below min_version " + tls.min_version);
  }
  return Status::Ok();
}

// The keys of tls_server_config: exporter-toolkit's (cert, key, client_ca and
// client_allowed_sans are rejected with a reason by TlsKey).
const std::set<std::string> kTlsKeys = {"cert_file",
                                        "key_file",
                                        "client_ca_file",
                                        "client_auth_type",
                                        "min_version",
                                        "max_version",
                                        "cipher_suites",
                                        "curve_preferences",
                                        "prefer_server_cipher_suites",
                                        "cert",
                                        "key",
                                        "client_ca",
                                        "client_allowed_sans"};

Status ParseTls(const Reader& r, const YAML::Node& value, const std::string& base_dir,
                WebConfig* cfg) {
  if (value.IsNull()) return Status::Ok();
  if (!value.IsMap()) return r.Fail(value, "tls_server_config", "expected a mapping");
  for (const auto& t : value) {
    auto tkey = r.Key(t.first, "tls_server_config");
    if (!tkey.ok()) return tkey.status();
    if (!kTlsKeys.count(*tkey)) {
      return UnknownYamlKey(
          r.origin(), t.first, "tls_server_config",
          {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version",
           "max_version", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites"});
    }
    STREAMLENS_RETURN_IF_ERROR(TlsKey(r, *tkey, t.second, base_dir, &cfg->tls));
  }
  STREAMLENS_RETURN_IF_ERROR(CheckTls(r, value, cfg->tls));
  cfg->tls_enabled = true;
  return Status::Ok();
}

Status ParseUsers(const Reader& r, const YAML::Node& value, WebConfig* cfg) {
  if (value.IsNull()) return Status::Ok();
  if (!value.IsMap()) {
    return r.Fail(value, "basic_auth_users", "expected a mapping of user name to bcrypt hash");
  }
  for (const auto& u : value) {
    auto user = r.Key(u.first, "basic_auth_users");
    if (!user.ok()) return user.status();
    const std::string key = "basic_auth_users." + *user;
    auto hash = r.String(u.second, key);
    if (!hash.ok()) return hash.status();
    if (!IsBcryptHash(*hash)) return r.Fail(u.second, key, "expected a bcrypt hash ($2y$...)");
    cfg->basic_auth_users[*user] = *hash;
  }
  return Status::Ok();
}

Status ParseHttp(const Reader& r, const YAML::Node& value, WebConfig* cfg) {
  if (value.IsNull()) return Status::Ok();
  if (!value.IsMap()) return r.Fail(value, "http_server_config", "expected a mapping");
  for (const auto& kv : value) {
    auto key = r.Key(kv.first, "http_server_config");
    if (!key.ok()) return key.status();
    const std::string full = "http_server_config." + *key;
    if (*key == "http2") {
      auto b = r.Bool(kv.second, full);
      if (!b.ok()) return b.status();
      if (*b) return r.Fail(kv.second, full, "HTTP/2 is not served; set false or remove the key");
    } else if (*key == "headers") {
      static const std::set<std::string> kAllowed = {"Strict-Transport-Security",
                                                     "X-Content-Type-Options", "X-Frame-Options",
                                                     "X-XSS-Protection", "Content-Security-Policy"};
      if (!kv.second.IsMap()) return r.Fail(kv.second, full, "expected a mapping");
      for (const auto& h : kv.second) {
        auto name = r.Key(h.first, full);
        if (!name.ok()) return name.status();
        if (!kAllowed.count(*name)) {
          return r.Fail(h.first, full + "." + *name,
                        "not allowed (Strict-Transport-Security, X-Content-Type-Options, "
                        "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)");
        }
        auto v = r.String(h.second, full + "." + *name);
        if (!v.ok()) return v.status();
        if (v->find_first_of("\r\n") != std::string::npos) {
          return r.Fail(h.second, full + "." + *name, "a header value cannot contain a newline");
        }
        cfg->headers.emplace_back(*name, *v);
      }
    } else {
      return UnknownYamlKey(r.origin(), kv.first, "http_server_config", {"http2", "headers"});
    }
  }
  return Status::Ok();
}

Result<WebConfig> ParseRoot(const Reader& r, const YAML::Node& root, const std::string& base_dir) {
  WebConfig cfg;
  if (root.IsNull()) return cfg;
  if (!root.IsMap()) return Status::Error(r.origin() + ": expected a mapping at the top level");
  for (const auto& kv : root) {
    auto key = r.Key(kv.first, "(top level)");
    if (!key.ok()) return key.status();
    if (*key == "tls_server_config") {
      STREAMLENS_RETURN_IF_ERROR(ParseTls(r, kv.second, base_dir, &cfg));
    } else if (*key == "basic_auth_users") {
      STREAMLENS_RETURN_IF_ERROR(ParseUsers(r, kv.second, &cfg));
    } else if (*key == "http_server_config") {
      STREAMLENS_RETURN_IF_ERROR(ParseHttp(r, kv.second, &cfg));
    } else if (*key == "rate_limit") {
      return r.Fail(kv.second, "rate_limit", "not supported by streamlens");
    } else {
      return UnknownYamlKey(r.origin(), kv.first, "",
                            {"tls_server_config", "basic_auth_users", "http_server_config"});
    }
  }
  return cfg;
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
  Reader reader(origin);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return ParseRoot(reader, root, base_dir);
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ":" + std::to_string(e.mark.line + 1) +
                         ": invalid YAML: " + e.msg);
  }
}

bool IsBcryptHash(std::string_view hash) {
  // $2y$NN$ + 22 salt + 31 digest characters of bcrypt's base64 alphabet.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') {
    return false;
  }
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (size_t i = 7; i < hash.size(); ++i) {
    const char c = hash[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

bool VerifyPassword(const std::string& password, const std::string& hash) {
  if (!IsBcryptHash(hash)) return false;
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
