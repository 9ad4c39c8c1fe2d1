// CollectionScheduler: runs each Collector in the background every interval and keeps the last
// complete snapshot of each, so a scrape never waits on Kafka or Jolokia.
//
// Each collector gets its own thread. After a successful Collect() its families are serialized
// to exposition text once (HELP gets a note that values may be up to one interval old),
// compressed once into a standalone deflate segment (gzip_stream.h, unless gzip_level is 0) and
// published as one immutable snapshot with an atomic shared_ptr swap. Body() hands a scrape the
// published snapshots by pointer plus a freshly rendered tail (self-metrics and the caller's
// extra text, a few KB), as plain text or as one gzip stream, so a scrape copies, serializes
// and compresses nothing of the snapshot whatever the cluster size.
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
#include <string_view>
#include <thread>
#include <vector>

#include "common/http_server.h"
#include "common/log.h"
#include "exporter/collect/collector.h"

namespace streamlens::exporter {

struct SchedulerOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  std::chrono::milliseconds retry_min{std::chrono::seconds(1)};
  // 0: three intervals.
  std::chrono::milliseconds stale_after{0};
  // zlib level (1-9) of the per-snapshot gzip segment served to clients that accept gzip;
  // 0: no gzip (always plain text). 1 compresses 10 MB of exposition in ~0.1 s to ~4%.
  int gzip_level = 1;
  // Labels added to every sample of every collector's snapshot and to the "up" gauges (e.g.
  // cluster="prod-eu", from --kafka.cluster-name); the scheduler's own self-metrics stay as
  // they are. Empty: none.
  std::vector<std::pair<std::string, std::string>> target_labels;
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
  // One scrape's body: the snapshots, then the self-metrics and `extra_text` (complete families
  // not in any snapshot, e.g. process metrics). A gzip stream when `gzip` is set and gzip is
  // enabled, plain text otherwise. The snapshots' bytes are shared with the body, not copied.
  SharedBody Body(bool gzip, std::string_view extra_text) const;

 private:
  struct Entry;
  struct Snapshot;
  static std::shared_ptr<const Snapshot> EmptySnapshot();
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
