// The subcommands of streamlens-sidecar (`streamlens-sidecar <command> [flags]`).
//
// Each offline command runs the same library code the daemon runs, on files or on a source URL,
// and returns a process exit code (0 success, 1 runtime failure, 2 usage error).
// Without a command, streamlens-sidecar runs as a daemon (see RunDaemon).
#pragma once

#include <span>

namespace streamlens::sidecar {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(int argc, const char* const* argv);  // argv[0] is the command name
};

// All offline subcommands, in the order --help lists them.
std::span<const Subcommand> Subcommands();

// The daemon: flags, engine, HTTP server; returns when shut down.
int RunDaemon(int argc, const char* const* argv);

}  // namespace streamlens::sidecar
