// The streamlens-sidecar daemon: flags, config, engine, HTTP server (/metrics, JSON API),
// reload on SIGHUP and POST /-/reload, state saved on shutdown.
#include "common/daemon.h"

#include <prometheus/text_serializer.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "common/build_info.h"
#include "common/cancel_token.h"
#include "common/coalesced_call.h"
#include "common/http_server.h"
#include "sidecar/cli/commands.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/engine.h"
#include "sidecar/publish/json_api.h"
#include "sidecar/publish/results_collector.h"

namespace streamlens::sidecar {
namespace {

struct SidecarFlags {
  std::string config_file;
  std::string remote_read_url;
  std::string query_range_url;
  std::string victoria_export_url;
  int64_t workers = 0;
  std::string storage_path;
  int64_t shard_count = 1;
  int64_t shard_index = 0;
  int64_t fit_batch = 500;
  double refit_budget = 0.25;
  int64_t gzip_level = 1;
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(30)};
};

// Builds the engine config from the flags: the config file if given (with the flag's URL as the
// "default" source when the file has no sources), else the built-in job set for
// streamlens-exporter's metrics reading from the flag's URL.
Result<std::shared_ptr<const engine::EngineConfig>> BuildConfig(const SidecarFlags& f) {
  // The first source flag given, in --help order.
  const std::pair<const std::string&, const char*> flag_sources[] = {
      {f.remote_read_url, "remote-read"},
      {f.query_range_url, "query-range"},
      {f.victoria_export_url, "victoriametrics-export"}};
  std::string url, type;
  for (const auto& [flag_url, flag_type] : flag_sources) {
    if (url.empty() && !flag_url.empty()) {
      url = flag_url;
      type = flag_type;
    }
  }
  engine::EngineConfig c;
  if (!f.config_file.empty()) {
    auto loaded = engine::LoadConfig(f.config_file);
    if (!loaded.ok()) return loaded.status();
    c = std::move(*loaded);
    if (c.sources.empty() && !url.empty()) {
      engine::SourceConfig s;
      s.name = "default";
      s.type = type;
      s.url = url;
      c.sources.push_back(s);
    }
    if (c.jobs.empty()) {
      return Status::Error(f.config_file +
                           ": no jobs configured (remove --config.file to run the "
                           "built-in job set)");
    }
  } else {
    if (url.empty()) {
      return Status::Error(
          "no source: pass --remote-read.url (e.g. http://prometheus:9090/api/v1/read), "
          "--query-range.url or --victoriametrics-export.url (e.g. http://victoriametrics:8428) "
          "or --config.file");
    }
    c = engine::DefaultConfig(url, type);
  }
  STREAMLENS_RETURN_IF_ERROR(engine::ValidateConfig(c));
  return std::shared_ptr<const engine::EngineConfig>(
      std::make_shared<engine::EngineConfig>(std::move(c)));
}

// Stops serving and the engine within `timeout`: in-flight fetches are cancelled at once (their
// sockets shut down), running cycles end, every job's state is saved. If that takes longer (a fit
// that cannot be interrupted), the process exits with code 1 at the timeout, logging which.
int ShutDown(HttpServer& server, engine::Engine& eng, CancelToken& cancel,
             std::chrono::milliseconds timeout, const Logger& logger) {
  logger.Info("shutting down", {{"timeout", FormatDuration(timeout)}});
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, timeout, [&] { return done; })) {
      logger.Error(
          "shutdown did not finish within --shutdown.timeout; exiting without saving "
          "the state of jobs still running",
          {{"timeout", FormatDuration(timeout)}});
      std::_Exit(1);
    }
  });
  cancel.Cancel();
  server.Stop();
  eng.Stop();  // waits for running cycles (their fetches now fail at once) and saves state
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  logger.Info("state saved, exiting");
  return 0;
}

// The sidecar's own flags (the shared daemon flags come from RegisterDaemonFlags).
void RegisterSidecarFlags(FlagSet& flags, SidecarFlags* f) {
  flags.String("config.file", &f->config_file,
               "YAML job configuration (docs/sidecar-config.md). Without it, the built-in job set "
               "for streamlens-exporter's metrics runs against --remote-read.url.");
  flags.String("remote-read.url", &f->remote_read_url,
               "Remote-read endpoint, e.g. http://prometheus:9090/api/v1/read (the \"default\" "
               "source).");
  flags.String("query-range.url", &f->query_range_url,
               "Prometheus-compatible query API base URL (VictoriaMetrics, ...), used when "
               "--remote-read.url is not given.");
  flags.String("victoriametrics-export.url", &f->victoria_export_url,
               "VictoriaMetrics base URL (e.g. http://victoriametrics:8428) read through its "
               "export API (/api/v1/export: the stored samples, faster than "
               "--query-range.url), used when neither --remote-read.url nor --query-range.url "
               "is given.");
  flags.Int("workers", &f->workers, "Worker threads for the analyses (0: number of cores).");
  flags.String("storage.path", &f->storage_path,
               "Folder for fitted models and recent windows, so a restart resumes without "
               "refitting (empty: no persistence).");
  flags.Int("shard.count", &f->shard_count,
            "Number of sidecars sharing the series (hashmod of the label set).");
  flags.Int("shard.index", &f->shard_index, "This sidecar's shard, 0 <= index < shard.count.");
  flags.Int("fit.batch", &f->fit_batch,
            "Fits fetch the fit window of at most this many series at a time, so a fit holds "
            "one batch of history per running cycle whatever the number of series.");
  flags.Double("fit.refit-budget", &f->refit_budget,
               "Share (0-1) of its infer_every a job's cycle may spend on scheduled full refits; "
               "due refits beyond it wait for the next cycle (one batch runs per cycle).");
  flags.Duration("shutdown.timeout", &f->shutdown_timeout,
                 "On SIGTERM/SIGINT: in-flight fetches are cancelled, running cycles end and state "
                 "is saved within this time, else the process exits with code 1.");
  flags.Int("web.gzip-level", &f->gzip_level,
            "zlib level (1-9) of the gzip copy of each job's results, compressed once per job "
            "cycle and served to scrapers that send Accept-Encoding: gzip (Prometheus does); 0 "
            "serves plain text only.");
}

// Range checks of the numeric flags; the error names the flag.
Status CheckSidecarFlags(const SidecarFlags& f) {
  auto str = [](int64_t v) { return std::to_string(v); };
  if (f.shard_count < 1 || f.shard_index < 0 || f.shard_index >= f.shard_count) {
    return Status::Error("--shard.index: expected 0 <= index < --shard.count (" +
                         str(f.shard_count) + "), got " + str(f.shard_index));
  }
  if (f.fit_batch < 1 || f.fit_batch > 10000000) {
    return Status::Error("--fit.batch: expected 1..10000000, got " + str(f.fit_batch));
  }
  if (!(f.refit_budget >= 0 && f.refit_budget <= 1)) {
    return Status::Error("--fit.refit-budget: expected 0 to 1, got " +
                         std::to_string(f.refit_budget));
  }
  if (f.gzip_level < 0 || f.gzip_level > 9) {
    return Status::Error("--web.gzip-level: expected 0 (off) to 9, got " + str(f.gzip_level));
  }
  if (f.workers < 0 || f.workers > 1024) {
    return Status::Error("--workers: expected 0..1024, got " + str(f.workers));
  }
  return Status::Ok();
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int RunDaemon(int argc, const char* const* argv) {
  SignalWaiter signals;
  DaemonFlags daemon;
  daemon.listen_address = ":9645";
  SidecarFlags sf;
  FlagSet flags("streamlens-sidecar",
                "Reads metric history from Prometheus, runs anomaly detection, forecasting and "
                "root-cause analyses, and serves the results on /metrics.");
  RegisterDaemonFlags(flags, &daemon);
  RegisterSidecarFlags(flags, &sf);
  ParseFlagsOrExit(flags, argc, argv);
  auto logger = MakeLogger(daemon);
  if (!logger.ok()) {
    std::fprintf(stderr, "error: %s\n", logger.status().message().c_str());
    return 2;
  }
  if (Status st = CheckSidecarFlags(sf); !st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return 2;
  }
  auto config = BuildConfig(sf);
  if (!config.ok()) {
    logger->Error("invalid configuration", {{"err", config.status().message()}});
    return 2;
  }

  engine::EngineOptions eo;
  eo.workers = static_cast<size_t>(sf.workers);
  eo.storage_path = sf.storage_path;
  eo.shard = {static_cast<uint32_t>(sf.shard_count), static_cast<uint32_t>(sf.shard_index)};
  eo.fit_batch = static_cast<int>(sf.fit_batch);
  eo.refit_budget = sf.refit_budget;
  // Cancelled at shutdown: interrupts every source's in-flight fetch.
  auto cancel = std::make_shared<CancelToken>();
  auto eng = std::make_shared<engine::Engine>(
      eo, [cancel](const engine::SourceConfig& c) { return engine::MakeRemoteSource(c, cancel); },
      engine::MakeDefaultAnalysisFactory(), *logger);
  if (Status st = eng->Apply(*config); !st.ok()) {
    logger->Error("invalid configuration", {{"err", st.message()}});
    return 2;
  }

  auto results = std::make_shared<publish::ResultsCollector>([eng] { return eng->Results(); },
                                                             [eng] { return eng->GetStatus(); },
                                                             static_cast<int>(sf.gzip_level));
  results->SetReloadResult(true, UnixNow());
  // SIGHUP and POST /-/reload may arrive together: concurrent reloads share one run.
  CoalescedCall reloader([&]() -> Status {
    auto c = BuildConfig(sf);
    Status st = c.ok() ? eng->Apply(*c) : c.status();
    results->SetReloadResult(st.ok(), UnixNow());
    if (st.ok()) {
      logger->Info("configuration reloaded",
                   {{"jobs", static_cast<unsigned long>((*c)->jobs.size())}});
    } else {
      logger->Error("reload failed, keeping the running configuration", {{"err", st.message()}});
    }
    return st;
  });

  auto process = MakeProcessCollector();
  HttpServerOptions web;
  web.program = "streamlens-sidecar";
  web.listen_address = daemon.listen_address;
  web.telemetry_path = daemon.telemetry_path;
  web.web_config_file = daemon.web_config_file;
  web.enable_lifecycle = daemon.enable_lifecycle;
  auto server = HttpServer::Create(web, *logger);
  if (!server.ok()) {
    logger->Error("invalid web configuration", {{"err", server.status().message()}});
    return 2;
  }
  // Scrapes are served from the results' prepared pieces; only the self and process metrics
  // are rendered per scrape.
  (*server)->SetMetricsBodyProvider([results, process](bool gzip) {
    return results->Body(gzip, prometheus::TextSerializer().Serialize(process->Collect()));
  });
  (*server)->SetReadyCheck([eng] { return eng->Ready(); });
  (*server)->SetReloadHandler([&reloader] { return reloader.Run(); });
  publish::RegisterJsonApi(**server, [eng] { return eng->Results(); });
  if (Status st = (*server)->Start(); !st.ok()) {
    logger->Error("cannot start", {{"err", st.message()}});
    return 1;
  }
  eng->Start();
  logger->Info("started",
               {{"version", Version()},
                {"revision", Revision()},
                {"config", (*config)->origin},
                {"jobs", static_cast<unsigned long>((*config)->jobs.size())},
                {"shard", std::to_string(sf.shard_index) + "/" + std::to_string(sf.shard_count)},
                {"port", (*server)->port()}});
  while (signals.Wait() != SignalEvent::kShutdown) {
    logger->Info("reload requested (SIGHUP)");
    (void)reloader.Run();
    if (Status s = (*server)->ReloadCertificates(); !s.ok()) {
      logger->Error("reloading TLS certificates failed, keeping the previous ones",
                    {{"err", s.message()}});
    }
  }
  return ShutDown(**server, *eng, *cancel, sf.shutdown_timeout, *logger);
}

}  // namespace streamlens::sidecar
