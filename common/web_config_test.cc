#include "common/web_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace streamlens {
namespace {

// bcrypt of "secret" (cost 4), produced with htpasswd -bnBC 4.
constexpr char kHash[] = "$2y$04$LiIhqgtRQgDnkWVKiNclS.KcLkvYzaekB7gkcCad2HI/hx7ZXWav6";

TEST(WebConfigTest, EmptyConfigMeansPlainHttp) {
  auto cfg = WebConfig::Parse("", "web.yml", "");
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->tls_enabled);
  EXPECT_TRUE(cfg->basic_auth_users.empty());
}

TEST(WebConfigTest, ParsesUsersAndResolvesRelativeTlsPaths) {
  auto dir = std::filesystem::temp_directory_path() / "streamlens_web_config_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "s.crt") << "x";
  std::ofstream(dir / "s.key") << "x";
  auto cfg = WebConfig::Parse(
      "tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n  min_version: TLS13\n"
      "basic_auth_users:\n  alice: " +
          std::string(kHash) + "\n",
      "web.yml", dir.string());
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_TRUE(cfg->tls_enabled);
  EXPECT_EQ(cfg->tls.cert_file, (dir / "s.crt").string());
  EXPECT_EQ(cfg->tls.min_version, "TLS13");
  EXPECT_EQ(cfg->basic_auth_users.at("alice"), kHash);
  std::filesystem::remove_all(dir);
}

TEST(WebConfigTest, ErrorsNameTheKeyAndLine) {
  auto bad = WebConfig::Parse("basic_auth_users:\n  bob: plaintext\n", "web.yml", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "web.yml:2: key basic_auth_users.bob: expected a bcrypt hash ($2y$...)");
  auto typo = WebConfig::Parse("tls_server_confg: {}\n", "web.yml", "");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find(
                "tls_server_confg: unknown key (expected one of: tls_server_config,"),
            std::string::npos);
  auto missing =
      WebConfig::Parse("tls_server_config:\n  cert_file: /nonexistent.crt\n", "web.yml", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cert_file and key_file are both required"),
            std::string::npos);
  auto auth = WebConfig::Parse(
      "tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n"
      "  client_auth_type: Sometimes\n",
      "web.yml", "");
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find("tls_server_config.client_auth_type"), std::string::npos);
  auto yaml = WebConfig::Parse("basic_auth_users: [\n", "web.yml", "");
  ASSERT_FALSE(yaml.ok());
  EXPECT_NE(yaml.status().message().find("invalid YAML"), std::string::npos);
}

TEST(VerifyPasswordTest, AcceptsRightPasswordOnly) {
  EXPECT_TRUE(VerifyPassword("secret", kHash));
  EXPECT_FALSE(VerifyPassword("Secret", kHash));
  EXPECT_FALSE(VerifyPassword("secret", "$2y$04$invalid"));
  // crypt(3) would verify these (MD5 and SHA-512 crypt of "secret"); exporter-toolkit would not.
  EXPECT_FALSE(VerifyPassword("secret", "$1$abc$.cU6O4Rg9dbQnCKsrjd6H/"));
  EXPECT_FALSE(VerifyPassword("secret", "$6$salt$"));
}

// Error message of parsing `yaml` (empty when it parses).
std::string ErrorOf(const std::string& yaml, const std::string& dir = "") {
  auto cfg = WebConfig::Parse(yaml, "web.yml", dir);
  return cfg.ok() ? std::string() : cfg.status().message();
}

TEST(WebConfigTest, MappingsOrSequencesAsKeysAreErrorsNamingTheKey) {
  // Both aborted the daemons with an uncaught YAML::TypedBadConversion (exit 134).
  EXPECT_EQ(ErrorOf("basic_auth_users: {? [a, b] : x}\n"),
            "web.yml:1: key basic_auth_users: expected string keys, got a sequence as a key");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  ? {a: 1}\n  : x\n"),
            "web.yml:2: key tls_server_config: expected string keys, got a mapping as a key");
  EXPECT_NE(ErrorOf("? [x]\n: 1\n").find("expected string keys"), std::string::npos);
  EXPECT_NE(ErrorOf("http_server_config: {headers: {? [a] : b}}\n").find("headers"),
            std::string::npos);
}

TEST(WebConfigTest, OnlyBcryptHashesAreAccepted) {
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  bob: $1$abc$.cU6O4Rg9dbQnCKsrjd6H/\n"),
            "web.yml:2: key basic_auth_users.bob: expected a bcrypt hash ($2y$...)");
  EXPECT_NE(ErrorOf("basic_auth_users:\n  bob: [a]\n").find("basic_auth_users.bob"),
            std::string::npos);
  EXPECT_TRUE(IsBcryptHash(kHash));
  EXPECT_FALSE(IsBcryptHash("$2y$99$LiIhqgtRQgDnkWVKiNclS.KcLkvYzaekB7gkcCad2HI/hx7ZXWav6"));
  EXPECT_FALSE(IsBcryptHash(std::string(kHash).substr(0, 59)));
}

class TlsParity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "streamlens_web_config_parity";
    std::filesystem::create_directories(dir_);
    for (const char* f : {"s.crt", "s.key", "ca.crt"}) std::ofstream(dir_ / f) << "x";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Tls(const std::string& extra) {
    return "tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n" + extra;
  }
  std::filesystem::path dir_;
};

TEST_F(TlsParity, CipherSuitesCurvesAndVersionsAreHonoured) {
  auto cfg = WebConfig::Parse(
      Tls("  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305]\n"
          "  curve_preferences: [X25519, CurveP256]\n  max_version: TLS12\n"
          "  prefer_server_cipher_suites: false\n"
          "http_server_config:\n  http2: false\n  headers: {X-Frame-Options: deny}\n"),
      "web.yml", dir_.string());
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->tls.openssl_ciphers, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305");
  EXPECT_EQ(cfg->tls.openssl_groups, "X25519:P-256");
  EXPECT_EQ(cfg->tls.max_version, "TLS12");
  EXPECT_FALSE(cfg->tls.prefer_server_cipher_suites);
  ASSERT_EQ(cfg->headers.size(), 1u);
  EXPECT_EQ(cfg->headers[0].first, "X-Frame-Options");
}

TEST_F(TlsParity, UnsupportedOrContradictorySettingsAreRefusedByName) {
  const std::string d = dir_.string();
  EXPECT_NE(ErrorOf(Tls("  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"), d)
                .find("key tls_server_config.cipher_suites: unsupported value"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  curve_preferences: [CurveP224]\n"), d)
                .find("tls_server_config.curve_preferences"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  min_version: TLS13\n  max_version: TLS12\n"), d)
                .find("tls_server_config.max_version: TLS12 is below min_version TLS13"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  client_ca_file: ca.crt\n"), d)
                .find("tls_server_config.client_auth_type: client_ca_file is set"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  client_auth_type: RequireAndVerifyClientCert\n"), d)
                .find("tls_server_config.client_ca_file: required"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  client_allowed_sans: [a]\n"), d)
                .find("tls_server_config.client_allowed_sans: not supported"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Tls("  prefer_server_cipher_suites: maybe\n"), d)
                .find("prefer_server_cipher_suites: expected true or false"),
            std::string::npos);
  EXPECT_NE(ErrorOf("http_server_config: {http2: true}\n").find("http_server_config.http2"),
            std::string::npos);
  EXPECT_NE(ErrorOf("http_server_config: {headers: {Set-Cookie: a}}\n")
                .find("http_server_config.headers.Set-Cookie: not allowed"),
            std::string::npos);
  EXPECT_NE(ErrorOf("rate_limit: {interval: 1s}\n").find("key rate_limit: not supported"),
            std::string::npos);
}

}  // namespace
}  // namespace streamlens
