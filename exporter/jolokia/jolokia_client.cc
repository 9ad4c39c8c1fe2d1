#include "exporter/jolokia/jolokia_client.h"

#include <httplib.h>

#include <charconv>
#include <filesystem>

namespace streamlens::exporter::jolokia {

Result<ParsedUrl> ParseJolokiaUrl(const std::string& url) {
  ParsedUrl out;
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return Status::Error("--jolokia.url \"" + url +
                         "\": expected http(s)://host:port/path, e.g. http://broker1:8778/jolokia");
  }
  out.scheme = url.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::Error("--jolokia.url \"" + url + "\": scheme must be http or https, got \"" +
                         out.scheme + "\"");
  }
  std::string rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (hostport.empty()) return Status::Error("--jolokia.url \"" + url + "\": missing host");
  if (hostport.find('@') != std::string::npos) {
    return Status::Error("--jolokia.url \"" + url +
                         "\": credentials in the URL are not accepted; use --jolokia.username "
                         "and --jolokia.password-file");
  }
  size_t colon = hostport.rfind(':');
  bool bracketed = hostport.front() == '[';
  if (colon != std::string::npos && (!bracketed || colon > hostport.find(']'))) {
    std::string port = hostport.substr(colon + 1);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p <= 0 || p > 65535) {
      return Status::Error("--jolokia.url \"" + url + "\": port \"" + port +
                           "\" is not a number in 1..65535");
    }
    out.port = p;
    out.host = hostport.substr(0, colon);
  } else {
    out.host = hostport;
    out.port = out.scheme == "https" ? 443 : 80;
  }
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty()) return Status::Error("--jolokia.url \"" + url + "\": missing host");
  return out;
}

JolokiaClient::JolokiaClient(BrokerEndpoint endpoint, ParsedUrl url, ClientOptions options,
                             std::unique_ptr<httplib::Client> client)
    : endpoint_(std::move(endpoint)),
      url_(std::move(url)),
      options_(std::move(options)),
      client_(std::move(client)) {}

JolokiaClient::~JolokiaClient() = default;

Result<std::unique_ptr<JolokiaClient>> JolokiaClient::Create(const BrokerEndpoint& endpoint,
                                                             const ClientOptions& options) {
  auto url = ParseJolokiaUrl(endpoint.url);
  if (!url.ok()) return url.status();
  for (const auto& [flag, path] : {std::pair{"--jolokia.tls.ca-file", options.tls_ca_file},
                                   std::pair{"--jolokia.tls.cert-file", options.tls_cert_file},
                                   std::pair{"--jolokia.tls.key-file", options.tls_key_file}}) {
    if (!path.empty() && !std::filesystem::is_regular_file(path)) {
      return Status::Error(std::string(flag) + "=" + path + ": no such file");
    }
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status::Error(
        "--jolokia.tls.cert-file and --jolokia.tls.key-file must be given together");
  }
  const std::string base =
      url->scheme + "://" +
      (url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host) + ":" +
      std::to_string(url->port);
  std::unique_ptr<httplib::Client> client;
  if (!options.tls_cert_file.empty()) {
    client = std::make_unique<httplib::Client>(base, options.tls_cert_file, options.tls_key_file);
  } else {
    client = std::make_unique<httplib::Client>(base);
  }
  if (!client->is_valid()) {
    return Status::Error("--jolokia.url \"" + endpoint.url + "\": cannot set up an HTTP client" +
                         (url->scheme == "https" ? " (TLS client certificate/key unusable?)" : ""));
  }
  const auto t = options.timeout;
  client->set_connection_timeout(t);
  client->set_read_timeout(t);
  client->set_write_timeout(t);
  client->set_keep_alive(true);
  client->set_follow_location(false);
  if (!options.username.empty() || !options.password.empty()) {
    client->set_basic_auth(options.username, options.password);
  }
  if (url->scheme == "https") {
    if (!options.tls_ca_file.empty()) client->set_ca_cert_path(options.tls_ca_file);
    client->enable_server_certificate_verification(!options.tls_insecure_skip_verify);
  }
  return std::unique_ptr<JolokiaClient>(
      new JolokiaClient(endpoint, std::move(*url), options, std::move(client)));
}

Status JolokiaClient::Post(const std::string& body, std::string* reply) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + options_.timeout;
  reply->clear();
  bool too_big = false;
  bool too_slow = false;

  httplib::Request req;
  req.method = "POST";
  req.path = url_.path;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = body;
  req.response_handler = [&](const httplib::Response& res) {
    auto it = res.headers.find("Content-Length");
    if (it != res.headers.end()) {
      unsigned long long n = std::strtoull(it->second.c_str(), nullptr, 10);
      if (n > options_.max_response_bytes) {
        too_big = true;
        return false;
      }
      if (res.status == 200) reply->reserve(n);
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    if (reply->size() + len > options_.max_response_bytes) {
      too_big = true;
      return false;
    }
    if (Clock::now() > deadline) {
      too_slow = true;
      return false;
    }
    reply->append(data, len);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = client_->send(req, res, err);
  if (too_big) {
    reply->clear();
    return Status::Error("reply larger than " + std::to_string(options_.max_response_bytes) +
                         " bytes (raise --jolokia.max-response-bytes or read fewer MBeans)");
  }
  if (too_slow) {
    reply->clear();
    return Status::Error("no complete reply within --jolokia.timeout=" +
                         std::to_string(options_.timeout.count()) + "ms");
  }
  if (!sent || err != httplib::Error::Success) {
    reply->clear();
    std::string what = httplib::to_string(err);
    if (err == httplib::Error::Read || err == httplib::Error::Connection) {
      what += " (refused, timed out after " + std::to_string(options_.timeout.count()) +
              "ms, or cut off)";
    }
    return Status::Error("POST " + endpoint_.url + " failed: " + what);
  }
  if (res.status != 200) {
    std::string snippet = reply->substr(0, 200);
    reply->clear();
    return Status::Error("POST " + endpoint_.url + ": HTTP " + std::to_string(res.status) +
                         (snippet.empty() ? "" : ": " + snippet));
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter::jolokia
