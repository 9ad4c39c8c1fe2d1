// streamlens-exporter: Kafka cluster state, consumer lag (messages, seconds, health) and broker
// JMX (through Jolokia) as Prometheus metrics, collected in the background.
#include <malloc.h>

#include <cstdio>

#include "common/daemon.h"
#include "common/flags.h"
#include "common/http_server.h"
#include "exporter/app/exporter_app.h"

int main(int argc, char** argv) {
  using namespace streamlens;
  // Few malloc arenas: the collector's transient per-cycle structures are built on a handful of
  // threads, and per-thread arenas would otherwise each keep their own peak resident.
  mallopt(M_ARENA_MAX, 2);
  SignalWaiter signals;  // before any thread starts
  FlagSet flags("streamlens-exporter",
                "Exports Kafka cluster state, consumer lag and broker JMX metrics to Prometheus.");
  exporter::ExporterConfig config;
  exporter::RegisterExporterFlags(flags, &config);
  ParseFlagsOrExit(flags, argc, argv);

  auto logger = MakeLogger(config.daemon);
  if (!logger.ok()) {
    std::fprintf(stderr, "streamlens-exporter: %s\n", logger.status().message().c_str());
    return 2;
  }
  auto app = exporter::ExporterApp::Create(config, *logger);
  if (!app.ok()) {
    logger->Error("invalid configuration", {{"err", app.status().message()}});
    return 2;
  }
  HttpServerOptions web;
  web.program = "streamlens-exporter";
  web.listen_address = config.daemon.listen_address;
  web.telemetry_path = config.daemon.telemetry_path;
  web.web_config_file = config.daemon.web_config_file;
  web.enable_lifecycle = config.daemon.enable_lifecycle;
  auto server = HttpServer::Create(web, *logger);
  if (!server.ok()) {
    logger->Error("invalid web configuration", {{"err", server.status().message()}});
    return 2;
  }
  (*app)->Attach(**server);
  (*app)->Start();
  if (Status s = (*server)->Start(); !s.ok()) {
    logger->Error("cannot start the web server", {{"err", s.message()}});
    (*app)->Stop();
    return 1;
  }
  logger->Info("streamlens-exporter started",
               {{"address", config.daemon.listen_address}, {"port", (*server)->port()}});
  while (signals.Wait() == SignalEvent::kReload) {
    (void)(*app)->Reload();
    if (Status s = (*server)->ReloadCertificates(); !s.ok()) {
      logger->Error("reloading TLS certificates failed, keeping the previous ones",
                    {{"err", s.message()}});
    }
  }
  logger->Info("shutting down");
  (*server)->Stop();
  (*app)->Stop();
  return 0;
}
