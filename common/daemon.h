// Daemon scaffolding shared by streamlens-exporter and streamlens-sidecar: the flags every
// Prometheus-style daemon has, logger construction, and signal handling.
//
// Signals: SIGTERM/SIGINT request shutdown, SIGHUP requests a reload. SignalWaiter blocks these
// in every thread (construct it in main before starting threads) and receives them with sigwait on
// the calling thread, so no async-signal-unsafe work ever runs in a handler.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/flags.h"
#include "common/http_server.h"
#include "common/log.h"

namespace streamlens {

struct DaemonFlags {
  std::string listen_address;
  std::string telemetry_path = "/metrics";
  std::string web_config_file;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool enable_lifecycle = false;  // --web.enable-lifecycle
};

// Registers --web.listen-address, --web.telemetry-path, --web.config.file,
// --web.enable-lifecycle, --log.level, --log.format.
void RegisterDaemonFlags(FlagSet& flags, DaemonFlags* values);
// Builds the logger (stderr) from the flags; error names the flag.
Result<Logger> MakeLogger(const DaemonFlags& values);

enum class SignalEvent { kShutdown, kReload };

// Ignores SIGPIPE for the whole process. OpenSSL writes to sockets with write(2), so a TLS peer
// that closes its end (a scraper that gives up, a server that rejects our client certificate)
// would otherwise kill the process; with SIGPIPE ignored the write fails with EPIPE and the
// error is handled where it happened. Every program that talks TLS calls this first.
void IgnoreBrokenPipes();

class SignalWaiter {
 public:
  // Blocks SIGTERM, SIGINT, SIGHUP for this thread and threads created after, and calls
  // IgnoreBrokenPipes().
  SignalWaiter();
  // Waits for the next signal.
  SignalEvent Wait();
};

}  // namespace streamlens
