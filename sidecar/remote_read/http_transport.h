// Internal: one HTTP(S) connection pool to one server, with retries and auth, hiding httplib
// from every other header. Used by RemoteReadClient and QueryRangeClient. Thread-safe: each
// call uses its own httplib client (connections are not shared across threads).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/source.h"

namespace httplib {
class Client;
enum class Error;
}  // namespace httplib

namespace streamlens::remote_read {

struct HttpRequest {
  std::string method = "POST";  // POST or GET
  std::string path;             // path and query string
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Receives one attempt's reply. Begin() is called when a 200 reply starts (with its
// Content-Type); Data() with each piece of its body; a non-OK Status cancels the transfer and
// is returned from Send() without retry.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual Status Begin(const std::string& content_type) = 0;
  virtual Status Data(std::string_view piece) = 0;
  virtual Status End() = 0;
};

class HttpTransport {
 public:
  // base_url: scheme://host[:port][/prefix]. Fails for a bad URL or unreadable TLS files.
  static Result<std::unique_ptr<HttpTransport>> Create(const std::string& base_url,
                                                       const ClientOptions& options);
  ~HttpTransport();

  // Sends `request` (path is appended to the URL's prefix). make_sink() is called once per
  // attempt so a retried request starts from a fresh decoder; the caller owns the sinks it
  // returns, which must stay valid until Send() returns. Retries connection errors and 5xx
  // per the options; a 4xx (or a 5xx after the last retry) becomes an error quoting the
  // server's reply text.
  // With a `budget`, every byte received counts against its max_bytes, no attempt outlives its
  // deadline (the read timeout is cut to what is left) and its CancelToken interrupts a blocked
  // request and any backoff at once; those errors are not retried.
  Status Send(const HttpRequest& request, const std::function<ReplySink*()>& make_sink,
              FetchStats* stats, FetchBudget* budget = nullptr) const;

  const std::string& url() const { return url_; }

 private:
  std::unique_ptr<httplib::Client> NewClient(std::chrono::milliseconds timeout) const;
  // The message for a failed request and whether retrying may help.
  std::string ExplainError(httplib::Error error, bool* retryable) const;
  HttpTransport() = default;
  std::string url_;
  std::string scheme_host_port_;
  std::string prefix_;
  ClientOptions options_;
};

}  // namespace streamlens::remote_read
