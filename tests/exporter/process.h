// Test helpers for cross-process exporter tests: start a program with captured stdout/stderr,
// pick a free loopback port, scrape /metrics and look up samples.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streamlens::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` (a path) with the arguments; stdout goes to a pipe readable with
  // ReadStdoutLine, stderr to `stderr_path` (empty: inherited).
  ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path = "");
  ~ChildProcess();  // SIGTERM, then SIGKILL after 5 s
  bool running();
  // Reads one line from stdout; empty optional on EOF or timeout.
  std::optional<std::string> ReadStdoutLine(std::chrono::milliseconds timeout);
  void Terminate();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

int FreePort();
std::string BinDir();  // STREAMLENS_BIN_DIR
// GET http://127.0.0.1:port/path; status 0 when unreachable.
std::pair<int, std::string> HttpGet(int port, const std::string& path);
// Runs a shell command and returns (exit code, combined output).
std::pair<int, std::string> RunShell(const std::string& command);

using Labels = std::map<std::string, std::string>;
// Value of the sample `name{labels}` (labels must match exactly) in exposition text.
std::optional<double> Sample(const std::string& text, const std::string& name,
                             const Labels& labels);
// Number of samples of `name`.
size_t CountSamples(const std::string& text, const std::string& name);

}  // namespace streamlens::testing
