#include "tests/exporter/process.h"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace streamlens::testing {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path) {
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    if (!stderr_path.empty()) {
      int fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_fd_ = fds[0];
}

ChildProcess::~ChildProcess() {
  Terminate();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Terminate() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::optional<std::string> ChildProcess::ReadStdoutLine(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string BinDir() {
  const char* d = std::getenv("STREAMLENS_BIN_DIR");
  return d ? d : "bin";
}

std::pair<int, std::string> HttpGet(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto res = c.Get(path.c_str());
  if (!res) return {0, ""};
  return {res->status, res->body};
}

std::pair<int, std::string> RunShell(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

namespace {
// Parses `name{a="x",b="y"} value` lines (values without escapes, which our tests use).
bool ParseLine(const std::string& line, std::string* name, Labels* labels, double* value) {
  if (line.empty() || line[0] == '#') return false;
  size_t i = line.find_first_of("{ ");
  if (i == std::string::npos) return false;
  *name = line.substr(0, i);
  labels->clear();
  if (line[i] == '{') {
    size_t end = line.find('}', i);
    if (end == std::string::npos) return false;
    std::string body = line.substr(i + 1, end - i - 1);
    size_t pos = 0;
    while (pos < body.size()) {
      size_t eq = body.find('=', pos);
      if (eq == std::string::npos) break;
      size_t q1 = body.find('"', eq);
      size_t q2 = body.find('"', q1 + 1);
      (*labels)[body.substr(pos, eq - pos)] = body.substr(q1 + 1, q2 - q1 - 1);
      pos = q2 + 1;
      if (pos < body.size() && body[pos] == ',') ++pos;
    }
    i = end + 1;
  }
  *value = std::strtod(line.c_str() + i, nullptr);
  return true;
}
}  // namespace

std::optional<double> Sample(const std::string& text, const std::string& name,
                             const Labels& labels) {
  std::istringstream in(text);
  std::string line, n;
  Labels l;
  double v;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) != 0) continue;
    if (ParseLine(line, &n, &l, &v) && n == name && l == labels) return v;
  }
  return std::nullopt;
}

size_t CountSamples(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line, n;
  Labels l;
  double v;
  size_t count = 0;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) != 0) continue;
    if (ParseLine(line, &n, &l, &v) && n == name) ++count;
  }
  return count;
}

}  // namespace streamlens::testing
