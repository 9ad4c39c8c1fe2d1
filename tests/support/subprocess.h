// Test support for tests that cross process boundaries: start real servers (prometheus,
// alertmanager, a JVM, our daemons) on free loopback ports, run commands, wait for readiness.
//
// Subprocess owns a child process: the destructor sends SIGTERM, waits up to 5 s, then SIGKILLs,
// so a failing test never leaks servers. Output goes to a log file whose content tests can read.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
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
// RunCommand of `/bin/sh -c command` (no input).
CommandResult RunShell(const std::string& command,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

class Subprocess {
 public:
  // Which of the child's standard streams the owner holds a pipe to (bit flags).
  enum Pipes : unsigned {
    kNoPipes = 0,
    kPipeStdout = 1,  // stdout is read with ReadStdoutLine instead of going to the log
    kPipeStdin = 2,   // stdin stays open until CloseStdin (else /dev/null)
  };
  // Starts `argv` (argv[0] searched in PATH) with stdout+stderr appended to `log_path` (a temp
  // file if empty).
  explicit Subprocess(std::vector<std::string> argv, std::string log_path = "",
                      unsigned pipes = kNoPipes);
  ~Subprocess();  // Stop()
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for exit up to `timeout`; returns the exit code, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool Running();
  // SIGTERM, up to `grace` for the exit, then SIGKILL. Returns as Wait.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }
  // kPipeStdout: the next line of stdout (without the newline); nullopt on EOF or timeout.
  std::optional<std::string> ReadStdoutLine(std::chrono::milliseconds timeout);
  // kPipeStdin: closes the child's stdin (EOF for a child that waits on it).
  void CloseStdin();

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
  int stdout_fd_ = -1;
  int stdin_fd_ = -1;
  std::string stdout_buffer_;
};

// Polls `url` with curl until it returns HTTP 200 or `timeout` passes. Extra curl args optional.
bool WaitForHttp200(const std::string& url, std::chrono::milliseconds timeout,
                    const std::vector<std::string>& curl_args = {});

}  // namespace streamlens::testing
