#include "common/http_server.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <sstream>

namespace streamlens {

namespace {

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

namespace {

Result<std::shared_ptr<SSL_CTX>> MakeTlsContext(const TlsServerConfig& tls,
                                                const std::string& file) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Status::Error("web config " + file + ": cannot create a TLS context");
  std::string error;
  if (!SetupTls(*ctx, tls, &error)) {
    ERR_clear_error();
    return Status::Error("web config " + file + ": " + error);
  }
  return ctx;
}

// Binds and listens on host:port (port 0: any free port); returns the socket and the port.
Result<std::pair<int, int>> Listen(const std::string& host, int port, const std::string& addr) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr) {
    return Status::Error("cannot listen on " + addr + ": cannot resolve " + host);
  }
  std::string err = "no usable address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      err = std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    const int p = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    ::freeaddrinfo(res);
    return std::make_pair(fd, p);
  }
  ::freeaddrinfo(res);
  return Status::Error("cannot listen on " + addr + " (" + err + ")");
}

OutgoingResponse Text(int status, const std::string& text) {
  OutgoingResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body.push_back(std::make_shared<const std::string>(text));
  return r;
}

}  // namespace

// Fixed threads running queued tasks; the destructor finishes the queue and joins.
class HttpServer::HandlerPool {
 public:
  explicit HandlerPool(size_t n) {
    for (size_t i = 0; i < std::max<size_t>(1, n); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~HandlerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();  // Serve() catches everything
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

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
  options.limits.max_body_bytes = options.max_request_body_bytes;
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(options), std::move(web), logger));
  server->host_ = host;
  server->port_ = port;
  if (server->web_config_.tls_enabled) {
    auto ctx = MakeTlsContext(server->web_config_.tls, server->options_.web_config_file);
    if (!ctx.ok()) return ctx.status();
    server->tls_ctx_ = std::move(*ctx);
  }
  if (!server->web_config_.basic_auth_users.empty()) {
    server->auth_ =
        std::make_unique<BasicAuth>(server->web_config_.basic_auth_users, server->options_.auth);
  }
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

void HttpServer::SetReadyCheck(std::function<bool()> ready) { ready_ = std::move(ready); }

void HttpServer::SetReloadHandler(std::function<Status()> reload) { reload_ = std::move(reload); }

void HttpServer::HandleGet(const std::string& path, HttpHandler handler,
                           const std::string& description) {
  if (!description.empty()) links_.emplace_back(path, description);
  routes_.emplace_back("GET", path, std::move(handler));
}

void HttpServer::HandlePost(const std::string& path, HttpHandler handler) {
  routes_.emplace_back("POST", path, std::move(handler));
}

std::shared_ptr<SSL_CTX> HttpServer::CurrentTls() const {
  std::lock_guard<std::mutex> lock(tls_mu_);
  return tls_ctx_;
}

Status HttpServer::ReloadCertificates() {
  if (!web_config_.tls_enabled) return Status::Ok();
  auto ctx = MakeTlsContext(web_config_.tls, options_.web_config_file);
  if (!ctx.ok()) return ctx.status();
  std::lock_guard<std::mutex> lock(tls_mu_);
  tls_ctx_ = std::move(*ctx);
  return Status::Ok();
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

OutgoingResponse HttpServer::Metrics(const HttpRequest& request) const {
  constexpr char kType[] = "text/plain; version=0.0.4; charset=utf-8";
  OutgoingResponse r;
  r.headers.emplace_back("Content-Type", kType);
  if (!body_provider_) {
    r.body.push_back(std::make_shared<const std::string>(RenderMetrics()));
    return r;
  }
  std::string accept;
  for (const auto& [n, v] : request.headers) {
    if (n == "accept-encoding") accept = v;
  }
  SharedBody body = body_provider_(AcceptsGzip(accept));
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (!body.content_encoding.empty()) {
    r.headers.emplace_back("Content-Encoding", body.content_encoding);
  }
  // The pieces are written as they are: neither copied nor compressed again.
  for (auto& p : body.pieces) {
    if (p) r.body.push_back(std::move(p));
  }
  return r;
}

OutgoingResponse HttpServer::Route(const HttpRequestHead& head, std::string body) {
  if (auth_) {
    switch (auth_->Check(head.Header("authorization"))) {
      case BasicAuth::Verdict::kAllowed:
        break;
      case BasicAuth::Verdict::kBusy: {
        OutgoingResponse r = Text(429, "Too many concurrent authentication attempts\n");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
      case BasicAuth::Verdict::kDenied: {
        OutgoingResponse r = Text(401, "Unauthorized\n");
        r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"streamlens\"");
        return r;
      }
    }
  }
  HttpRequest req;
  req.method = head.method == "HEAD" ? "GET" : head.method;
  req.path = head.path;
  req.params = head.params;
  req.headers = head.headers;
  req.body = std::move(body);
  const bool get = req.method == "GET";
  if (get && req.path == options_.telemetry_path) return Metrics(req);
  if (get && req.path == "/-/healthy") return Text(200, "Healthy\n");
  if (get && req.path == "/-/ready") {
    if (!ready_ || ready_()) return Text(200, "Ready\n");
    return Text(503, "Not ready: no successful contact with the source yet\n");
  }
  if (req.path == "/-/reload") {
    if (req.method != "POST") {
      OutgoingResponse r = Text(405, "Only POST requests allowed\n");
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    if (!options_.enable_lifecycle) return Text(403, "Lifecycle API is not enabled.\n");
    if (!reload_) return Text(200, "Nothing to reload\n");
    Status st = reload_();
    return st.ok() ? Text(200, "Reloaded\n") : Text(500, "reload failed: " + st.message() + "\n");
  }
  bool path_known = false;
  for (const auto& [method, path, handler] : routes_) {
    if (path != req.path) continue;
    path_known = true;
    if (method != req.method) continue;
    HttpResponse out = handler(req);
    OutgoingResponse r;
    r.status = out.status;
    r.headers.emplace_back("Content-Type", out.content_type);
    for (auto& h : out.headers) r.headers.push_back(std::move(h));
    r.body.push_back(std::make_shared<const std::string>(std::move(out.body)));
    return r;
  }
  if (get && req.path == "/") {
    std::ostringstream html;
    const std::string title = HtmlEscape(options_.program);
    html << "<!DOCTYPE html>\n<html><head><title>" << title << "</title></head><body>\n<h1>"
         << title << "</h1>\n<ul>\n<li><a href=\"" << HtmlEscape(options_.telemetry_path)
         << "\">Metrics</a></li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
         << "<li><a href=\"/-/ready\">Readiness</a></li>\n";
    for (const auto& [path, desc] : links_) {
      html << "<li><a href=\"" << HtmlEscape(path) << "\">" << HtmlEscape(desc) << "</a></li>\n";
    }
    html << "</ul>\n";
    if (options_.enable_lifecycle) html << "<p>POST /-/reload reloads the configuration.</p>\n";
    html << "</body></html>\n";
    OutgoingResponse r = Text(200, html.str());
    r.headers[0].second = "text/html; charset=utf-8";
    return r;
  }
  if (path_known) return Text(405, "Method not allowed\n");
  return Text(404, "Not found\n");
}

void HttpServer::Serve(IncomingRequest request) {
  OutgoingResponse r;
  try {
    r = Route(request.head, std::move(request.body));
  } catch (const std::exception& e) {
    logger_.Error("request handler failed", {{"path", request.head.path}, {"err", e.what()}});
    r = Text(500, std::string("internal error: ") + e.what() + "\n");
  } catch (...) {
    logger_.Error("request handler failed", {{"path", request.head.path}});
    r = Text(500, "internal error\n");
  }
  r.omit_body = request.head.method == "HEAD";
  r.close = !request.head.keep_alive;
  loop_->Respond(request.conn, std::move(r));
}

Status HttpServer::Start() {
  auto listening = Listen(host_, port_, options_.listen_address);
  if (!listening.ok()) return listening.status();
  port_ = listening->second;
  pool_ = std::make_unique<HandlerPool>(options_.handler_threads);
  ConnectionLoop::TlsContext tls;
  if (web_config_.tls_enabled) tls = [this] { return CurrentTls(); };
  loop_ = std::make_unique<ConnectionLoop>(
      listening->first, options_.limits, std::move(tls),
      [this](IncomingRequest req) {
        auto shared = std::make_shared<IncomingRequest>(std::move(req));
        pool_->Submit([this, shared] { Serve(std::move(*shared)); });
      },
      web_config_.headers, logger_);
  running_ = true;
  thread_ = std::thread([this] { loop_->Run(); });
  logger_.Info("listening", {{"address", options_.listen_address},
                             {"port", port_},
                             {"tls", web_config_.tls_enabled},
                             {"basic_auth", !web_config_.basic_auth_users.empty()},
                             {"lifecycle", options_.enable_lifecycle}});
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!running_.exchange(false)) return;
  loop_->Stop();
  if (thread_.joinable()) thread_.join();
  pool_.reset();  // finishes queued requests; their responses go nowhere
  loop_.reset();
}

}  // namespace streamlens
