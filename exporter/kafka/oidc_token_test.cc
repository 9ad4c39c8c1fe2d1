// The exporter's OIDC client (oidc_token.h) and its wiring into librdkafka (rdkafka_conf.h):
// token replies, the request a token endpoint on loopback receives, and a Kafka client configured
// with sasl.oauthbearer.method=oidc on a librdkafka built without OIDC (Debian's) getting its
// token through the refresh callback.
#include "exporter/kafka/oidc_token.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "exporter/kafka/kafka_client.h"
#include "exporter/kafka/rdkafka_conf.h"

namespace streamlens::exporter::kafka {
namespace {

std::string B64Url(const std::string& in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(a[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(a[(acc << (6 - bits)) & 63]);
  return out;
}

std::string Jwt(const std::string& claims) {
  return B64Url(R"({"alg":"none","typ":"JWT"})") + "." + B64Url(claims) + ".sig";
}

TEST(OidcTokenTest, ParsesPrincipalAndExpiryFromTheJwt) {
  const std::string jwt = Jwt(R"({"sub":"streamlens-exporter","exp":1800000000,"scope":"kafka"})");
  auto t = ParseTokenReply(
      R"({"access_token":")" + jwt + R"(","token_type":"Bearer","expires_in":300})", 1700000000000);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->principal, "streamlens-exporter");
  EXPECT_EQ(t->expiry_ms, 1800000000000);  // the claim wins over expires_in
  EXPECT_EQ(t->value, jwt);
  // Without `exp`, expires_in counts from the reply's arrival.
  auto u = ParseTokenReply(R"({"access_token":")" + Jwt(R"({"sub":"a"})") + R"(","expires_in":60})",
                           1000);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->expiry_ms, 61000);
}

TEST(OidcTokenTest, BadRepliesSayWhatIsMissingWithoutTheToken) {
  EXPECT_NE(ParseTokenReply("<html>", 0).status().message().find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(ParseTokenReply(R"({"token":"x"})", 0).status().message().find("access_token"),
            std::string::npos);
  auto opaque = ParseTokenReply(R"({"access_token":"opaque-s3cret","expires_in":60})", 0);
  EXPECT_NE(opaque.status().message().find("not a JWT"), std::string::npos);
  EXPECT_EQ(opaque.status().message().find("s3cret"), std::string::npos);
  auto nosub = ParseTokenReply(R"({"access_token":")" + Jwt(R"({"exp":9999999999})") + R"("})", 0);
  EXPECT_NE(nosub.status().message().find("`sub`"), std::string::npos);
  auto expired =
      ParseTokenReply(R"({"access_token":")" + Jwt(R"({"sub":"a","exp":1})") + R"("})", 5000);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
}

TEST(OidcTokenTest, TakesTheOidcPropertiesOutOfTheConfiguration) {
  std::vector<std::pair<std::string, std::string>> c = {
      {"bootstrap.servers", "k:9093"},
      {"sasl.mechanisms", "OAUTHBEARER"},
      {"sasl.oauthbearer.method", "oidc"},
      {"sasl.oauthbearer.client.id", "exporter"},
      {"sasl.oauthbearer.client.secret", "s3cret"},
      {"sasl.oauthbearer.token.endpoint.url", "https://idp/token"},
      {"sasl.oauthbearer.scope", "kafka read"},
      {"sasl.oauthbearer.extensions", "logicalCluster=lkc-1,identityPoolId=pool-2"},
      {"ssl.ca.location", "/etc/ca.pem"}};
  OidcOptions o;
  ASSERT_TRUE(TakeOidcOptions(&c, &o));
  EXPECT_EQ(o.client_id, "exporter");
  EXPECT_EQ(o.client_secret, "s3cret");
  EXPECT_EQ(o.token_endpoint_url, "https://idp/token");
  EXPECT_EQ(o.scope, "kafka read");
  ASSERT_EQ(o.extensions.size(), 2u);
  EXPECT_EQ(o.extensions[1], (std::pair<std::string, std::string>{"identityPoolId", "pool-2"}));
  EXPECT_EQ(o.ca_file, "/etc/ca.pem");
  EXPECT_EQ(c.size(), 3u);  // bootstrap.servers, sasl.mechanisms, ssl.ca.location remain
  std::vector<std::pair<std::string, std::string>> plain = {{"sasl.mechanisms", "PLAIN"}};
  EXPECT_FALSE(TakeOidcOptions(&plain, &o));
  EXPECT_EQ(plain.size(), 1u);
}

// A token endpoint on loopback that checks the client-credentials request.
class TokenEndpoint {
 public:
  TokenEndpoint() {
    server_.Post("/oauth2/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      authorization_ = req.get_header_value("Authorization");
      body_ = req.body;
      if (authorization_ != "Basic ZXhwb3J0ZXI6czNjcmV0") {  // exporter:s3cret
        res.status = 401;
        return;
      }
      res.set_content(R"({"access_token":")" + Jwt(R"({"sub":"svc-exporter","exp":4102444800})") +
                          R"(","token_type":"Bearer","expires_in":3600})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~TokenEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/oauth2/token"; }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::string body() {
    std::lock_guard<std::mutex> lock(mu_);
    return body_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int requests_ = 0;
  std::string authorization_, body_;
};

TEST(OidcTokenTest, FetchSendsClientCredentialsAndReportsHttpErrorsWithoutTheSecret) {
  TokenEndpoint idp;
  OidcOptions o;
  o.token_endpoint_url = idp.url();
  o.client_id = "exporter";
  o.client_secret = "s3cret";
  o.scope = "kafka read";
  auto t = OidcTokenSource(o).Fetch(1700000000000);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->principal, "svc-exporter");
  EXPECT_EQ(idp.body(), "grant_type=client_credentials&scope=kafka%20read");
  o.client_secret = "wrong-s3cret";
  auto refused = OidcTokenSource(o).Fetch(1700000000000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("s3cret"), std::string::npos);
}

TEST(OidcTokenTest, KafkaClientWithOidcPropertiesGetsItsTokenThroughTheRefreshCallback) {
  TokenEndpoint idp;
  std::ostringstream log;
  auto client = KafkaClient::Create({{"bootstrap.servers", "127.0.0.1:1"},
                                     {"security.protocol", "SASL_PLAINTEXT"},
                                     {"sasl.mechanisms", "OAUTHBEARER"},
                                     {"sasl.oauthbearer.method", "oidc"},
                                     {"sasl.oauthbearer.client.id", "exporter"},
                                     {"sasl.oauthbearer.client.secret", "s3cret"},
                                     {"sasl.oauthbearer.token.endpoint.url", idp.url()}},
                                    Logger(&log, LogLevel::kDebug, LogFormat::kLogfmt));
  ASSERT_TRUE(client.ok()) << client.status().message();
  for (int i = 0; i < 100 && idp.requests() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(idp.requests(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the callback hands it over
  client->reset();  // joins librdkafka's threads: the log is complete
  if (!LibrdkafkaHasOidc()) {
    EXPECT_NE(log.str().find("OIDC token set"), std::string::npos) << log.str();
    EXPECT_NE(log.str().find("principal=svc-exporter"), std::string::npos) << log.str();
  }
  EXPECT_EQ(log.str().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::exporter::kafka
