// HttpServer: the one HTTP(S) server of a daemon.
//
// Serves the telemetry path (default /metrics) from prometheus-cpp collectables through the text
// serializer, /-/healthy (200 while running), /-/ready (503 until the ready check passes),
// /-/reload (POST, calls the reload handler), a landing page at / linking them, and any extra
// handlers a daemon registers (JSON APIs). TLS and basic auth come from an exporter-toolkit
// web config file (see web_config.h); without one it serves plain HTTP.
//
// Thread-safety: configure (Add*/Set*/Handle*) before Start(); Start()/Stop() from one thread.
// Handlers run on the server's worker threads and must be thread-safe. Nothing a handler throws
// escapes: it becomes a 500 with the message logged.
#pragma once

#include <prometheus/collectable.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "common/web_config.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace streamlens {

struct HttpServerOptions {
  std::string program = "streamlens";    // shown on the landing page
  std::string listen_address = ":9000";  // "host:port", ":port" (all interfaces) or "[::1]:port"
  std::string telemetry_path = "/metrics";
  std::string web_config_file;              // empty: plain HTTP, no auth
  size_t max_request_body_bytes = 1 << 20;  // requests with larger bodies get 413
};

// A plain request/response pair for daemon handlers, independent of the HTTP library.
struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;  // query parameters, in order
  std::string body;
  // First value of query parameter `name`, or `fallback`.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
};
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
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
  // Called for POST /-/reload; an error becomes a 500 with the message.
  void SetReloadHandler(std::function<Status()> reload);
  // Extra endpoints; `description` is shown as a link on the landing page (empty: not shown).
  void HandleGet(const std::string& path, HttpHandler handler, const std::string& description = "");
  void HandlePost(const std::string& path, HttpHandler handler);

  // Binds and starts serving on a background thread. Error names the address.
  Status Start();
  // Stops accepting, lets in-flight requests finish, joins the thread. Idempotent.
  void Stop();
  // The bound port (useful with port 0).
  int port() const { return port_; }
  bool tls() const;

 private:
  HttpServer(HttpServerOptions options, WebConfig web_config, Logger logger);
  void Install();
  std::string RenderMetrics() const;

  HttpServerOptions options_;
  WebConfig web_config_;
  Logger logger_;
  std::unique_ptr<httplib::Server> server_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::vector<std::function<void(std::string*)>> text_providers_;
  std::function<SharedBody(bool)> body_provider_;
  std::function<bool()> ready_;
  std::function<Status()> reload_;
  std::vector<std::pair<std::string, std::string>> links_;
  std::thread thread_;
  int port_ = 0;
  std::string host_;
  std::atomic<bool> running_{false};
};

}  // namespace streamlens
