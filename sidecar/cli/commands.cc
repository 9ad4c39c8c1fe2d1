#include "sidecar/cli/commands.h"

#include <array>

namespace streamlens::sidecar {

// Declared here rather than in per-command headers: each is only ever called through this table.
// (Add one line per command; the command's flags and help live in its own *_command.cc.)
int RunForecastCommand(int argc, const char* const* argv);
int RunExportCommand(int argc, const char* const* argv);
int RunDecomposeCommand(int argc, const char* const* argv);
int RunBacktestCommand(int argc, const char* const* argv);
int RunNabScoreCommand(int argc, const char* const* argv);

std::span<const Subcommand> Subcommands() {
  static constexpr std::array<Subcommand, 5> kCommands = {{
      {"forecast", "forecast series from a file (M4 or timestamp,value CSV)", RunForecastCommand},
      {"export", "write the raw history a selector matches (remote read or query API) as CSV/JSON",
       RunExportCommand},
      {"decompose", "STL/MSTL decomposition of CSV series (as R's stats::stl / forecast::mstl)",
       RunDecomposeCommand},
      {"backtest", "run an anomaly detector causally over CSV files and write NAB results",
       RunBacktestCommand},
      {"nab-score", "score NAB results files (standard, low-FP, low-FN profiles)",
       RunNabScoreCommand},
  }};
  return kCommands;
}

}  // namespace streamlens::sidecar
