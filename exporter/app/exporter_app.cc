#include "exporter/app/exporter_app.h"

#include <prometheus/text_serializer.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "common/build_info.h"
#include "exporter/kafka/kafka_collector.h"
#include "exporter/probe/end_to_end_probe.h"

namespace streamlens::exporter {

void RegisterExporterFlags(FlagSet& flags, ExporterConfig* c) {
  if (c->daemon.listen_address.empty()) c->daemon.listen_address = kDefaultListenAddress;
  RegisterDaemonFlags(flags, &c->daemon);
  flags.Duration("collect.interval", &c->collect_interval,
                 "How often the collectors run in the background; scrapes serve the last "
                 "complete collection.");
  flags.Bool("collector.kafka", &c->collector_kafka,
             "Collect cluster state and consumer lag through librdkafka.");
  flags.Bool("collector.jolokia", &c->collector_jolokia,
             "Collect broker JMX metrics through Jolokia (needs --jolokia.url).");
  flags.Int(
      "web.gzip-level", &c->gzip_level,
      "zlib level (1-9) of the gzip copy of each snapshot, compressed once per collection and "
      "served to scrapers that send Accept-Encoding: gzip (Prometheus does); 0 serves plain "
      "text only.");
  kafka::RegisterKafkaFlags(flags, &c->kafka);
  probe::RegisterProbeFlags(flags, &c->probe);
  jolokia::RegisterJolokiaFlags(flags, &c->jolokia);
}

ExporterApp::ExporterApp(ExporterConfig config, Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)) {}

ExporterApp::~ExporterApp() { Stop(); }

std::vector<std::pair<std::string, std::string>> ExporterApp::TargetLabels() const {
  if (config_.kafka.cluster_name.empty()) return {};
  return {{"cluster", config_.kafka.cluster_name}};
}

Result<std::shared_ptr<CollectionScheduler>> ExporterApp::Build() const {
  if (config_.collect_interval < std::chrono::milliseconds(100)) {
    return Status::Error("--collect.interval: expected at least 100ms, got " +
                         FormatDuration(config_.collect_interval));
  }
  if (config_.gzip_level < 0 || config_.gzip_level > 9) {
    return Status::Error("--web.gzip-level: expected 0 (off) to 9, got " +
                         std::to_string(config_.gzip_level));
  }
  auto scheduler = std::make_shared<CollectionScheduler>(
      SchedulerOptions{.interval = config_.collect_interval,
                       .gzip_level = static_cast<int>(config_.gzip_level),
                       .target_labels = TargetLabels()},
      logger_);
  int collectors = 0;
  if (config_.collector_kafka) {
    kafka::KafkaCollectorOptions ko;
    ko.kafka = config_.kafka;
    ko.min_stop_seconds = 3 * std::chrono::duration<double>(config_.collect_interval).count();
    auto k = kafka::KafkaCollector::Create(std::move(ko), logger_);
    if (!k.ok()) return k.status();
    scheduler->Add(
        std::move(*k),
        {"kafka_up", "1 if the last collection could read the Kafka cluster's metadata."});
    ++collectors;
  }
  if (config_.probe.enabled) {
    auto kc = kafka::ToRdkafkaConfig(config_.kafka);
    if (!kc.ok()) return kc.status();
    auto p = probe::EndToEndProbe::Create(config_.probe, *kc, logger_);
    if (!p.ok()) return p.status();
    scheduler->Add(std::move(*p));
  }
  if (config_.collector_jolokia && !config_.jolokia.urls.empty()) {
    auto j = jolokia::MakeJolokiaCollector(config_.jolokia, logger_);
    if (!j.ok()) return j.status();
    scheduler->Add(std::move(*j));
    ++collectors;
  }
  if (collectors == 0) {
    return Status::Error(
        "no collector enabled: keep --collector.kafka or give --jolokia.url with "
        "--collector.jolokia");
  }
  return scheduler;
}

Result<std::unique_ptr<ExporterApp>> ExporterApp::Create(const ExporterConfig& config,
                                                         Logger logger) {
  std::unique_ptr<ExporterApp> app(new ExporterApp(config, std::move(logger)));
  auto s = app->Build();
  if (!s.ok()) return s.status();
  app->scheduler_.store(*s);
  app->inputs_ = app->InputsFingerprint();
  app->primary_ = config.collector_kafka ? "kafka" : "jolokia";
  app->process_ = MakeProcessCollector();
  return app;
}

void ExporterApp::Attach(HttpServer& server) {
  server.SetMetricsBodyProvider([this](bool gzip) {
    const std::string process = prometheus::TextSerializer().Serialize(process_->Collect());
    return scheduler_.load()->Body(gzip, process);
  });
  server.SetReadyCheck([this] { return Ready(); });
  server.SetReloadHandler([this] { return Reload(); });
}

void ExporterApp::Start() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  scheduler_.load()->Start();
  started_ = true;
}

void ExporterApp::Stop() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  if (!started_) return;
  scheduler_.load()->Stop();
  started_ = false;
}

bool ExporterApp::Ready() const { return scheduler_.load()->Succeeded(primary_); }

Status ExporterApp::Reload() { return reloader_.Run(); }

std::string ExporterApp::InputsFingerprint() const {
  std::vector<std::string> files = {config_.kafka.sasl_password_file, config_.kafka.tls_ca_file,
                                    config_.kafka.tls_cert_file, config_.kafka.tls_key_file,
                                    config_.kafka.config_file};
  for (const auto& secret : config_.kafka.config_secrets) {  // KEY=FILE
    const size_t eq = secret.find('=');
    if (eq != std::string::npos) files.push_back(secret.substr(eq + 1));
  }
  for (const auto* f : {&config_.jolokia.password_file, &config_.jolokia.tls_ca_file,
                        &config_.jolokia.tls_cert_file, &config_.jolokia.tls_key_file,
                        &config_.jolokia.config_file}) {
    files.push_back(*f);
  }
  std::string out;
  for (const auto& f : files) {
    out += f + '\0';
    if (f.empty()) continue;
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      out += "<missing>";
      continue;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out += std::to_string(ss.str().size()) + ':' + ss.str();
  }
  return out;
}

Status ExporterApp::ReloadNow() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  std::string inputs = InputsFingerprint();
  if (inputs == inputs_) {
    logger_.Info("reload: no input changed, keeping the running collectors");
    return Status::Ok();
  }
  auto s = Build();
  if (!s.ok()) {
    logger_.Error("reload failed; keeping the running collectors", {{"err", s.status().message()}});
    return s.status();
  }
  std::shared_ptr<CollectionScheduler> old = scheduler_.load();
  if (started_) {
    old->Stop();
    (*s)->Start();
  }
  scheduler_.store(*s);
  inputs_ = std::move(inputs);
  logger_.Info("reloaded collectors");
  return Status::Ok();
}

}  // namespace streamlens::exporter
