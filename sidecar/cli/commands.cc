#include "sidecar/cli/commands.h"

#include <array>

namespace streamlens::sidecar {

// Declared here rather than in per-command headers: each is only ever called through this table.
// (Add one line per command; the command's flags and help live in its own *_command.cc.)

std::span<const Subcommand> Subcommands() {
  static constexpr std::array<Subcommand, 0> kCommands = {};
  return kCommands;
}

}  // namespace streamlens::sidecar
