#include "common/http_server.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <map>
#include <mutex>
#include <sstream>

namespace streamlens {

namespace {

// Caches successful bcrypt verifications (bcrypt costs ~50 ms by design; a scrape every few
// seconds must not pay it each time). Keyed by user and a SHA-256 of the password, so the cache
// never holds a password. Bounded: cleared when it grows past kMaxEntries.
class AuthCache {
 public:
  bool Check(const std::string& user, const std::string& password, const std::string& hash) {
    const std::string key = user + '\0' + Digest(password) + '\0' + hash;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok_.count(key)) return true;
    }
    if (!VerifyPassword(password, hash)) return false;
    std::lock_guard<std::mutex> lock(mu_);
    if (ok_.size() >= kMaxEntries) ok_.clear();
    ok_[key] = true;
    return true;
  }

 private:
  static constexpr size_t kMaxEntries = 1024;
  static std::string Digest(const std::string& s) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(md), len);
  }
  std::mutex mu_;
  std::map<std::string, bool> ok_;
};

AuthCache& SharedAuthCache() {
  // Per-process cache of verification results (not configuration); safe to share.
  static AuthCache cache;
  return cache;
}

// Standard base64 (RFC 4648) with padding; invalid input decodes to an empty string.
std::string Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return std::string();
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

int AcceptAnyCert(int, X509_STORE_CTX*) { return 1; }

bool SetupTls(SSL_CTX& ctx, const TlsServerConfig& tls, std::string* error) {
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (tls.prefer_server_cipher_suites) SSL_CTX_set_options(&ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  auto version = [](const std::string& v) {
    if (v == "TLS10") return TLS1_VERSION;
    if (v == "TLS11") return TLS1_1_VERSION;
    if (v == "TLS13") return TLS1_3_VERSION;
    return TLS1_2_VERSION;
  };
  SSL_CTX_set_min_proto_version(&ctx, version(tls.min_version));
  SSL_CTX_set_max_proto_version(&ctx, version(tls.max_version));
  if (!tls.openssl_ciphers.empty() &&
      SSL_CTX_set_cipher_list(&ctx, tls.openssl_ciphers.c_str()) != 1) {
    *error = "tls_server_config.cipher_suites: OpenSSL accepts none of " + tls.openssl_ciphers;
    return false;
  }
  if (!tls.openssl_groups.empty() &&
      SSL_CTX_set1_groups_list(&ctx, tls.openssl_groups.c_str()) != 1) {
    *error = "tls_server_config.curve_preferences: OpenSSL accepts none of " + tls.openssl_groups;
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1) {
    *error = "tls_server_config.cert_file: cannot load certificate " + tls.cert_file;
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    *error = "tls_server_config.key_file: cannot load private key " + tls.key_file +
             " or it does not match the certificate";
    return false;
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(&ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      *error = "tls_server_config.client_ca_file: cannot load " + tls.client_ca_file;
      return false;
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(&ctx, names);
  }
  const std::string& t = tls.client_auth_type;
  if (t == "RequestClientCert") {
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, AcceptAnyCert);
  } else if (t == "RequireAnyClientCert") {
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, AcceptAnyCert);
  } else if (t == "VerifyClientCertIfGiven") {
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
  } else if (t == "RequireAndVerifyClientCert") {
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_NONE, nullptr);
  }
  return true;
}

// "host:port", ":port", "[v6]:port" -> host (empty: all interfaces) and port.
Status SplitListenAddress(const std::string& addr, std::string* host, int* port) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    return Status::Error("--web.listen-address: expected host:port or :port; got \"" + addr + "\"");
  }
  std::string h = addr.substr(0, colon);
  std::string p = addr.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  try {
    size_t used = 0;
    int n = std::stoi(p, &used);
    if (used != p.size() || n < 0 || n > 65535) throw std::out_of_range("port");
    *port = n;
  } catch (const std::exception&) {
    return Status::Error("--web.listen-address: invalid port in \"" + addr + "\"");
  }
  *host = h.empty() ? "0.0.0.0" : h;
  return Status::Ok();
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string HttpRequest::Param(const std::string& name, const std::string& fallback) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return fallback;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options, Logger logger) {
  WebConfig web;
  if (!options.web_config_file.empty()) {
    auto loaded = WebConfig::Load(options.web_config_file);
    if (!loaded.ok()) return loaded.status();
    web = std::move(*loaded);
  }
  std::string host;
  int port = 0;
  STREAMLENS_RETURN_IF_ERROR(SplitListenAddress(options.listen_address, &host, &port));
  if (options.telemetry_path.empty() || options.telemetry_path[0] != '/') {
    return Status::Error("--web.telemetry-path: expected a path starting with /; got \"" +
                         options.telemetry_path + "\"");
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(options), std::move(web), logger));
  server->host_ = host;
  server->port_ = port;
  if (server->web_config_.tls_enabled) {
    std::string error;
    const TlsServerConfig tls = server->web_config_.tls;
    auto ssl = std::make_unique<httplib::SSLServer>(
        [&tls, &error](SSL_CTX& ctx) { return SetupTls(ctx, tls, &error); });
    if (!ssl->is_valid()) {
      return Status::Error("web config " + server->options_.web_config_file + ": " +
                           (error.empty() ? "cannot set up TLS" : error));
    }
    server->server_ = std::move(ssl);
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  server->Install();
  return server;
}

HttpServer::HttpServer(HttpServerOptions options, WebConfig web_config, Logger logger)
    : options_(std::move(options)), web_config_(std::move(web_config)), logger_(logger) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::tls() const { return web_config_.tls_enabled; }

void HttpServer::AddCollectable(std::weak_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

void HttpServer::AddTextProvider(std::function<void(std::string* out)> provider) {
  text_providers_.push_back(std::move(provider));
}

void HttpServer::SetMetricsBodyProvider(std::function<SharedBody(bool accepts_gzip)> provider) {
  body_provider_ = std::move(provider);
}

bool AcceptsGzip(std::string_view accept_encoding) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  auto lower_equals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    }
    return true;
  };
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    std::string_view params;
    if (const size_t semi = item.find(';'); semi != std::string_view::npos) {
      params = item.substr(semi + 1);
      item = item.substr(0, semi);
    }
    item = trim(item);
    if (!lower_equals(item, "gzip") && !lower_equals(item, "x-gzip") && item != "*") continue;
    // "q=0", "q=0.0", "q=0.00", "q=0.000" refuse the coding (RFC 9110 section 12.4.2).
    params = trim(params);
    if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
      std::string_view q = trim(params.substr(2));
      bool zero = !q.empty() && q[0] == '0';
      for (size_t i = 1; zero && i < q.size(); ++i) zero = q[i] == '.' || q[i] == '0';
      if (zero) continue;
    }
    return true;
  }
  return false;
}

void HttpServer::SetReadyCheck(std::function<bool()> ready) { ready_ = std::move(ready); }

void HttpServer::SetReloadHandler(std::function<Status()> reload) { reload_ = std::move(reload); }

namespace {

HttpRequest ToRequest(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace_back(k, v);
  r.body = req.body;
  return r;
}

void Write(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  out.set_content(in.body, in.content_type.c_str());
}

}  // namespace

void HttpServer::HandleGet(const std::string& path, HttpHandler handler,
                           const std::string& description) {
  if (!description.empty()) links_.emplace_back(path, description);
  server_->Get(path,
               [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
                 Write(handler(ToRequest(req)), res);
               });
}

namespace {

// A request without Content-Length or chunked encoding has no body (RFC 9112 section 6.3), but
// httplib 0.11 would read until the client closes; `curl -X POST` sends exactly such requests.
// Handlers registered with a content reader decide themselves, so POST bodies are read here.
std::string ReadBody(const httplib::Request& req, const httplib::ContentReader& reader) {
  std::string body;
  if (!req.has_header("Content-Length") &&
      req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
    return body;
  }
  reader([&body](const char* data, size_t len) {
    body.append(data, len);
    return true;
  });
  return body;
}

}  // namespace

void HttpServer::HandlePost(const std::string& path, HttpHandler handler) {
  server_->Post(path,
                [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
                  HttpRequest r = ToRequest(req);
                  r.body = ReadBody(req, reader);
                  Write(handler(r), res);
                });
}

std::string HttpServer::RenderMetrics() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& weak : collectables_) {
    if (auto c = weak.lock()) {
      auto part = c->Collect();
      families.insert(families.end(), std::make_move_iterator(part.begin()),
                      std::make_move_iterator(part.end()));
    }
  }
  std::string out = prometheus::TextSerializer().Serialize(families);
  for (const auto& provider : text_providers_) provider(&out);
  return out;
}

void HttpServer::Install() {
  server_->set_payload_max_length(options_.max_request_body_bytes);
  server_->set_read_timeout(std::chrono::seconds(30));
  server_->set_write_timeout(std::chrono::seconds(30));
  server_->set_keep_alive_timeout(30);

  if (!web_config_.basic_auth_users.empty()) {
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      const auto unauthorized = [&res] {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"streamlens\"");
        res.set_content("Unauthorized\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      };
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Basic ", 0) != 0) return unauthorized();
      const std::string decoded = Base64Decode(std::string_view(auth).substr(6));
      const auto colon = decoded.find(':');
      if (colon == std::string::npos) return unauthorized();
      const std::string user = decoded.substr(0, colon);
      const std::string password = decoded.substr(colon + 1);
      auto it = web_config_.basic_auth_users.find(user);
      if (it == web_config_.basic_auth_users.end()) {
        // Spend the same bcrypt time as for a known user, so user names cannot be probed.
        VerifyPassword(password, web_config_.basic_auth_users.begin()->second);
        return unauthorized();
      }
      if (!SharedAuthCache().Check(user, password, it->second)) return unauthorized();
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }

  server_->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        logger_.Error("request handler failed", {{"path", req.path}, {"err", what}});
        res.status = 500;
        res.set_content("internal error: " + what + "\n", "text/plain");
      });

  server_->Get(options_.telemetry_path,
               [this](const httplib::Request& req, httplib::Response& res) {
                 constexpr char kType[] = "text/plain; version=0.0.4; charset=utf-8";
                 if (!body_provider_) {
                   res.set_content(RenderMetrics(), kType);
                   return;
                 }
                 auto body = std::make_shared<const SharedBody>(
                     body_provider_(AcceptsGzip(req.get_header_value("Accept-Encoding"))));
                 size_t total = 0;
                 for (const auto& p : body->pieces) total += p ? p->size() : 0;
                 res.set_header("Vary", "Accept-Encoding");
                 if (!body->content_encoding.empty())
                   res.set_header("Content-Encoding", body->content_encoding);
                 if (total == 0) {
                   res.set_content("", kType);
                   return;
                 }
                 // A content provider with a known length is written as is: httplib neither buffers
                 // it nor applies its own compression (which costs ~0.2-0.7 s per 10 MB scrape for
                 // gzip, minutes for br).
                 res.set_content_provider(
                     total, kType, [body](size_t offset, size_t length, httplib::DataSink& sink) {
                       size_t base = 0;
                       for (const auto& p : body->pieces) {
                         const size_t n = p ? p->size() : 0;
                         if (offset < base + n) {
                           const size_t skip = offset - base;
                           return sink.write(p->data() + skip, std::min(n - skip, length));
                         }
                         base += n;
                       }
                       return false;
                     });
               });
  server_->Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Healthy\n", "text/plain");
  });
  server_->Get("/-/ready", [this](const httplib::Request&, httplib::Response& res) {
    if (!ready_ || ready_()) {
      res.set_content("Ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("Not ready: no successful contact with the source yet\n", "text/plain");
    }
  });
  server_->Post("/-/reload", [this](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    ReadBody(req, reader);  // drained and ignored
    if (!reload_) {
      res.set_content("Nothing to reload\n", "text/plain");
      return;
    }
    Status st = reload_();
    if (st.ok()) {
      res.set_content("Reloaded\n", "text/plain");
    } else {
      res.status = 500;
      res.set_content("reload failed: " + st.message() + "\n", "text/plain");
    }
  });
  server_->Get("/-/reload", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content("Only POST requests allowed\n", "text/plain");
  });
  server_->Get("/", [this](const httplib::Request&, httplib::Response& res) {
    std::ostringstream html;
    const std::string title = HtmlEscape(options_.program);
    html << "<!DOCTYPE html>\n<html><head><title>" << title << "</title></head><body>\n<h1>"
         << title << "</h1>\n<ul>\n<li><a href=\"" << HtmlEscape(options_.telemetry_path)
         << "\">Metrics</a></li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
         << "<li><a href=\"/-/ready\">Readiness</a></li>\n";
    for (const auto& [path, desc] : links_) {
      html << "<li><a href=\"" << HtmlEscape(path) << "\">" << HtmlEscape(desc) << "</a></li>\n";
    }
    html << "</ul>\n<p>POST /-/reload reloads the configuration.</p>\n</body></html>\n";
    res.set_content(html.str(), "text/html; charset=utf-8");
  });
}

Status HttpServer::Start() {
  if (port_ == 0) {
    int bound = server_->bind_to_any_port(host_);
    if (bound <= 0) return Status::Error("cannot listen on " + options_.listen_address);
    port_ = bound;
  } else if (!server_->bind_to_port(host_, port_)) {
    return Status::Error("cannot listen on " + options_.listen_address +
                         " (address in use or not available)");
  }
  running_ = true;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  logger_.Info("listening", {{"address", options_.listen_address},
                             {"port", port_},
                             {"tls", web_config_.tls_enabled},
                             {"basic_auth", !web_config_.basic_auth_users.empty()}});
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!running_.exchange(false)) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace streamlens
