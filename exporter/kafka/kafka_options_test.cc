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
  o.sasl_mechanism = "GSSAPI";
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

TEST(KafkaOptionsTest, PlainTextHasNoSecurityProtocol) {
  KafkaOptions o;
  auto c = ToRdkafkaConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "security.protocol"), "<absent>");
}

}  // namespace
}  // namespace streamlens::exporter::kafka
