// BasicAuth: HTTP basic authentication against the web config's bcrypt hashes, safe under a
// flood of wrong passwords.
//
// bcrypt costs tens of milliseconds of CPU by design. Three measures keep an auth flood from
// taking the daemon's cores: verified credentials are remembered (so a scraper pays bcrypt once),
// failed ones are remembered for `failure_ttl` (so repeating a wrong password costs a lookup),
// and at most `max_concurrent_checks` bcrypt verifications run at once; a request that would need
// another one is answered kBusy at once (the server's 429) instead of queueing. Caches are keyed
// by a SHA-256 of user, password and hash, never the password itself, and bounded (cleared when
// full). An unknown user costs the same bcrypt as a known one, so user names cannot be probed.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace streamlens {

struct BasicAuthOptions {
  size_t max_concurrent_checks = 2;
  std::chrono::seconds failure_ttl{60};
  size_t max_cache_entries = 4096;
};

class BasicAuth {
 public:
  enum class Verdict { kAllowed, kDenied, kBusy };

  // `users`: user -> bcrypt hash (non-empty).
  BasicAuth(std::map<std::string, std::string> users, BasicAuthOptions options);

  // Checks an Authorization header value ("Basic base64(user:password)").
  Verdict Check(std::string_view authorization);
  // bcrypt verifications run so far (for tests and logs).
  uint64_t bcrypt_checks() const { return bcrypt_checks_.load(); }

 private:
  std::string Key(const std::string& user, const std::string& password,
                  const std::string& hash) const;

  const std::map<std::string, std::string> users_;
  BasicAuthOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, bool> allowed_;  // key -> true; guarded by mu_
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> denied_;  // until
  size_t running_ = 0;  // bcrypt checks in progress; guarded by mu_
  std::atomic<uint64_t> bcrypt_checks_{0};
};

// Standard base64 (RFC 4648) with optional padding; invalid input decodes to an empty string.
std::string Base64Decode(std::string_view in);

}  // namespace streamlens
