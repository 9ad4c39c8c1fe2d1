// Test support for tests that cross process boundaries: start real servers (prometheus,
// alertmanager, a JVM, our daemons) on free loopback ports, run commands, wait for readiness.
//
// Subprocess owns a child process: the destructor sends SIGTERM, waits up to 5 s, then SIGKILLs,
// so a failing test never leaks servers. Output goes to a log file whose content tests can read.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace streamlens::testing {

// A TCP port on 127.0.0.1 that was free when asked (bound and released).
int FreePort();

// Path of a program built by this project (from STREAMLENS_BIN_DIR), or "" if unknown.
std::string BinPath(const std::string& program);
// Root of the source tree (from STREAMLENS_SOURCE_DIR).
std::string SourceDir();

// A fresh empty temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if it could not run or was killed by a signal
  std::string output;  // stdout and stderr interleaved
};
// Runs `argv` to completion (bounded by `timeout`), capturing stdout+stderr, optionally feeding
// `input`.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

class Subprocess {
 public:
  // Starts `argv` with stdout+stderr appended to `log_path` (a temp file if empty).
  explicit Subprocess(std::vector<std::string> argv, std::string log_path = "");
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for exit up to `timeout`; returns the exit code, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool Running();
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// Polls `url` with curl until it returns HTTP 200 or `timeout` passes. Extra curl args optional.
bool WaitForHttp200(const std::string& url, std::chrono::milliseconds timeout,
                    const std::vector<std::string>& curl_args = {});

}  // namespace streamlens::testing
