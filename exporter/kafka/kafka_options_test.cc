#include "exporter/kafka/kafka_options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace streamlens::exporter::kafka {
namespace {

std::string Get(const std::vector<std::pair<std::string, std::string>>& c, const std::string& k) {
  for (const auto& [key, v] : c) {
    if (key == k) return v;
  }
  return "<absent>";
}

TEST(KafkaOptionsTest, FlagsParseIntoOptions) {
  KafkaOptions o;
  FlagSet flags("t", "t");
  RegisterKafkaFlags(flags, &o);
  const char* argv[] = {"t",
                        "--kafka.server=a:1",
                        "--kafka.server",
                        "b:2",
                        "--group.list=g1,g2",
                        "--topic.exclude=^__",
                        "--lag.window=5"};
  ASSERT_TRUE(flags.Parse(7, argv).ok());
  EXPECT_EQ(o.servers, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(o.group_list, (std::vector<std::string>{"g1,g2"}));
  EXPECT_EQ(o.topic_exclude, "^__");
  EXPECT_EQ(o.lag_window, 5);
  EXPECT_TRUE(ValidateKafkaOptions(o).ok());
}

TEST(KafkaOptionsTest, ValidationNamesTheFlag) {
  KafkaOptions o;
  o.topic_filter = "([";
  Status s = ValidateKafkaOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--topic.filter"), std::string::npos) << s.message();
  o.topic_filter = ".*";
  o.sasl_mechanism = "MD5";
  s = ValidateKafkaOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--kafka.sasl.mechanism"), std::string::npos);
}

TEST(KafkaOptionsTest, SaslScramOverTlsReadsPasswordFile) {
  const std::string path = ::testing::TempDir() + "/kafka_password";
  { std::ofstream(path) << "s3cret\n"; }
  KafkaOptions o;
  o.servers = {"k1:9093", "k2:9093"};
  o.sasl_mechanism = "SCRAM-SHA-512";
  o.sasl_username = "alice";
  o.sasl_password_file = path;
  o.tls_enabled = true;
  o.tls_ca_file = "/etc/ca.pem";
  auto c = ToRdkafkaConfig(o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(Get(*c, "bootstrap.servers"), "k1:9093,k2:9093");
  EXPECT_EQ(Get(*c, "security.protocol"), "sasl_ssl");
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(Get(*c, "sasl.password"), "s3cret");
  EXPECT_EQ(Get(*c, "ssl.ca.location"), "/etc/ca.pem");
  EXPECT_EQ(Get(*c, "isolation.level"), "read_uncommitted");
  std::remove(path.c_str());
}

TEST(KafkaOptionsTest, MissingPasswordFileErrorDoesNotLeakAndNamesFlag) {
  KafkaOptions o;
  o.sasl_mechanism = "PLAIN";
  o.sasl_password_file = "/nonexistent/pw";
  auto c = ToRdkafkaConfig(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("--kafka.sasl.password-file"), std::string::npos);
}

TEST(KafkaOptionsTest, ConfigFileThenPairsThenSecretsOverrideShortcuts) {
  const std::string props = ::testing::TempDir() + "/kafka.properties";
  const std::string secret = ::testing::TempDir() + "/oidc_secret";
  {
    std::ofstream(props) << "# OIDC against the identity provider\n"
                            "security.protocol = SASL_SSL\n\n"
                            "sasl.mechanisms=OAUTHBEARER\n"
                            "sasl.oauthbearer.method=oidc\n"
                            "sasl.oauthbearer.client.id=exporter\n"
                            "client.id=from-file\n";
    std::ofstream(secret) << "t0p-s3cret-value\n";
  }
  KafkaOptions o;
  o.sasl_mechanism = "PLAIN";  // shortcut, overridden by the file
  o.config_file = props;
  o.config = {"client.id=from-flag", "sasl.oauthbearer.token.endpoint.url=https://idp/token"};
  o.config_secrets = {"sasl.oauthbearer.client.secret=" + secret};
  ASSERT_TRUE(ValidateKafkaOptions(o).ok());
  auto c = ToRdkafkaConfig(o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(Get(*c, "security.protocol"), "SASL_SSL");
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "OAUTHBEARER");
  EXPECT_EQ(Get(*c, "sasl.oauthbearer.method"), "oidc");
  EXPECT_EQ(Get(*c, "client.id"), "from-flag");
  EXPECT_EQ(Get(*c, "sasl.oauthbearer.token.endpoint.url"), "https://idp/token");
  EXPECT_EQ(Get(*c, "sasl.oauthbearer.client.secret"), "t0p-s3cret-value");
  size_t client_ids = 0;
  for (const auto& [k, v] : *c) client_ids += k == "client.id";
  EXPECT_EQ(client_ids, 1u);
}

TEST(KafkaOptionsTest, GssapiAndMtlsTranslate) {
  KafkaOptions o;
  o.sasl_mechanism = "GSSAPI";
  o.config = {"sasl.kerberos.service.name=kafka",
              "sasl.kerberos.principal=exporter/host@EXAMPLE.COM",
              "sasl.kerberos.keytab=/etc/security/exporter.keytab"};
  ASSERT_TRUE(ValidateKafkaOptions(o).ok());
  auto c = ToRdkafkaConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "security.protocol"), "sasl_plaintext");
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "GSSAPI");
  EXPECT_EQ(Get(*c, "sasl.kerberos.principal"), "exporter/host@EXAMPLE.COM");
  EXPECT_EQ(Get(*c, "sasl.password"), "<absent>");

  KafkaOptions m;
  m.tls_enabled = true;
  m.tls_ca_file = "/etc/kafka/ca.pem";
  m.tls_cert_file = "/etc/kafka/client.pem";
  m.tls_key_file = "/etc/kafka/client.key";
  m.config = {"ssl.endpoint.identification.algorithm=https"};
  auto mc = ToRdkafkaConfig(m);
  ASSERT_TRUE(mc.ok());
  EXPECT_EQ(Get(*mc, "security.protocol"), "ssl");
  EXPECT_EQ(Get(*mc, "ssl.certificate.location"), "/etc/kafka/client.pem");
  EXPECT_EQ(Get(*mc, "ssl.key.location"), "/etc/kafka/client.key");
  EXPECT_EQ(Get(*mc, "enable.ssl.certificate.verification"), "true");
}

TEST(KafkaOptionsTest, BadEntriesAndUnreadableFilesNameTheFlagNotTheValue) {
  KafkaOptions o;
  o.config = {"=value"};
  EXPECT_NE(ValidateKafkaOptions(o).message().find("--kafka.config"), std::string::npos);
  o.config = {};
  o.config_secrets = {"sasl.password"};
  EXPECT_NE(ValidateKafkaOptions(o).message().find("--kafka.config-secret"), std::string::npos);
  o.config_secrets = {"sasl.password=/nonexistent/secret"};
  auto c = ToRdkafkaConfig(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sasl.password"), std::string::npos);
  EXPECT_NE(c.status().message().find("/nonexistent/secret"), std::string::npos);
  const std::string props = ::testing::TempDir() + "/bad.properties";
  { std::ofstream(props) << "ok.key=1\nsasl.password\n"; }
  KafkaOptions f;
  f.config_file = props;
  auto fc = ToRdkafkaConfig(f);
  ASSERT_FALSE(fc.ok());
  EXPECT_NE(fc.status().message().find("bad.properties:2"), std::string::npos)
      << fc.status().message();
}

TEST(KafkaOptionsTest, PlainTextHasNoSecurityProtocol) {
  KafkaOptions o;
  auto c = ToRdkafkaConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "security.protocol"), "<absent>");
}

}  // namespace
}  // namespace streamlens::exporter::kafka
