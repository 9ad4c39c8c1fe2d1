// ConnectionLoop: the network side of the daemons' HTTP server. One thread accepts connections,
// performs TLS handshakes, reads requests and writes responses, all non-blocking under poll(2);
// only complete requests leave it, handed to a dispatcher (the server's handler threads), so a
// client that sends slowly, reads slowly or never finishes its request holds a few kilobytes of
// memory and no thread.
//
// Limits (ConnectionLimits): at most max_connections open connections (one more is answered
// "503 Service Unavailable" and closed; over TLS it is closed, as no handshake is spent on it);
// the head of a request must arrive within header_timeout of its first byte (or of the
// connection's start), its body within body_timeout of the head (408 and close otherwise); an
// idle keep-alive connection is closed after idle_timeout; a response must be taken by the
// client within write_timeout. Heads are at most max_head_bytes (431), bodies at most
// max_body_bytes (413); request bodies are read by Content-Length only (chunked bodies get 411).
// "Expect: 100-continue" is not answered: clients that send it (curl for bodies over 1 KiB) send
// the body after their own wait (1 s for curl); the daemons' only POST endpoint takes no body.
//
// Thread-safety: Run() on one thread; Respond() and Stop() from any thread. A connection handed
// to the dispatcher is owned by the loop but not touched until Respond() is called for it.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/http_parser.h"
#include "common/log.h"

namespace streamlens {

struct ConnectionLimits {
  size_t max_connections = 512;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{120000};
  std::chrono::milliseconds write_timeout{60000};
  size_t max_head_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;
};

// A complete request read from connection `conn`.
struct IncomingRequest {
  uint64_t conn = 0;
  HttpRequestHead head;
  std::string body;
};

// What to write back: a head built from these fields and the body pieces as they are.
struct OutgoingResponse {
  int status = 200;
  HttpFields headers;  // besides Content-Length and Connection
  std::vector<std::shared_ptr<const std::string>> body;
  bool omit_body = false;  // HEAD: Content-Length of the body, no body bytes
  bool close = false;      // close the connection after this response
};

// Standard reason phrase for `status` ("OK", "Not Found", ...).
const char* ReasonPhrase(int status);

class ConnectionLoop {
 public:
  using Dispatch = std::function<void(IncomingRequest)>;
  // The current TLS context for new connections; null for plain HTTP. Called on the loop thread.
  using TlsContext = std::function<std::shared_ptr<SSL_CTX>()>;

  // Takes ownership of the listening socket `listen_fd` (bound and listening).
  // `extra_headers` are added to every response (web config http_server_config.headers).
  ConnectionLoop(int listen_fd, ConnectionLimits limits, TlsContext tls, Dispatch dispatch,
                 HttpFields extra_headers, Logger logger);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Serves until Stop(); then closes every connection (waiting up to 5 s for responses being
  // prepared or written) and returns.
  void Run();
  // Queues the response to request `conn` (ignored when the connection is gone).
  void Respond(uint64_t conn, OutgoingResponse response);
  void Stop();
  // Open connections right now (for tests and logs).
  size_t open_connections() const { return open_.load(); }

 private:
  struct Conn;
  void Accept();
  void OnReadable(Conn& c);
  void OnWritable(Conn& c);
  void Handshake(Conn& c);
  void TryParse(Conn& c);
  void Fail(Conn& c, int status, const std::string& why);
  void StartWrite(Conn& c, OutgoingResponse r);
  void FinishResponse(Conn& c);
  void TakeResponses();
  void ExpireDeadlines();
  void Close(uint64_t id);
  int PollTimeoutMs() const;

  int listen_fd_;
  int wake_fd_;
  ConnectionLimits limits_;
  TlsContext tls_;
  Dispatch dispatch_;
  HttpFields extra_headers_;
  Logger logger_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Conn>> conns_;  // loop thread only
  std::mutex mu_;
  std::vector<std::pair<uint64_t, OutgoingResponse>> responses_;  // guarded by mu_
  std::chrono::steady_clock::time_point last_reject_log_{};
};

}  // namespace streamlens
