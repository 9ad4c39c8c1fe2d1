#include "common/basic_auth.h"

#include <openssl/evp.h>

#include "common/web_config.h"

namespace streamlens {

std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return std::string();
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users, BasicAuthOptions options)
    : users_(std::move(users)), options_(options) {
  if (options_.max_concurrent_checks == 0) options_.max_concurrent_checks = 1;
}

std::string BasicAuth::Key(const std::string& user, const std::string& password,
                           const std::string& hash) const {
  const std::string material = user + '\0' + password + '\0' + hash;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(material.data(), material.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

BasicAuth::Verdict BasicAuth::Check(std::string_view authorization) {
  if (users_.empty()) return Verdict::kAllowed;
  if (authorization.substr(0, 6) != "Basic ") return Verdict::kDenied;
  const std::string decoded = Base64Decode(authorization.substr(6));
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Verdict::kDenied;
  const std::string user = decoded.substr(0, colon);
  const std::string password = decoded.substr(colon + 1);
  auto it = users_.find(user);
  const bool known = it != users_.end();
  // An unknown user is checked against the first user's hash and always denied.
  const std::string& hash = known ? it->second : users_.begin()->second;
  const std::string key = Key(user, password, hash);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (allowed_.count(key)) return Verdict::kAllowed;
    auto d = denied_.find(key);
    if (d != denied_.end()) {
      if (d->second > now) return Verdict::kDenied;
      denied_.erase(d);
    }
    if (running_ >= options_.max_concurrent_checks) return Verdict::kBusy;
    ++running_;
  }
  ++bcrypt_checks_;
  const bool ok = VerifyPassword(password, hash) && known;
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  if (ok) {
    if (allowed_.size() >= options_.max_cache_entries) allowed_.clear();
    allowed_[key] = true;
    return Verdict::kAllowed;
  }
  if (denied_.size() >= options_.max_cache_entries) denied_.clear();
  denied_[key] = now + options_.failure_ttl;
  return Verdict::kDenied;
}

}  // namespace streamlens
