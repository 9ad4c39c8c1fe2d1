// streamlens-sidecar: reads metric history, runs the analyses, republishes the results.
// `streamlens-sidecar <command> ...` runs an offline command; without one it runs the daemon.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "common/daemon.h"
#include "sidecar/cli/commands.h"

int main(int argc, char** argv) {
  using streamlens::sidecar::Subcommands;
  streamlens::IgnoreBrokenPipes();  // offline commands read remote-read sources over TLS too
  if (argc > 1 && argv[1][0] != '-') {
    for (const auto& cmd : Subcommands()) {
      if (std::string_view(argv[1]) == cmd.name) return cmd.run(argc - 1, argv + 1);
    }
    std::fprintf(stderr, "error: unknown command \"%s\"; commands:\n", argv[1]);
    for (const auto& cmd : Subcommands())
      std::fprintf(stderr, "  %-12s %s\n", cmd.name, cmd.summary);
    std::fprintf(stderr, "run without a command (see --help) to start the daemon\n");
    return 2;
  }
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "usage: streamlens-sidecar <command> [flags]   (offline commands)\n"
        "       streamlens-sidecar [flags]             (daemon)\n\nCommands:\n");
    for (const auto& cmd : Subcommands()) std::printf("  %-12s %s\n", cmd.name, cmd.summary);
    std::printf("\nDaemon flags:\n");
  }
  return streamlens::sidecar::RunDaemon(argc, argv);
}
