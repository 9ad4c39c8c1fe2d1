#include "sidecar/remote_read/http_transport.h"

#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace streamlens::remote_read {

namespace {

Result<std::string> ReadSecretFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(std::string(what) + " file \"" + path + "\" cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return Status::Error(std::string(what) + " file \"" + path + "\" is empty");
  return s;
}

bool Readable(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::Create(const std::string& base_url,
                                                             const ClientOptions& options) {
  std::unique_ptr<HttpTransport> t(new HttpTransport());
  t->url_ = base_url;
  t->options_ = options;
  size_t scheme_end = base_url.find("://");
  if (scheme_end == std::string::npos) {
    return Status::Error("URL \"" + base_url + "\": expected http://host:port/... or https://...");
  }
  std::string scheme = base_url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::Error("URL \"" + base_url + "\": scheme must be http or https");
  }
  size_t path_start = base_url.find('/', scheme_end + 3);
  std::string host = base_url.substr(scheme_end + 3, path_start == std::string::npos
                                                         ? std::string::npos
                                                         : path_start - scheme_end - 3);
  if (host.empty()) return Status::Error("URL \"" + base_url + "\": missing host");
  t->scheme_host_port_ = scheme + "://" + host;
  t->prefix_ = path_start == std::string::npos ? "" : base_url.substr(path_start);
  while (!t->prefix_.empty() && t->prefix_.back() == '/') t->prefix_.pop_back();
  if (!options.basic_auth_username.empty() && !options.bearer_token_file.empty()) {
    return Status::Error("basic auth and a bearer token file are mutually exclusive");
  }
  for (const std::string* f : {&options.tls_ca_file, &options.tls_cert_file, &options.tls_key_file,
                               &options.basic_auth_password_file, &options.bearer_token_file}) {
    if (!f->empty() && !Readable(*f)) return Status::Error("file \"" + *f + "\" cannot be read");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Status::Error("a TLS client certificate needs both a cert file and a key file");
  }
  if (options.max_retries < 0) return Status::Error("max retries must be >= 0");
  return t;
}

Status HttpTransport::Send(const HttpRequest& request, const std::function<ReplySink*()>& make_sink,
                           FetchStats* stats, FetchBudget* budget) const {
  httplib::Headers headers;
  headers.emplace("User-Agent", options_.user_agent);
  for (const auto& h : request.headers) headers.emplace(h.first, h.second);
  for (const auto& h : options_.headers) headers.emplace(h.first, h.second);
  if (!options_.basic_auth_username.empty()) {
    std::string password;
    if (!options_.basic_auth_password_file.empty()) {
      auto p = ReadSecretFile(options_.basic_auth_password_file, "basic auth password");
      if (!p.ok()) return p.status();
      password = *p;
    }
    headers.insert(
        httplib::make_basic_authentication_header(options_.basic_auth_username, password));
  }
  if (!options_.bearer_token_file.empty()) {
    auto tok = ReadSecretFile(options_.bearer_token_file, "bearer token");
    if (!tok.ok()) return tok.status();
    headers.emplace("Authorization", "Bearer " + *tok);
  }
  if (!request.content_type.empty()) headers.emplace("Content-Type", request.content_type);

  const std::string where =
      request.method + " " + url_ + request.path.substr(0, request.path.find('?'));
  const CancelToken* cancel = budget != nullptr ? budget->cancel() : nullptr;
  auto backoff = options_.retry_min_backoff;
  for (int attempt = 0;; ++attempt) {
    if (budget != nullptr) STREAMLENS_RETURN_IF_ERROR(budget->Check().WithContext(where));
    auto timeout = options_.timeout;
    // When the fetch deadline is nearer than the per-attempt timeout, it is what a timeout means.
    const bool deadline_cuts = budget != nullptr && budget->Remaining() < timeout;
    if (deadline_cuts) timeout = budget->Remaining();
    std::unique_ptr<httplib::Client> cli = NewClient(timeout);

    httplib::Request req;
    req.method = request.method;
    req.path = prefix_ + request.path;
    req.headers = headers;
    req.body = request.body;
    ReplySink* sink = make_sink();
    int status = 0;
    std::string error_body;
    Status sink_status;
    req.response_handler = [&](const httplib::Response& res) {
      status = res.status;
      if (status == 200) {
        sink_status = sink->Begin(res.get_header_value("Content-Type"));
        return sink_status.ok();
      }
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (stats) stats->bytes_received += n;
      if (budget != nullptr) {
        sink_status = budget->AddBytes(n);
        if (!sink_status.ok()) return false;
      }
      if (status == 200) {
        sink_status = sink->Data(std::string_view(data, n));
        return sink_status.ok();
      }
      if (error_body.size() < 4096) error_body.append(data, std::min<size_t>(n, 4096));
      return true;
    };
    if (stats) {
      ++stats->requests;
      if (attempt > 0) ++stats->retries;
    }
    // Shutdown interrupts the request: stop() shuts its socket down, the blocked read returns.
    httplib::Client* raw = cli.get();
    const uint64_t cancel_id = cancel != nullptr ? cancel->OnCancel([raw] { raw->stop(); }) : 0;
    httplib::Result res = cli->send(req);
    if (cancel != nullptr) cancel->Remove(cancel_id);
    if (!sink_status.ok()) return sink_status.WithContext(where);
    if (budget != nullptr) STREAMLENS_RETURN_IF_ERROR(budget->Check().WithContext(where));
    if (!res && deadline_cuts &&
        (res.error() == httplib::Error::Read || res.error() == httplib::Error::ConnectionTimeout)) {
      return budget->DeadlineExceeded().WithContext(where);
    }
    bool retryable = true;
    std::string err;
    if (!res) {
      err = ExplainError(res.error(), &retryable);
    } else if (status == 200) {
      return sink->End().WithContext(where);
    } else {
      while (!error_body.empty() && (error_body.back() == '\n' || error_body.back() == '\r')) {
        error_body.pop_back();
      }
      err = "server replied HTTP " + std::to_string(status) +
            (error_body.empty() ? std::string() : ": " + error_body);
      retryable = status >= 500;
    }
    if (!retryable || attempt >= options_.max_retries) {
      if (attempt > 0) err += " (after " + std::to_string(attempt + 1) + " attempts)";
      return Status::Error(where + ": " + err);
    }
    if (cancel != nullptr ? cancel->WaitFor(backoff)
                          : (std::this_thread::sleep_for(backoff), false)) {
      return Status::Error(where + ": fetch cancelled: shutting down");
    }
    backoff = std::min(backoff * 2, options_.retry_max_backoff);
  }
}

std::unique_ptr<httplib::Client> HttpTransport::NewClient(std::chrono::milliseconds timeout) const {
  std::unique_ptr<httplib::Client> cli;
  if (!options_.tls_cert_file.empty()) {
    cli = std::make_unique<httplib::Client>(scheme_host_port_, options_.tls_cert_file,
                                            options_.tls_key_file);
  } else {
    cli = std::make_unique<httplib::Client>(scheme_host_port_);
  }
  cli->set_connection_timeout(timeout);
  cli->set_read_timeout(timeout);
  cli->set_write_timeout(timeout);
  cli->set_keep_alive(false);
  cli->set_decompress(true);
  if (!options_.tls_ca_file.empty()) cli->set_ca_cert_path(options_.tls_ca_file.c_str());
  if (options_.tls_insecure_skip_verify) cli->enable_server_certificate_verification(false);
  return cli;
}

std::string HttpTransport::ExplainError(httplib::Error error, bool* retryable) const {
  std::string err = "request failed: " + httplib::to_string(error);
  const bool tls = url_.rfind("https://", 0) == 0;
  *retryable = true;
  switch (error) {
    case httplib::Error::SSLServerVerification:
      // A configuration problem: retrying cannot fix it.
      err += " (the server's TLS certificate did not verify against " +
             (options_.tls_ca_file.empty() ? std::string("the system CA store")
                                           : "the CA file " + options_.tls_ca_file) +
             ", or its name does not match the URL's host)";
      *retryable = false;
      break;
    case httplib::Error::SSLConnection:
      err += " (TLS handshake failed: protocol/cipher mismatch, or the server is not TLS)";
      break;
    case httplib::Error::SSLLoadingCerts:
      err += " (cannot load the TLS client certificate/key or CA file)";
      *retryable = false;
      break;
    case httplib::Error::Read:
    case httplib::Error::Write:
      // TLS 1.3 servers reject a missing/unknown client certificate after the handshake,
      // so that shows up as a failed write or read.
      if (tls) {
        err +=
            " (the server closed the TLS connection: does it require a client certificate?" +
            std::string(error == httplib::Error::Read ? " or no reply within the timeout)" : ")");
      } else if (error == httplib::Error::Read) {
        err += " (no reply within the timeout?)";
      }
      break;
    default:
      break;
  }
  return err;
}

}  // namespace streamlens::remote_read
