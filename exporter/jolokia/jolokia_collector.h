// JolokiaCollector: broker JMX metrics through Jolokia, for the exporter's collection scheduler.
//
// Each Collect() sends one bulk POST per broker (see bulk_reply.h), all brokers in parallel (one
// thread per broker for the duration of the cycle), maps the replies through the configured rules
// (metric_mapper.h) and emits, besides the mapped series (each labelled broker="<name>"):
//   jolokia_up{broker}                                          1 if the last bulk read succeeded
//   streamlens_exporter_jolokia_scrape_duration_seconds{broker} time of the last bulk read
//   streamlens_exporter_jolokia_response_bytes{broker}          size of the last reply
//   streamlens_exporter_jolokia_skipped_attributes_total{broker,reason}
//       values not exported: unmatched (no rule), type (not numeric), duplicate, conflict, invalid
//   streamlens_exporter_jolokia_failed_reads_total{broker}      bulk elements with status != 200
//   streamlens_exporter_jolokia_failed_attributes_total{broker} attributes whose read failed
// A broker that times out or sends a non-200, cut-off or malformed reply gets jolokia_up 0 and no
// mapped series this cycle; other brokers are unaffected. Collect() returns OK even when every
// broker failed: jolokia_up{broker} is the health signal, and an error would make the scheduler
// keep serving the previous snapshot, where jolokia_up is still 1.
// Broker state changes (up/down, and the first failing read) are logged once per change.
//
// Thread-safety: Collect() must not be called concurrently with itself (scheduler contract);
// RuleHits() reads state written by Collect() and must not race with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "exporter/collect/collector.h"
#include "exporter/jolokia/config.h"
#include "exporter/jolokia/jolokia_client.h"

namespace streamlens::exporter::jolokia {

class JolokiaCollector : public Collector {
 public:
  // `clients` (one per broker, distinct names) must be non-empty.
  JolokiaCollector(std::shared_ptr<const JolokiaConfig> config,
                   std::vector<std::unique_ptr<JolokiaClient>> clients, Logger log);
  ~JolokiaCollector() override;

  std::string Name() const override { return "jolokia"; }
  Status Collect(std::vector<prometheus::MetricFamily>* out) override;

  // Per rule of the config, how many values it mapped so far, summed over brokers.
  std::vector<uint64_t> RuleHits() const;

 private:
  struct Broker;
  void CollectBroker(Broker* broker);

  std::shared_ptr<const JolokiaConfig> config_;
  std::string request_body_;
  std::vector<std::unique_ptr<Broker>> brokers_;
  Logger log_;
};

}  // namespace streamlens::exporter::jolokia
