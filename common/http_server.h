// HttpServer: the one HTTP(S) server of a daemon.
//
// Serves the telemetry path (default /metrics) from prometheus-cpp collectables through the text
// serializer, /-/healthy (200 while running), /-/ready (503 until the ready check passes),
// /-/reload (POST, calls the reload handler; only with enable_lifecycle, as Prometheus's
// --web.enable-lifecycle, else 403), a landing page at / linking them, and any extra handlers a
// daemon registers (JSON APIs). TLS, basic auth and response headers come from an
// exporter-toolkit web config file (see web_config.h); without one it serves plain HTTP.
//
// Design: the server survives its clients. cpp-httplib (Debian's 0.11) gives every connection a
// worker thread from a fixed pool for as long as the client takes to send its request, with a
// per-read timeout but no deadline, so 16 clients sending a header byte every few seconds kept
// /-/healthy from answering at all. Here one event-loop thread (http_connections.h) accepts,
// handshakes TLS, reads and writes every connection without blocking, enforces header, body,
// idle and write deadlines and a connection cap (503 beyond it), and hands only complete
// requests to a small pool of handler threads; those never touch a socket. Basic auth runs on
// the handler threads through BasicAuth (basic_auth.h): bounded concurrent bcrypt checks (429
// beyond them) and caches of verified and of failed credentials. Health and metrics therefore
// answer in milliseconds while slow clients wait and wrong passwords flood in.
//
// Thread-safety: configure (Add*/Set*/Handle*) before Start(); Start()/Stop() from one thread;
// ReloadCertificates() from any thread. Handlers run on the handler threads and must be
// thread-safe. Nothing a handler throws escapes: it becomes a 500 with the message logged.
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "common/basic_auth.h"
#include "common/http_connections.h"
#include "common/log.h"
#include "common/status.h"
#include "common/web_config.h"

namespace streamlens {

struct HttpServerOptions {
  std::string program = "streamlens";    // shown on the landing page
  std::string listen_address = ":9000";  // "host:port", ":port" (all interfaces) or "[::1]:port"
  std::string telemetry_path = "/metrics";
  std::string web_config_file;              // empty: plain HTTP, no auth
  size_t max_request_body_bytes = 1 << 20;  // requests with larger bodies get 413
  bool enable_lifecycle = false;            // --web.enable-lifecycle: POST /-/reload allowed
  ConnectionLimits limits;                  // deadlines and the connection cap
  size_t handler_threads = 4;
  BasicAuthOptions auth;
};

// A plain request/response pair for daemon handlers, independent of the HTTP library.
struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;   // query parameters, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // First value of query parameter `name`, or `fallback`.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
};
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
};
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A telemetry response made of immutable byte strings shared by pointer with the daemon that
// rendered them, so a scrape copies and re-encodes nothing. `content_encoding` is empty when the
// pieces are plain exposition text, or "gzip" when their concatenation is one gzip stream.
struct SharedBody {
  std::vector<std::shared_ptr<const std::string>> pieces;
  std::string content_encoding;
};

// True when an Accept-Encoding header value accepts gzip ("gzip", "x-gzip" or "*", without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

class HttpServer {
 public:
  // Loads and validates the web config (if any). Errors name the file and key.
  static Result<std::unique_ptr<HttpServer>> Create(HttpServerOptions options, Logger logger);
  ~HttpServer();

  // Collectables are held weakly; one that has expired is skipped.
  void AddCollectable(std::weak_ptr<prometheus::Collectable> collectable);
  // Pre-rendered exposition text appended after the collectables' families, for daemons that
  // serialize their snapshot once per collection instead of once per scrape. The provider must
  // append complete families (with HELP/TYPE) that no collectable also exposes.
  void AddTextProvider(std::function<void(std::string* out)> provider);
  // Serves the telemetry path from `provider` instead of the collectables and text providers:
  // called once per scrape with whether the client accepts gzip, its pieces are written as they
  // are (the server neither copies nor compresses them) with Content-Length, Content-Encoding
  // when set, and Vary: Accept-Encoding. For daemons that keep a pre-rendered snapshot.
  void SetMetricsBodyProvider(std::function<SharedBody(bool accepts_gzip)> provider);
  void SetReadyCheck(std::function<bool()> ready);
  // Called for POST /-/reload (with enable_lifecycle); an error becomes a 500 with the message.
  void SetReloadHandler(std::function<Status()> reload);
  // Extra endpoints; `description` is shown as a link on the landing page (empty: not shown).
  void HandleGet(const std::string& path, HttpHandler handler, const std::string& description = "");
  void HandlePost(const std::string& path, HttpHandler handler);

  // Binds and starts serving on a background thread. Error names the address.
  Status Start();
  // Stops accepting, lets in-flight requests finish (up to 5 s), joins the threads. Idempotent.
  void Stop();
  // Re-reads the TLS certificate, key and client CA files (SIGHUP): new connections use them,
  // open ones keep theirs. On error the previous certificates stay in use. No-op without TLS.
  Status ReloadCertificates();
  // The bound port (useful with port 0).
  int port() const { return port_; }
  bool tls() const;

 private:
  class HandlerPool;
  HttpServer(HttpServerOptions options, WebConfig web_config, Logger logger);
  void Install();
  std::string RenderMetrics() const;
  // Runs on a handler thread: auth, routing, the handler; always answers.
  void Serve(IncomingRequest request);
  OutgoingResponse Route(const HttpRequestHead& head, std::string body);
  OutgoingResponse Metrics(const HttpRequest& request) const;
  std::shared_ptr<SSL_CTX> CurrentTls() const;

  HttpServerOptions options_;
  WebConfig web_config_;
  Logger logger_;
  std::unique_ptr<BasicAuth> auth_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::vector<std::function<void(std::string*)>> text_providers_;
  std::function<SharedBody(bool)> body_provider_;
  std::function<bool()> ready_;
  std::function<Status()> reload_;
  std::vector<std::pair<std::string, std::string>> links_;
  // (method, path) -> handler, registered before Start().
  std::vector<std::tuple<std::string, std::string, HttpHandler>> routes_;
  mutable std::mutex tls_mu_;
  std::shared_ptr<SSL_CTX> tls_ctx_;  // guarded by tls_mu_
  std::unique_ptr<ConnectionLoop> loop_;
  std::unique_ptr<HandlerPool> pool_;
  std::thread thread_;
  int port_ = 0;
  std::string host_;
  std::atomic<bool> running_{false};
};

}  // namespace streamlens
