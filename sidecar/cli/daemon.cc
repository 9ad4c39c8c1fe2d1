// The streamlens-sidecar daemon: flags, HTTP server, signals.
#include "common/daemon.h"

#include <cstdio>
#include <memory>

#include "common/build_info.h"
#include "common/http_server.h"
#include "sidecar/cli/commands.h"

namespace streamlens::sidecar {

int RunDaemon(int argc, const char* const* argv) {
  SignalWaiter signals;
  DaemonFlags daemon;
  daemon.listen_address = ":9645";
  FlagSet flags("streamlens-sidecar",
                "Reads metric history from Prometheus, runs anomaly detection, forecasting and "
                "root-cause analyses, and serves the results on /metrics.");
  RegisterDaemonFlags(flags, &daemon);
  ParseFlagsOrExit(flags, argc, argv);
  auto logger = MakeLogger(daemon);
  if (!logger.ok()) {
    std::fprintf(stderr, "error: %s\n", logger.status().message().c_str());
    return 2;
  }
  auto process = MakeProcessCollector();
  auto server = HttpServer::Create(
      {"streamlens-sidecar", daemon.listen_address, daemon.telemetry_path, daemon.web_config_file},
      *logger);
  if (!server.ok()) {
    logger->Error("cannot start", {{"err", server.status().message()}});
    return 1;
  }
  (*server)->AddCollectable(process);
  if (Status st = (*server)->Start(); !st.ok()) {
    logger->Error("cannot start", {{"err", st.message()}});
    return 1;
  }
  logger->Info("started", {{"version", Version()}, {"revision", Revision()}});
  while (signals.Wait() != SignalEvent::kShutdown) logger->Info("reload requested");
  logger->Info("shutting down");
  (*server)->Stop();
  return 0;
}

}  // namespace streamlens::sidecar
