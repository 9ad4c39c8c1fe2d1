#include "common/fuzz/fuzz_targets.h"

#include <string>
#include <string_view>

#include "common/basic_auth.h"
#include "common/http_parser.h"
#include "common/web_config.h"

namespace streamlens::fuzz {

void FuzzWebConfig(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto cfg = WebConfig::Parse(yaml, "fuzz.yml", "/nonexistent");
  if (cfg.ok()) {
    for (const auto& [user, hash] : cfg->basic_auth_users) (void)IsBcryptHash(hash);
  }
}

void FuzzHttpRequest(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t end = FindHeadEnd(in);
  auto head = ParseRequestHead(in.substr(0, end == std::string_view::npos ? in.size() : end));
  if (head.ok()) {
    (void)head->Header("authorization");
    (void)Base64Decode(head->Header("authorization"));
  }
  (void)ParseQuery(in);
  (void)PercentDecode(in, true);
}

}  // namespace streamlens::fuzz
