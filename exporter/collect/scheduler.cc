#include "exporter/collect/scheduler.h"

#include <malloc.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>

#include "common/exposition.h"
#include "common/gzip_stream.h"

namespace streamlens::exporter {

namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string IntervalText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

// One collector's last published collection: exposition text and its deflate segment.
struct CollectionScheduler::Snapshot {
  std::shared_ptr<const std::string> text;
  DeflateSegment gzip;  // empty when gzip is off or the text is empty
};

std::shared_ptr<const CollectionScheduler::Snapshot> CollectionScheduler::EmptySnapshot() {
  auto s = std::make_shared<Snapshot>();
  s->text = std::make_shared<const std::string>();
  return s;
}

struct CollectionScheduler::Entry {
  std::unique_ptr<Collector> collector;
  CollectorOptions options;
  std::string name;
  bool labels_applied = true;  // the collector renders target_labels itself (or there are none)
  // Published snapshot; replaced atomically, never modified.
  std::atomic<std::shared_ptr<const Snapshot>> snapshot;
  // Self-metrics, guarded by stats_mu.
  mutable std::mutex stats_mu;
  double last_success_time = 0;  // wall clock seconds of the last successful collection
  double last_duration = 0;
  bool last_ok = false;
  bool attempted = false;
  uint64_t failures = 0;
  std::atomic<bool> ever_succeeded{false};
  // Owned by the collector's thread.
  int consecutive_failures = 0;
};

CollectionScheduler::CollectionScheduler(SchedulerOptions options, Logger logger)
    : options_(options), logger_(std::move(logger)) {
  if (options_.stale_after.count() <= 0) options_.stale_after = options_.interval * 3;
}

CollectionScheduler::~CollectionScheduler() { Stop(); }

void CollectionScheduler::Add(std::unique_ptr<Collector> collector, CollectorOptions options) {
  auto e = std::make_unique<Entry>();
  e->name = collector->Name();
  e->labels_applied =
      options_.target_labels.empty() || collector->ApplyTargetLabels(options_.target_labels);
  e->collector = std::move(collector);
  e->options = std::move(options);
  e->snapshot.store(EmptySnapshot());
  entries_.push_back(std::move(e));
}

bool CollectionScheduler::RunCollector(Entry* e) {
  const std::string note = " (collected in the background every " +
                           IntervalText(options_.interval) +
                           "; values may be up to one interval old)";
  auto rendered = std::make_shared<std::string>();
  const auto start = std::chrono::steady_clock::now();
  Status status;
  try {
    status = e->collector->CollectText(note, rendered.get());
  } catch (const std::exception& ex) {
    status = Status::Error(std::string("collector threw: ") + ex.what());
  } catch (...) {
    status = Status::Error("collector threw an unknown exception");
  }
  const double now = NowSeconds();
  const Logger log = logger_.With({{"collector", e->name}});

  if (status.ok() && !e->labels_applied) {
    auto labelled = std::make_shared<std::string>();
    AppendWithLabels(*rendered, options_.target_labels, labelled.get());
    rendered = std::move(labelled);
  }
  if (status.ok()) {
    // Trimmed to size when it wastes much (the snapshot lives for a whole interval); collectors
    // that size their output exactly skip the copy.
    if (rendered->capacity() - rendered->size() > rendered->size() / 16) rendered->shrink_to_fit();
    auto snapshot = std::make_shared<Snapshot>();
    if (options_.gzip_level > 0 && !rendered->empty()) {
      snapshot->gzip = DeflateSegmentOf(*rendered, options_.gzip_level);
    }
    snapshot->text = std::move(rendered);
    e->snapshot.store(std::move(snapshot));
    e->ever_succeeded.store(true);
    // Collections build and free large transient structures; hand the freed pages back so the
    // resident size reflects the snapshot, not the peak of the last cycle.
    malloc_trim(0);
  } else {
    rendered.reset();
    std::lock_guard<std::mutex> lock(e->stats_mu);
    if (e->last_success_time > 0 &&
        now - e->last_success_time > std::chrono::duration<double>(options_.stale_after).count()) {
      e->snapshot.store(EmptySnapshot());
    }
  }

  // The cycle's duration includes serializing the snapshot.
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool was_ok, was_attempted;
  {
    std::lock_guard<std::mutex> lock(e->stats_mu);
    was_ok = e->last_ok;
    was_attempted = e->attempted;
    e->attempted = true;
    e->last_ok = status.ok();
    e->last_duration = duration;
    if (status.ok()) {
      e->last_success_time = now;
    } else {
      ++e->failures;
    }
  }
  if (status.ok()) {
    if (was_attempted && !was_ok) {
      log.Info("collection recovered", {{"duration_seconds", duration}});
    } else if (!was_attempted) {
      log.Info("first collection finished", {{"duration_seconds", duration}});
    } else {
      log.Debug("collection finished", {{"duration_seconds", duration}});
    }
  } else if (!was_attempted || was_ok) {
    log.Error("collection failed; keeping the last snapshot and retrying with backoff",
              {{"err", status.message()}});
  } else {
    log.Debug("collection still failing", {{"err", status.message()}});
  }
  return status.ok();
}

void CollectionScheduler::RunLoop(Entry* e) {
  for (;;) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = RunCollector(e);
    std::chrono::milliseconds delay = options_.interval;
    if (ok) {
      e->consecutive_failures = 0;
    } else {
      ++e->consecutive_failures;
      const int shift = std::min(e->consecutive_failures - 1, 20);
      delay = std::min(options_.interval, options_.retry_min * (int64_t{1} << shift));
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_until(lock, start + delay, [this] { return stopping_; })) return;
  }
}

void CollectionScheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  for (auto& e : entries_) {
    Entry* raw = e.get();
    threads_.emplace_back([this, raw] { RunLoop(raw); });
  }
}

void CollectionScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool CollectionScheduler::CollectOnce() {
  bool all = true;
  for (auto& e : entries_) all &= RunCollector(e.get());
  return all;
}

bool CollectionScheduler::Succeeded(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e->name == name) return e->ever_succeeded.load();
  }
  return false;
}

std::string CollectionScheduler::SelfMetricsText() const {
  std::vector<prometheus::MetricFamily> fams(4);
  fams[0] = {"streamlens_exporter_last_collect_timestamp_seconds",
             "Unix time of the collector's last successful collection.",
             prometheus::MetricType::Gauge,
             {}};
  fams[1] = {"streamlens_exporter_collect_duration_seconds",
             "Duration of the collector's last collection attempt, including serializing and "
             "compressing its snapshot.",
             prometheus::MetricType::Gauge,
             {}};
  fams[2] = {"streamlens_exporter_collect_success",
             "Whether the collector's last collection attempt succeeded (1) or failed (0).",
             prometheus::MetricType::Gauge,
             {}};
  fams[3] = {"streamlens_exporter_collect_failures_total",
             "Failed collection attempts since the exporter started.",
             prometheus::MetricType::Counter,
             {}};
  for (const auto& e : entries_) {
    std::lock_guard<std::mutex> lock(e->stats_mu);
    prometheus::ClientMetric m;
    m.label = {{"collector", e->name}};
    if (e->last_success_time > 0) {
      m.gauge.value = e->last_success_time;
      fams[0].metric.push_back(m);
    }
    if (e->attempted) {
      m.gauge.value = e->last_duration;
      fams[1].metric.push_back(m);
      m.gauge.value = e->last_ok ? 1 : 0;
      fams[2].metric.push_back(m);
    }
    m.counter.value = static_cast<double>(e->failures);
    fams[3].metric.push_back(m);
    if (!e->options.up_metric.empty() && e->attempted) {
      prometheus::MetricFamily up{e->options.up_metric,
                                  e->options.up_help.empty()
                                      ? "Whether the last collection from the source succeeded."
                                      : e->options.up_help,
                                  prometheus::MetricType::Gauge,
                                  {}};
      prometheus::ClientMetric u;
      for (const auto& [name, value] : options_.target_labels) u.label.push_back({name, value});
      u.gauge.value = e->last_ok ? 1 : 0;
      up.metric.push_back(u);
      fams.push_back(std::move(up));
    }
  }
  std::erase_if(fams, [](const prometheus::MetricFamily& f) { return f.metric.empty(); });
  return prometheus::TextSerializer().Serialize(fams);
}

void CollectionScheduler::AppendText(std::string* out) const {
  std::vector<std::shared_ptr<const Snapshot>> parts;
  size_t total = 0;
  for (const auto& e : entries_) {
    parts.push_back(e->snapshot.load());
    total += parts.back()->text->size();
  }
  const std::string self = SelfMetricsText();
  out->reserve(out->size() + total + self.size());
  for (const auto& p : parts) out->append(*p->text);
  out->append(self);
}

SharedBody CollectionScheduler::Body(bool gzip, std::string_view extra_text) const {
  std::vector<std::shared_ptr<const Snapshot>> snaps;
  snaps.reserve(entries_.size());
  bool compressed = gzip && options_.gzip_level > 0;
  for (const auto& e : entries_) {
    snaps.push_back(e->snapshot.load());
    const Snapshot& s = *snaps.back();
    if (!s.text->empty() && !s.gzip.bytes) compressed = false;
  }
  std::string tail = SelfMetricsText();
  tail.append(extra_text);
  SharedBody body;
  if (compressed) {
    std::vector<const DeflateSegment*> segments;
    for (const auto& s : snaps) segments.push_back(&s->gzip);
    // The segments' byte strings are owned by their snapshots (held by the body's pieces).
    body.pieces = AssembleGzip(segments, tail, options_.gzip_level);
    if (!body.pieces.empty()) {
      body.content_encoding = "gzip";
      return body;
    }
  }
  for (const auto& s : snaps) {
    if (s->text->empty()) continue;
    // Aliasing pointer: keeps the snapshot alive while the body is being written.
    body.pieces.push_back(std::shared_ptr<const std::string>(s, s->text.get()));
  }
  body.pieces.push_back(std::make_shared<const std::string>(std::move(tail)));
  return body;
}

}  // namespace streamlens::exporter
