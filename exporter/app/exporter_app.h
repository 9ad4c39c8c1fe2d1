// ExporterApp: streamlens-exporter's flags and object graph - the collectors (kafka, the
// end-to-end probe with --probe.enabled, and jolokia when built in and given --jolokia.url), the
// collection scheduler that runs them in the background, and their wiring into the daemon's HTTP
// server.
//
// The HTTP server serves the scheduler's last snapshots through a body provider: a scrape gets
// the pre-rendered snapshot (or its pre-compressed gzip segment) by pointer plus a few KB of
// self and process metrics rendered on the spot, so it copies nothing of the snapshot. /-/ready
// turns 200 after the first successful collection of the primary collector (kafka, or jolokia when
// kafka is disabled). Reload() (SIGHUP, POST /-/reload) re-reads the SASL/Jolokia password files,
// the Jolokia rules file, the librdkafka properties and secret files and the TLS files; when one
// changed it rebuilds the collectors and swaps them in only when that succeeds (the lag history and
// lag-health windows restart with them); when none changed the running collectors and their
// snapshot stay.
//
// Thread-safety: Create/Attach/Start/Stop from main's thread; Reload() may come from the HTTP
// server's threads or main's and is serialised internally.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "common/coalesced_call.h"
#include "common/daemon.h"
#include "common/flags.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/status.h"
#include "exporter/collect/scheduler.h"
#include "exporter/jolokia/jolokia_flags.h"
#include "exporter/kafka/kafka_options.h"
#include "exporter/probe/probe_options.h"

namespace streamlens::exporter {

// Default listen port: 9644 (kafka_exporter uses 9308; streamlens-exporter can run beside it).
inline constexpr char kDefaultListenAddress[] = ":9644";

struct ExporterConfig {
  DaemonFlags daemon;
  std::chrono::milliseconds collect_interval{std::chrono::seconds(30)};
  int64_t gzip_level = 1;  // --web.gzip-level
  bool collector_kafka = true;
  bool collector_jolokia = true;
  kafka::KafkaOptions kafka;
  probe::ProbeOptions probe;
  jolokia::JolokiaFlags jolokia;
};

// Registers every exporter flag on `flags`, bound to `config` (defaults: its current values,
// with --web.listen-address defaulting to kDefaultListenAddress).
void RegisterExporterFlags(FlagSet& flags, ExporterConfig* config);

class ExporterApp {
 public:
  // Validates the configuration and builds the collectors. Errors name the flag at fault.
  static Result<std::unique_ptr<ExporterApp>> Create(const ExporterConfig& config, Logger logger);
  ~ExporterApp();

  // Registers the snapshot body provider (which includes the process metrics), the ready check
  // and the reload handler on `server` (before server.Start()). `server` must outlive this app's
  // Stop().
  void Attach(HttpServer& server);
  void Start();
  void Stop();
  // Re-reads the files the collectors are built from (password files, Jolokia rules, TLS files);
  // when none changed, keeps the running collectors and their snapshot. Concurrent calls share
  // one reload (CoalescedCall).
  Status Reload();
  // True after the primary collector's first successful collection.
  bool Ready() const;

 private:
  ExporterApp(ExporterConfig config, Logger logger);
  Result<std::shared_ptr<CollectionScheduler>> Build() const;
  // `cluster` from --kafka.cluster-name, or none.
  std::vector<std::pair<std::string, std::string>> TargetLabels() const;
  Status ReloadNow();
  // The contents of every file Build() reads (a missing file reads as a marker).
  std::string InputsFingerprint() const;

  ExporterConfig config_;
  Logger logger_;
  std::string primary_;  // collector whose success makes us ready
  std::atomic<std::shared_ptr<CollectionScheduler>> scheduler_;
  std::shared_ptr<prometheus::Collectable> process_;
  std::mutex reload_mu_;
  bool started_ = false;
  std::string inputs_;  // InputsFingerprint() of the running collectors; guarded by reload_mu_
  CoalescedCall reloader_{[this] { return ReloadNow(); }};
};

}  // namespace streamlens::exporter
