// streamlens-exporter: Kafka cluster state, consumer lag and broker JMX as Prometheus metrics.
#include <memory>

#include "common/build_info.h"
#include "common/daemon.h"
#include "common/http_server.h"

int main(int argc, char** argv) {
  using namespace streamlens;
  SignalWaiter signals;
  DaemonFlags daemon;
  daemon.listen_address = ":9644";
  FlagSet flags("streamlens-exporter",
                "Collects Kafka cluster state, consumer-group lag and broker JMX metrics in the "
                "background and serves them on /metrics.");
  RegisterDaemonFlags(flags, &daemon);
  ParseFlagsOrExit(flags, argc, argv);
  auto logger = MakeLogger(daemon);
  if (!logger.ok()) {
    std::fprintf(stderr, "error: %s\n", logger.status().message().c_str());
    return 2;
  }
  auto process = MakeProcessCollector();
  auto server = HttpServer::Create(
      {"streamlens-exporter", daemon.listen_address, daemon.telemetry_path, daemon.web_config_file},
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
