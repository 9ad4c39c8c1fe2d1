#include "common/http_connections.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace streamlens {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

}  // namespace

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

struct ConnectionLoop::Conn {
  enum class State { kHandshake, kReading, kHandling, kWriting };
  uint64_t id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  State state = State::kReading;
  bool tls_wants_write = false;  // a TLS read or handshake waits for writability
  bool tls_wants_read = false;   // a TLS write waits for readability
  Clock::time_point deadline = kNoDeadline;
  bool idle = false;  // between requests, nothing of the next one received
  std::string in;
  bool head_done = false;
  size_t head_len = 0;
  HttpRequestHead head;
  // The response being written: out_head, then out_body[piece] from offset.
  std::string out_head;
  std::vector<std::shared_ptr<const std::string>> out_body;
  size_t piece = 0;  // 0: out_head, k >= 1: out_body[k - 1]
  size_t offset = 0;
  bool close_after = false;

  ~Conn() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);  // best effort close_notify; the socket is non-blocking
      SSL_free(ssl);
    }
    if (fd >= 0) ::close(fd);
  }
  // > 0 bytes read, 0 would block, -1 closed or failed.
  ssize_t Read(char* buf, size_t n) {
    if (ssl == nullptr) {
      ssize_t r = ::recv(fd, buf, n, 0);
      if (r > 0) return r;
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
      return -1;
    }
    tls_wants_write = false;
    int r = SSL_read(ssl, buf, static_cast<int>(n));
    if (r > 0) return r;
    int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ) return 0;
    if (err == SSL_ERROR_WANT_WRITE) {
      tls_wants_write = true;
      return 0;
    }
    return -1;
  }
  // >= 0 bytes written (0: would block), -1 failed.
  ssize_t Write(const char* p, size_t n) {
    if (ssl == nullptr) {
      ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
      if (r >= 0) return r;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      return -1;
    }
    tls_wants_read = false;
    int r = SSL_write(ssl, p, static_cast<int>(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_WRITE) return 0;
    if (err == SSL_ERROR_WANT_READ) {
      tls_wants_read = true;
      return 0;
    }
    return -1;
  }
};

ConnectionLoop::ConnectionLoop(int listen_fd, ConnectionLimits limits, TlsContext tls,
                               Dispatch dispatch, HttpFields extra_headers, Logger logger)
    : listen_fd_(listen_fd),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      limits_(limits),
      tls_(std::move(tls)),
      dispatch_(std::move(dispatch)),
      extra_headers_(std::move(extra_headers)),
      logger_(std::move(logger)) {}

ConnectionLoop::~ConnectionLoop() {
  conns_.clear();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConnectionLoop::Stop() {
  stopping_ = true;
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionLoop::Respond(uint64_t conn, OutgoingResponse response) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    responses_.emplace_back(conn, std::move(response));
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void ConnectionLoop::Accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error that the next poll reports again
    std::shared_ptr<SSL_CTX> ctx = tls_ ? tls_() : nullptr;
    if (conns_.size() >= limits_.max_connections) {
      if (!ctx) {
        static const std::string k503 =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            "Content-Length: 26\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
            "too many open connections\n";
        (void)!::send(fd, k503.data(), k503.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      ::close(fd);
      const auto now = Clock::now();
      if (now - last_reject_log_ > std::chrono::seconds(10)) {
        last_reject_log_ = now;
        logger_.Warn("connection refused: too many open connections",
                     {{"max_connections", static_cast<unsigned long>(limits_.max_connections)}});
      }
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Conn>();
    c->id = next_id_++;
    c->fd = fd;
    c->deadline = Clock::now() + limits_.header_timeout;
    if (ctx) {
      c->ssl = SSL_new(ctx.get());
      if (c->ssl == nullptr) continue;  // ~Conn closes fd
      SSL_set_fd(c->ssl, fd);
      SSL_set_accept_state(c->ssl);
      SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      c->state = Conn::State::kHandshake;
    }
    conns_.push_back(std::move(c));
    open_ = conns_.size();
  }
}

void ConnectionLoop::Handshake(Conn& c) {
  c.tls_wants_write = false;
  int r = SSL_do_handshake(c.ssl);
  if (r == 1) {
    c.state = Conn::State::kReading;
    OnReadable(c);  // application data may already be buffered
    return;
  }
  int err = SSL_get_error(c.ssl, r);
  if (err == SSL_ERROR_WANT_READ) return;
  if (err == SSL_ERROR_WANT_WRITE) {
    c.tls_wants_write = true;
    return;
  }
  logger_.Debug("TLS handshake failed", {{"err", std::to_string(err)}});
  Close(c.id);
}

void ConnectionLoop::OnReadable(Conn& c) {
  char buf[16 * 1024];
  for (;;) {
    // Never buffer more than one request's worth.
    const size_t cap =
        c.head_done ? c.head_len + c.head.content_length : limits_.max_head_bytes + 1;
    if (c.in.size() >= cap) break;
    ssize_t n = c.Read(buf, std::min(sizeof buf, cap - c.in.size()));
    if (n < 0) return Close(c.id);
    if (n == 0) break;
    if (c.idle) {  // the first byte of the next request starts its header deadline
      c.idle = false;
      c.deadline = Clock::now() + limits_.header_timeout;
    }
    c.in.append(buf, static_cast<size_t>(n));
  }
  TryParse(c);
}

void ConnectionLoop::TryParse(Conn& c) {
  if (!c.head_done) {
    const size_t end = FindHeadEnd(c.in);
    if (end == std::string::npos) {
      if (c.in.size() > limits_.max_head_bytes) Fail(c, 431, "request head too large");
      return;
    }
    if (end > limits_.max_head_bytes) return Fail(c, 431, "request head too large");
    auto head = ParseRequestHead(std::string_view(c.in).substr(0, end));
    if (!head.ok()) return Fail(c, 400, head.status().message());
    if (head->chunked) return Fail(c, 411, "chunked request bodies are not accepted");
    if (head->content_length > limits_.max_body_bytes) {
      return Fail(c, 413, "request body larger than " + std::to_string(limits_.max_body_bytes));
    }
    c.head = std::move(*head);
    c.head_done = true;
    c.head_len = end;
    c.deadline = Clock::now() + limits_.body_timeout;
  }
  const size_t total = c.head_len + c.head.content_length;
  if (c.in.size() < total) return;
  IncomingRequest req;
  req.conn = c.id;
  req.head = std::move(c.head);
  req.body = c.in.substr(c.head_len, c.head.content_length);
  c.in.erase(0, total);
  c.head = HttpRequestHead();
  c.head_done = false;
  c.state = Conn::State::kHandling;
  c.deadline = kNoDeadline;
  dispatch_(std::move(req));
}

void ConnectionLoop::Fail(Conn& c, int status, const std::string& why) {
  logger_.Debug("bad request", {{"status", status}, {"err", why}});
  OutgoingResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body.push_back(std::make_shared<const std::string>(why + "\n"));
  r.close = true;
  c.in.clear();
  StartWrite(c, std::move(r));
}

void ConnectionLoop::StartWrite(Conn& c, OutgoingResponse r) {
  size_t length = 0;
  for (const auto& p : r.body) length += p ? p->size() : 0;
  std::string& h = c.out_head;
  h = "HTTP/1.1 " + std::to_string(r.status) + " " + ReasonPhrase(r.status) + "\r\n";
  for (const auto* list : {&r.headers, &extra_headers_}) {
    for (const auto& [n, v] : *list) h += n + ": " + v + "\r\n";
  }
  h += "Content-Length: " + std::to_string(length) + "\r\n";
  if (r.close || stopping_) h += "Connection: close\r\n";
  h += "\r\n";
  c.out_body = r.omit_body ? decltype(c.out_body)() : std::move(r.body);
  c.piece = 0;
  c.offset = 0;
  c.close_after = r.close || stopping_;
  c.state = Conn::State::kWriting;
  c.deadline = Clock::now() + limits_.write_timeout;
  OnWritable(c);
}

void ConnectionLoop::OnWritable(Conn& c) {
  while (c.piece <= c.out_body.size()) {
    const std::string* p = c.piece == 0 ? &c.out_head : c.out_body[c.piece - 1].get();
    if (p == nullptr || c.offset >= p->size()) {
      ++c.piece;
      c.offset = 0;
      continue;
    }
    ssize_t n = c.Write(p->data() + c.offset, p->size() - c.offset);
    if (n < 0) return Close(c.id);
    if (n == 0) return;  // wait for writability
    c.offset += static_cast<size_t>(n);
  }
  FinishResponse(c);
}

void ConnectionLoop::FinishResponse(Conn& c) {
  c.out_head.clear();
  c.out_body.clear();
  if (c.close_after) return Close(c.id);
  c.state = Conn::State::kReading;
  c.idle = c.in.empty();
  c.deadline = Clock::now() + (c.idle ? limits_.idle_timeout : limits_.header_timeout);
  if (!c.idle) TryParse(c);  // a pipelined request
}

void ConnectionLoop::TakeResponses() {
  std::vector<std::pair<uint64_t, OutgoingResponse>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready.swap(responses_);
  }
  for (auto& [id, r] : ready) {
    for (auto& c : conns_) {
      if (c->id == id && c->state == Conn::State::kHandling) {
        StartWrite(*c, std::move(r));
        break;
      }
    }
  }
}

void ConnectionLoop::ExpireDeadlines() {
  const auto now = Clock::now();
  std::vector<uint64_t> expired;
  for (const auto& c : conns_) {
    if (c->deadline <= now) expired.push_back(c->id);
  }
  for (uint64_t id : expired) {
    for (auto& c : conns_) {
      if (c->id != id) continue;
      if (c->state == Conn::State::kReading && (!c->in.empty() || c->head_done)) {
        Fail(*c, 408, "request not received in time");
      } else {
        Close(id);
      }
      break;
    }
  }
}

void ConnectionLoop::Close(uint64_t id) {
  for (size_t i = 0; i < conns_.size(); ++i) {
    if (conns_[i]->id == id) {
      // Later entries shift down; callers hold no iterators across Close.
      conns_.erase(conns_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  open_ = conns_.size();
}

int ConnectionLoop::PollTimeoutMs() const {
  auto next = Clock::now() + std::chrono::seconds(1);
  for (const auto& c : conns_) next = std::min(next, c->deadline);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 1000));
}

void ConnectionLoop::Run() {
  std::vector<pollfd> fds;
  std::vector<uint64_t> ids;
  Clock::time_point drain_until = kNoDeadline;
  for (;;) {
    if (stopping_ && drain_until == kNoDeadline) {
      drain_until = Clock::now() + std::chrono::seconds(5);
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    if (stopping_) {
      // Finish what is being handled or written; drop the rest.
      std::vector<uint64_t> idle;
      for (const auto& c : conns_) {
        if (c->state != Conn::State::kHandling && c->state != Conn::State::kWriting) {
          idle.push_back(c->id);
        }
      }
      for (uint64_t id : idle) Close(id);
      if (conns_.empty() || Clock::now() >= drain_until) break;
    }
    fds.clear();
    ids.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : conns_) {
      short ev = 0;
      if (c->state == Conn::State::kHandshake || c->state == Conn::State::kReading) {
        ev = POLLIN | (c->tls_wants_write ? POLLOUT : 0);
      } else if (c->state == Conn::State::kWriting) {
        ev = POLLOUT | (c->tls_wants_read ? POLLIN : 0);
      }
      if (ev == 0) continue;
      fds.push_back({c->fd, ev, 0});
      ids.push_back(c->id);
    }
    const size_t first_conn = fds.size() - ids.size();
    if (::poll(fds.data(), fds.size(), PollTimeoutMs()) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      uint64_t n;
      while (::read(wake_fd_, &n, sizeof n) > 0) {
      }
    }
    TakeResponses();
    if (listen_fd_ >= 0 && (fds[1].revents & POLLIN)) Accept();
    for (size_t i = first_conn; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const uint64_t id = ids[i - first_conn];
      auto it =
          std::find_if(conns_.begin(), conns_.end(), [id](const auto& c) { return c->id == id; });
      if (it == conns_.end()) continue;
      Conn& c = **it;
      if (c.state == Conn::State::kHandshake) {
        Handshake(c);
      } else if (c.state == Conn::State::kReading) {
        OnReadable(c);
      } else if (c.state == Conn::State::kWriting) {
        OnWritable(c);
      }
    }
    ExpireDeadlines();
  }
  conns_.clear();
  open_ = 0;
}

}  // namespace streamlens
