#include "sidecar/engine/shard.h"

#include <openssl/evp.h>

namespace streamlens::engine {

uint64_t HashModKey(const std::vector<std::string_view>& values) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_md5(), nullptr);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) EVP_DigestUpdate(ctx, ";", 1);
    EVP_DigestUpdate(ctx, values[i].data(), values[i].size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | digest[i];
  return v;
}

uint32_t ShardOf(const std::vector<std::string_view>& values_in_name_order, uint32_t count) {
  if (count <= 1) return 0;
  return static_cast<uint32_t>(HashModKey(values_in_name_order) % count);
}

}  // namespace streamlens::engine
