#include "sidecar/cli/commands.h"

#include <array>

namespace streamlens::sidecar {

// Declared here rather than in per-command headers: each is only ever called through this table.
// (Add one line per command; the command's flags and help live in its own *_command.cc.)
int RunForecastCommand(int argc, const char* const* argv);

std::span<const Subcommand> Subcommands() {
  static constexpr std::array<Subcommand, 1> kCommands = {{
      {"forecast", "forecast series from a file (M4 or timestamp,value CSV)", RunForecastCommand},
  }};
  return kCommands;
}

}  // namespace streamlens::sidecar
