#include "common/daemon.h"

#include <signal.h>

#include <csignal>
#include <iostream>

namespace streamlens {

void RegisterDaemonFlags(FlagSet& flags, DaemonFlags* values) {
  flags.String("web.listen-address", &values->listen_address,
               "Address to listen on for the web interface and telemetry (host:port or :port).");
  flags.String("web.telemetry-path", &values->telemetry_path,
               "Path under which to expose metrics.");
  flags.String("web.config.file", &values->web_config_file,
               "Path to a web configuration file (exporter-toolkit format) enabling TLS and/or "
               "basic authentication. Empty: plain HTTP without authentication.");
  flags.Bool("web.enable-lifecycle", &values->enable_lifecycle,
             "Enable reloading the configuration through HTTP (POST /-/reload). Off: only SIGHUP "
             "reloads, and POST /-/reload answers 403, as in Prometheus.");
  flags.String("log.level", &values->log_level,
               "Only log messages with the given severity or above: debug, info, warn, error.");
  flags.String("log.format", &values->log_format, "Output format of log messages: logfmt, json.");
}

Result<Logger> MakeLogger(const DaemonFlags& values) {
  auto level = ParseLogLevel(values.log_level);
  if (!level.ok()) return level.status().WithContext("flag --log.level");
  auto format = ParseLogFormat(values.log_format);
  if (!format.ok()) return format.status().WithContext("flag --log.format");
  return Logger(&std::cerr, *level, *format);
}

namespace {

sigset_t DaemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void IgnoreBrokenPipes() { std::signal(SIGPIPE, SIG_IGN); }

SignalWaiter::SignalWaiter() {
  IgnoreBrokenPipes();
  sigset_t set = DaemonSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalEvent SignalWaiter::Wait() {
  sigset_t set = DaemonSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) return SignalEvent::kReload;
    return SignalEvent::kShutdown;
  }
}

}  // namespace streamlens
