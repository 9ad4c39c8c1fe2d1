#include "exporter/jolokia/jolokia_collector.h"

#include <thread>

#include "exporter/jolokia/bulk_reply.h"
#include "exporter/jolokia/metric_mapper.h"

namespace streamlens::exporter::jolokia {

struct JolokiaCollector::Broker {
  std::unique_ptr<JolokiaClient> client;
  MetricMapper mapper;
  BulkReplyParser parser;
  std::string reply;  // reused buffer
  Logger log;

  // Outcome of the current cycle.
  bool up = false;
  double duration_seconds = 0;
  size_t reply_bytes = 0;
  // Cumulative.
  uint64_t failed_reads = 0;
  uint64_t failed_attributes = 0;
  // For logging once per state change.
  int last_state = -1;  // -1 unknown, 0 down, 1 up
  std::string last_error;
  bool logged_partial = false;

  Broker(std::unique_ptr<JolokiaClient> c, std::shared_ptr<const JolokiaConfig> config, Logger l)
      : client(std::move(c)), mapper(std::move(config)), log(std::move(l)) {}
};

JolokiaCollector::JolokiaCollector(std::shared_ptr<const JolokiaConfig> config,
                                   std::vector<std::unique_ptr<JolokiaClient>> clients, Logger log)
    : config_(std::move(config)), request_body_(BuildBulkRequest(*config_)), log_(std::move(log)) {
  for (auto& c : clients) {
    Logger blog = log_.With({{"collector", "jolokia"}, {"broker", c->endpoint().name}});
    brokers_.push_back(std::make_unique<Broker>(std::move(c), config_, std::move(blog)));
  }
}

JolokiaCollector::~JolokiaCollector() = default;

void JolokiaCollector::CollectBroker(Broker* b) {
  const auto start = std::chrono::steady_clock::now();
  b->mapper.BeginCycle();
  Status status = b->client->Post(request_body_, &b->reply);
  b->reply_bytes = b->reply.size();
  BulkReplyStats stats;
  if (status.ok()) {
    auto parsed = b->parser.Parse(&b->reply, *config_, &b->mapper);
    if (parsed.ok()) {
      stats = std::move(*parsed);
    } else {
      status = parsed.status().WithContext("POST " + b->client->endpoint().url);
    }
  }
  b->duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  b->up = status.ok();
  if (!b->up) {
    // A cycle cut short must not publish the values recorded before the error.
    b->mapper.DiscardCycle();
    if (b->last_state != 0 || b->last_error != status.message()) {
      b->log.Warn("jolokia read failed; broker metrics unavailable until it recovers",
                  {{"err", status.message()}});
    }
    b->last_state = 0;
    b->last_error = status.message();
    return;
  }
  b->failed_reads += stats.failed_reads;
  b->failed_attributes += stats.failed_values;
  if (b->last_state != 1) {
    b->log.Info("jolokia read succeeded",
                {{"values", stats.values}, {"duration_seconds", b->duration_seconds}});
  }
  const bool partial = stats.failed_reads + stats.failed_values > 0;
  if (partial && !b->logged_partial) {
    b->log.Warn("some Jolokia reads failed; their MBeans are skipped",
                {{"failed_reads", stats.failed_reads},
                 {"failed_attributes", stats.failed_values},
                 {"first_error", stats.first_error}});
  }
  b->logged_partial = partial;
  b->last_state = 1;
  b->last_error.clear();
}

namespace {

prometheus::ClientMetric BrokerMetric(const std::string& broker, double v,
                                      prometheus::MetricType type) {
  prometheus::ClientMetric m;
  m.label.push_back({"broker", broker});
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  return m;
}

prometheus::MetricFamily MetaFamily(std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

}  // namespace

Status JolokiaCollector::Collect(std::vector<prometheus::MetricFamily>* out) {
  if (brokers_.size() == 1) {
    CollectBroker(brokers_[0].get());
  } else {
    std::vector<std::thread> threads;
    threads.reserve(brokers_.size());
    for (auto& b : brokers_) threads.emplace_back([this, bp = b.get()] { CollectBroker(bp); });
    for (auto& t : threads) t.join();
  }

  using prometheus::MetricType;
  auto up =
      MetaFamily("jolokia_up", "1 if the last bulk Jolokia read of the broker succeeded, else 0.",
                 MetricType::Gauge);
  auto duration = MetaFamily("streamlens_exporter_jolokia_scrape_duration_seconds",
                             "Duration of the last bulk Jolokia read of the broker, including "
                             "parsing and mapping.",
                             MetricType::Gauge);
  auto bytes = MetaFamily("streamlens_exporter_jolokia_response_bytes",
                          "Size of the last Jolokia reply of the broker.", MetricType::Gauge);
  auto skipped = MetaFamily(
      "streamlens_exporter_jolokia_skipped_attributes_total",
      "MBean attribute values not exported, by reason: unmatched (no rule), type (not numeric), "
      "duplicate (series already written this cycle), conflict (name used with another type), "
      "invalid (bad name, label or quantile).",
      MetricType::Counter);
  auto failed_reads = MetaFamily("streamlens_exporter_jolokia_failed_reads_total",
                                 "Reads inside bulk Jolokia requests that returned an error "
                                 "status (e.g. 404 when no MBean matches a pattern).",
                                 MetricType::Counter);
  auto failed_attrs = MetaFamily("streamlens_exporter_jolokia_failed_attributes_total",
                                 "MBean attributes whose read failed inside the MBean (Jolokia "
                                 "returned an error in place of the value).",
                                 MetricType::Counter);

  FamilyMerger merger(out);
  for (const auto& b : brokers_) {
    const std::string& name = b->client->endpoint().name;
    up.metric.push_back(BrokerMetric(name, b->up ? 1 : 0, MetricType::Gauge));
    duration.metric.push_back(BrokerMetric(name, b->duration_seconds, MetricType::Gauge));
    bytes.metric.push_back(
        BrokerMetric(name, static_cast<double>(b->reply_bytes), MetricType::Gauge));
    const auto& sk = b->mapper.skipped();
    for (int r = 0; r < kNumSkipReasons; ++r) {
      auto m = BrokerMetric(name, static_cast<double>(sk[r]), MetricType::Counter);
      m.label.push_back({"reason", std::string(SkipReasonName(static_cast<SkipReason>(r)))});
      skipped.metric.push_back(std::move(m));
    }
    failed_reads.metric.push_back(
        BrokerMetric(name, static_cast<double>(b->failed_reads), MetricType::Counter));
    failed_attrs.metric.push_back(
        BrokerMetric(name, static_cast<double>(b->failed_attributes), MetricType::Counter));
    if (b->up) {
      b->mapper.AppendFamilies(name, &merger);
    }
  }
  for (auto* f : {&up, &duration, &bytes, &skipped, &failed_reads, &failed_attrs}) {
    out->push_back(std::move(*f));
  }
  return Status::Ok();
}

std::vector<uint64_t> JolokiaCollector::RuleHits() const {
  std::vector<uint64_t> hits(config_->rules.size(), 0);
  for (const auto& b : brokers_) {
    const auto& h = b->mapper.rule_hits();
    for (size_t i = 0; i < hits.size(); ++i) hits[i] += h[i];
  }
  return hits;
}

}  // namespace streamlens::exporter::jolokia
