// CollectionScheduler: runs each Collector in the background every interval and keeps the last
// complete snapshot of each, so a scrape never waits on Kafka or Jolokia.
//
// Each collector gets its own thread. After a successful Collect() its families are serialized
// to exposition text once (HELP gets a note that values may be up to one interval old) and
// published with an atomic shared_ptr swap; AppendText() (the HTTP server's text provider) only
// concatenates the published strings plus a few self-metrics, so a scrape costs a memcpy of the
// snapshot whatever the cluster size.
//
// Failures: a failing collector keeps its last good snapshot until it is older than
// `stale_after`, then serves nothing (so Prometheus marks the series stale rather than showing
// frozen values); other collectors are unaffected. It is retried with exponential backoff
// starting at `retry_min` and capped at the interval. Errors are logged once per state change
// (ok -> failing, failing -> recovered), not once per cycle.
//
// Self-metrics per collector: streamlens_exporter_last_collect_timestamp_seconds,
// streamlens_exporter_collect_duration_seconds, streamlens_exporter_collect_success,
// streamlens_exporter_collect_failures_total, plus an optional "up" gauge (e.g. kafka_up) that
// mirrors collect_success.
//
// Thread-safety: Add() before Start(); everything else may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "exporter/collect/collector.h"

namespace streamlens::exporter {

struct SchedulerOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  std::chrono::milliseconds retry_min{std::chrono::seconds(1)};
  // 0: three intervals.
  std::chrono::milliseconds stale_after{0};
};

struct CollectorOptions {
  std::string up_metric;  // e.g. "kafka_up"; empty: none
  std::string up_help;
};

class CollectionScheduler {
 public:
  CollectionScheduler(SchedulerOptions options, Logger logger);
  ~CollectionScheduler();  // stops the threads
  CollectionScheduler(const CollectionScheduler&) = delete;
  CollectionScheduler& operator=(const CollectionScheduler&) = delete;

  void Add(std::unique_ptr<Collector> collector, CollectorOptions options = {});

  // Starts one thread per collector; the first collection starts immediately.
  void Start();
  // Stops and joins the threads (an in-flight Collect() is allowed to finish). Idempotent.
  void Stop();
  // Runs every collector once on the calling thread (for tests and one-shot use). Returns true
  // when all succeeded. Must not be mixed with Start().
  bool CollectOnce();

  // True once the named collector has succeeded at least once.
  bool Succeeded(const std::string& name) const;
  // Appends the snapshots and the self-metrics as exposition text.
  void AppendText(std::string* out) const;

 private:
  struct Entry;
  void RunLoop(Entry* e);
  bool RunCollector(Entry* e);
  std::string SelfMetricsText() const;

  SchedulerOptions options_;
  Logger logger_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace streamlens::exporter
