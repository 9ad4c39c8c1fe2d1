// JolokiaClient: one broker's Jolokia endpoint; POSTs a bulk request and returns the raw reply.
//
// Bounds a slow or broken agent: connecting, sending, and each wait for reply bytes are each
// limited to `timeout`, and reading the body stops once `timeout` has passed since the POST began
// (so a server trickling bytes is cut off too); a stalled agent therefore costs about `timeout`
// (a few times it in the worst case of a slow connect plus a slow send plus a stall). Replies over
// `max_response_bytes` are refused (by Content-Length up front, else while reading).
// Keeps the connection alive between cycles.
// Not thread-safe: one caller at a time (the collector uses one thread per broker per cycle).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"

namespace httplib {
class Client;
}

namespace streamlens::exporter::jolokia {

struct BrokerEndpoint {
  std::string name;  // `broker` label
  std::string url;   // http(s)://host:port/path
};

struct ClientOptions {
  std::string username;
  std::string password;  // never logged
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool tls_insecure_skip_verify = false;
  std::chrono::milliseconds timeout{10000};
  size_t max_response_bytes = 64u << 20;
};

// Splits "http(s)://host[:port][/path]" into scheme+host+port and path (default "/").
// Errors name the URL and what was expected.
struct ParsedUrl {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
  std::string path;
};
Result<ParsedUrl> ParseJolokiaUrl(const std::string& url);

class JolokiaClient {
 public:
  // Validates the URL and TLS files; errors name the flag/URL.
  static Result<std::unique_ptr<JolokiaClient>> Create(const BrokerEndpoint& endpoint,
                                                       const ClientOptions& options);
  ~JolokiaClient();

  // POSTs `body`; on HTTP 200 fills `*reply` (reusing its capacity) and returns OK. Errors:
  // connection failures, timeouts, non-200 status, replies over max_response_bytes, cut-off bodies.
  Status Post(const std::string& body, std::string* reply);

  const BrokerEndpoint& endpoint() const { return endpoint_; }

 private:
  JolokiaClient(BrokerEndpoint endpoint, ParsedUrl url, ClientOptions options,
                std::unique_ptr<httplib::Client> client);

  BrokerEndpoint endpoint_;
  ParsedUrl url_;
  ClientOptions options_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace streamlens::exporter::jolokia
