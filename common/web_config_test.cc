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
  EXPECT_NE(typo.status().message().find("unknown key tls_server_confg"), std::string::npos);
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
}

}  // namespace
}  // namespace streamlens
