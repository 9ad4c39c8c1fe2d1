#include "exporter/jolokia/jolokia_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace streamlens::exporter::jolokia {
namespace {

using ::testing::HasSubstr;

TEST(JolokiaFlagsTest, RegistersAndParsesEveryFlag) {
  JolokiaFlags f;
  FlagSet flags("test", "test");
  RegisterJolokiaFlags(flags, &f);
  const char* argv[] = {"test",
                        "--jolokia.url=b1=http://kafka-1:8778/jolokia",
                        "--jolokia.url",
                        "https://kafka-2.example:8443/jolokia/",
                        "--jolokia.username=admin",
                        "--jolokia.password-file=/run/secrets/pw",
                        "--jolokia.tls.ca-file=/ca.pem",
                        "--jolokia.tls.cert-file=/c.pem",
                        "--jolokia.tls.key-file=/k.pem",
                        "--jolokia.tls.insecure-skip-verify",
                        "--jolokia.timeout=2500ms",
                        "--jolokia.max-response-bytes=1048576",
                        "--jolokia.config=/etc/rules.yml"};
  Status s = flags.Parse(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(f.urls, (std::vector<std::string>{"b1=http://kafka-1:8778/jolokia",
                                              "https://kafka-2.example:8443/jolokia/"}));
  EXPECT_EQ(f.username, "admin");
  EXPECT_EQ(f.password_file, "/run/secrets/pw");
  EXPECT_EQ(f.tls_ca_file, "/ca.pem");
  EXPECT_EQ(f.tls_cert_file, "/c.pem");
  EXPECT_EQ(f.tls_key_file, "/k.pem");
  EXPECT_TRUE(f.tls_insecure_skip_verify);
  EXPECT_EQ(f.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(f.max_response_bytes, 1048576);
  EXPECT_EQ(f.config_file, "/etc/rules.yml");
  EXPECT_THAT(flags.Usage(), HasSubstr("jolokia.password-file"));
}

TEST(JolokiaFlagsTest, BrokerNamesComeFromNameOrHost) {
  auto eps = ParseBrokerEndpoints(
      {"b1=http://kafka-1:8778/jolokia", "http://kafka-2:8778/jolokia", "https://[::1]:8443"});
  ASSERT_TRUE(eps.ok()) << eps.status().message();
  ASSERT_EQ(eps->size(), 3u);
  EXPECT_EQ((*eps)[0].name, "b1");
  EXPECT_EQ((*eps)[0].url, "http://kafka-1:8778/jolokia");
  EXPECT_EQ((*eps)[1].name, "kafka-2");
  EXPECT_EQ((*eps)[2].name, "::1");

  auto url = ParseJolokiaUrl("https://[::1]:8443");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/");
  auto plain = ParseJolokiaUrl("http://kafka-1/jolokia/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->path, "/jolokia/");
}

TEST(JolokiaFlagsTest, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> urls;
    std::string message;
  };
  const Case cases[] = {
      {{"kafka-1:8778"}, "expected http(s)://host:port/path"},
      {{"ftp://kafka-1/"}, "scheme must be http or https"},
      {{"http://kafka-1:99999/"}, "is not a number in 1..65535"},
      {{"http://u:p@kafka-1/"}, "credentials in the URL are not accepted"},
      {{"http://kafka-1:1/", "http://kafka-1:2/"}, "broker name \"kafka-1\" is used twice"},
      {{"=http://kafka-1/"}, "empty broker name"},
  };
  for (const auto& c : cases) {
    auto eps = ParseBrokerEndpoints(c.urls);
    ASSERT_FALSE(eps.ok()) << c.urls[0];
    EXPECT_THAT(eps.status().message(), HasSubstr(c.message));
    EXPECT_THAT(eps.status().message(), HasSubstr("--jolokia.url"));
  }
}

TEST(JolokiaFlagsTest, FactoryValidatesBeforeStarting) {
  JolokiaFlags f;
  auto none = MakeJolokiaCollector(f, Logger());
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("--jolokia.url: at least one broker URL"));

  f.urls = {"http://kafka-1:8778/jolokia"};
  f.password_file = "/nonexistent/pw";
  auto pw = MakeJolokiaCollector(f, Logger());
  ASSERT_FALSE(pw.ok());
  EXPECT_THAT(pw.status().message(), HasSubstr("--jolokia.password-file=/nonexistent/pw"));

  f.password_file.clear();
  f.config_file = "/nonexistent/rules.yml";
  auto cfg = MakeJolokiaCollector(f, Logger());
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("--jolokia.config=/nonexistent/rules.yml"));

  f.config_file.clear();
  f.tls_ca_file = "/nonexistent/ca.pem";
  auto ca = MakeJolokiaCollector(f, Logger());
  ASSERT_FALSE(ca.ok());
  EXPECT_THAT(ca.status().message(), HasSubstr("--jolokia.tls.ca-file=/nonexistent/ca.pem"));

  f.tls_ca_file.clear();
  f.timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(MakeJolokiaCollector(f, Logger()).ok());

  f.timeout = std::chrono::milliseconds(1000);
  auto ok = MakeJolokiaCollector(f, Logger());
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)->Name(), "jolokia");
}

}  // namespace
}  // namespace streamlens::exporter::jolokia
