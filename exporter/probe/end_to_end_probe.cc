#include "exporter/probe/end_to_end_probe.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <random>
#include <set>

#include "exporter/kafka/rdkafka_conf.h"

namespace streamlens::exporter::probe {

namespace {

constexpr char kPayloadPrefix[] = "streamlens-probe:";

// Consumer-only properties librdkafka would warn about on the producer, and vice versa.
const std::set<std::string> kConsumerOnly = {"isolation.level", "enable.auto.commit"};

std::string Payload(uint64_t instance, uint64_t seq) {
  return kPayloadPrefix + std::to_string(instance) + ":" + std::to_string(seq);
}

// The sequence number of one of this instance's messages, or 0.
uint64_t ParsePayload(const void* data, size_t len, uint64_t instance) {
  const std::string_view p(static_cast<const char*>(data), data ? len : 0);
  const std::string want = kPayloadPrefix + std::to_string(instance) + ":";
  if (p.substr(0, want.size()) != want) return 0;
  uint64_t seq = 0;
  for (char ch : p.substr(want.size())) {
    if (ch < '0' || ch > '9') return 0;
    seq = seq * 10 + static_cast<uint64_t>(ch - '0');
  }
  return seq;
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

}  // namespace

struct EndToEndProbe::Handles {
  // Each handle's opaque (configuration, logging, OIDC); `user` is the probe.
  std::unique_ptr<kafka::RdkafkaSetup> producer_setup, consumer_setup;
  rd_kafka_t* producer = nullptr;
  rd_kafka_t* consumer = nullptr;
  rd_kafka_topic_t* topic = nullptr;  // producer's handle, for metadata
  ~Handles() {
    if (topic) rd_kafka_topic_destroy(topic);
    if (producer) {
      rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_flush(producer, 1000);
      rd_kafka_destroy(producer);
    }
    if (consumer) {
      rd_kafka_consumer_close(consumer);
      rd_kafka_destroy(consumer);
    }
  }
};

struct ProbeCallbacks {
  static EndToEndProbe* Probe(void* opaque) {
    return static_cast<EndToEndProbe*>(static_cast<kafka::RdkafkaSetup*>(opaque)->user);
  }
  static void Delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    Probe(opaque)->OnDelivery(reinterpret_cast<uint64_t>(m->_private),
                              m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  static void Commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*,
                     void* opaque) {
    EndToEndProbe* self = Probe(opaque);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->logger_.Debug("probe offset commit failed", {{"err", rd_kafka_err2str(err)}});
    }
    self->OnCommit(err == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
};

double EndToEndProbe::Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

EndToEndProbe::EndToEndProbe(ProbeOptions options, Logger logger)
    : options_(std::move(options)),
      logger_(logger.With({{"collector", "probe"}})),
      instance_(std::random_device()() * 4294967296ull + std::random_device()()),
      tracker_(std::chrono::duration<double>(options_.lost_after).count()) {}

EndToEndProbe::~EndToEndProbe() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  h_.reset();  // its callbacks (purged deliveries, the close) still use the tracker
}

Result<std::unique_ptr<EndToEndProbe>> EndToEndProbe::Create(
    ProbeOptions options, const std::vector<std::pair<std::string, std::string>>& kafka_config,
    Logger logger) {
  STREAMLENS_RETURN_IF_ERROR(ValidateProbeOptions(options));
  std::unique_ptr<EndToEndProbe> p(new EndToEndProbe(std::move(options), std::move(logger)));
  STREAMLENS_RETURN_IF_ERROR(p->Open(kafka_config));
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

Status EndToEndProbe::Open(const std::vector<std::pair<std::string, std::string>>& kafka) {
  const int lost_ms = static_cast<int>(options_.lost_after.count());
  const int wait_ms = static_cast<int>(std::clamp<int64_t>(options_.interval.count() / 2, 10, 500));
  std::vector<std::pair<std::string, std::string>> pc, cc;
  for (const auto& kv : kafka) {
    if (!kConsumerOnly.count(kv.first)) pc.push_back(kv);
    cc.push_back(kv);
  }
  pc.insert(pc.end(), {{"acks", "all"},
                       {"linger.ms", "0"},
                       {"enable.idempotence", "false"},
                       {"message.timeout.ms", std::to_string(lost_ms)}});
  cc.insert(cc.end(), {{"group.id", options_.group},
                       {"enable.auto.commit", "false"},
                       {"auto.offset.reset", "latest"},
                       {"fetch.wait.max.ms", std::to_string(wait_ms)}});
  h_ = std::make_unique<Handles>();
  for (bool producer : {true, false}) {
    auto& setup = producer ? h_->producer_setup : h_->consumer_setup;
    setup = kafka::RdkafkaSetup::Create(producer ? pc : cc,
                                        logger_.With({{"component", "librdkafka"}}));
    setup->user = this;
    auto conf = setup->NewConf();
    if (!conf.ok()) return conf.status().WithContext("probe");
    if (producer) rd_kafka_conf_set_dr_msg_cb(*conf, ProbeCallbacks::Delivery);
    if (!producer) rd_kafka_conf_set_offset_commit_cb(*conf, ProbeCallbacks::Commit);
    char errstr[512];
    rd_kafka_t* rk = rd_kafka_new(producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, *conf, errstr,
                                  sizeof(errstr));
    if (rk == nullptr) {
      rd_kafka_conf_destroy(*conf);
      return Status::Error(std::string("probe: creating the Kafka ") +
                           (producer ? "producer" : "consumer") + ": " + setup->Redacted(errstr));
    }
    setup->Started(rk);
    (producer ? h_->producer : h_->consumer) = rk;
  }
  // Commit results (and errors) are served by rd_kafka_consumer_poll, not rd_kafka_poll.
  rd_kafka_poll_set_consumer(h_->consumer);
  h_->topic = rd_kafka_topic_new(h_->producer, options_.topic.c_str(), nullptr);
  return Status::Ok();
}

void EndToEndProbe::Run() {
  const double interval = std::chrono::duration<double>(options_.interval).count();
  double next_send = Now(), next_refresh = 0;
  std::future<Leaders> refresh;
  while (!stop_.load()) {
    double now = Now();
    if (!refresh.valid() && now >= next_refresh) {
      refresh =
          std::async(std::launch::async, [this, n = leaders_.size()] { return FetchLeaders(n); });
      next_refresh = now + std::max(5.0, 5 * interval);
    }
    if (refresh.valid() && refresh.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      ApplyLeaders(refresh.get());
    }
    if (now >= next_send && !leaders_.empty()) {
      SendRound(now);
      next_send = std::max(next_send + interval, now);
    }
    rd_kafka_poll(h_->producer, 0);  // delivery reports
    const double until = leaders_.empty() ? now + 0.1 : next_send;
    Consume(static_cast<int>(std::clamp((until - Now()) * 1000, 1.0, 100.0)));
    MaybeCommit();
    std::lock_guard<std::mutex> lock(mu_);
    tracker_.Expire(Now());
  }
}

// Partition leaders of the probe topic from the producer's metadata (runs beside the probe
// loop: a metadata request stuck on a dead broker must not delay sending and reading).
EndToEndProbe::Leaders EndToEndProbe::FetchLeaders(size_t assigned) {
  const rd_kafka_metadata_t* md = nullptr;
  const int timeout = static_cast<int>(std::min<int64_t>(options_.lost_after.count(), 5000));
  rd_kafka_resp_err_t err = rd_kafka_metadata(h_->producer, 0, h_->topic, &md, timeout);
  Leaders out;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out.error = std::string("metadata request failed: ") + rd_kafka_err2str(err);
  } else if (md->topic_cnt < 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
             md->topics[0].partition_cnt == 0) {
    out.error = "probe topic \"" + options_.topic + "\" not found";
  } else {
    const auto& t = md->topics[0];
    for (int i = 0; i < t.partition_cnt; ++i) {
      const int32_t id = t.partitions[i].id;
      if (id >= static_cast<int32_t>(out.leaders.size())) out.leaders.resize(id + 1, -1);
      out.leaders[id] = t.partitions[i].leader;
    }
  }
  if (md) rd_kafka_metadata_destroy(md);
  // A new assignment starts at each partition's current end: resolving "the end" later, when the
  // consumer starts fetching, would skip messages sent meanwhile and count them as lost.
  if (out.error.empty() && out.leaders.size() != assigned) {
    out.start.assign(out.leaders.size(), RD_KAFKA_OFFSET_END);
    for (size_t p = 0; p < out.leaders.size(); ++p) {
      int64_t low = -1, high = -1;
      if (rd_kafka_query_watermark_offsets(h_->consumer, options_.topic.c_str(),
                                           static_cast<int32_t>(p), &low, &high,
                                           timeout) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        out.start[p] = high;
      }
    }
  }
  return out;
}

// Takes a metadata result; (re)assigns the consumer when the partition count changed.
void EndToEndProbe::ApplyLeaders(Leaders r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (r.error != topic_error_ && !r.error.empty()) {
      logger_.Warn("end-to-end probe cannot use its topic", {{"err", r.error}});
    }
    topic_error_ = r.error;
  }
  if (!r.error.empty()) return;
  if (r.leaders.size() != leaders_.size()) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(r.leaders.size())));
    for (size_t p = 0; p < r.leaders.size(); ++p) {
      rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), static_cast<int>(p))
          ->offset = p < r.start.size() ? r.start[p] : RD_KAFKA_OFFSET_END;
    }
    rd_kafka_assign(h_->consumer, list.get());
    to_commit_.assign(r.leaders.size(), -1);
    logger_.Info("end-to-end probe assigned",
                 {{"topic", options_.topic}, {"partitions", r.leaders.size()}});
  }
  leaders_ = std::move(r.leaders);
}

void EndToEndProbe::SendRound(double now) {
  for (size_t p = 0; p < leaders_.size(); ++p) {
    const uint64_t seq = next_seq_++;
    const std::string payload = Payload(instance_, seq);
    {
      std::lock_guard<std::mutex> lock(mu_);
      tracker_.Sent(seq, static_cast<int32_t>(p), leaders_[p], now);
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        h_->producer, RD_KAFKA_V_TOPIC(options_.topic.c_str()),
        RD_KAFKA_V_PARTITION(static_cast<int32_t>(p)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(seq)), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) OnDelivery(seq, false);
  }
}

void EndToEndProbe::Consume(int budget_ms) {
  const double end = Now() + budget_ms / 1000.0;
  for (int wait = budget_ms; wait > 0 && !stop_.load();
       wait = static_cast<int>((end - Now()) * 1000)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(h_->consumer, wait);
    if (m == nullptr) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const double now = Now();
      if (m->partition >= 0 && static_cast<size_t>(m->partition) < to_commit_.size()) {
        to_commit_[m->partition] = std::max(to_commit_[m->partition], m->offset + 1);
      }
      if (uint64_t seq = ParsePayload(m->payload, m->len, instance_)) {
        std::lock_guard<std::mutex> lock(mu_);
        tracker_.Received(seq, now);
      }
    }
    rd_kafka_message_destroy(m);
  }
}

// Commits what was read since the last commit, unless a commit is still in flight.
void EndToEndProbe::MaybeCommit() {
  if (commit_started_ >= 0) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(to_commit_.size()) + 1));
  for (size_t p = 0; p < to_commit_.size(); ++p) {
    if (to_commit_[p] < 0) continue;
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), static_cast<int>(p))
        ->offset = to_commit_[p];
    to_commit_[p] = -1;
  }
  if (list->cnt == 0) return;
  commit_started_ = Now();
  if (rd_kafka_commit(h_->consumer, list.get(), 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    commit_started_ = -1;
  }
}

void EndToEndProbe::OnDelivery(uint64_t seq, bool ok) {
  const double now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  tracker_.Acked(seq, ok, now);
}

void EndToEndProbe::OnCommit(bool ok) {
  if (commit_started_ < 0) return;
  const double latency = Now() - commit_started_;
  commit_started_ = -1;
  if (!ok) return;
  std::lock_guard<std::mutex> lock(mu_);
  tracker_.Committed(latency);
}

namespace {

prometheus::ClientMetric Histogram(const LatencyHistogram& h,
                                   std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += h.buckets[i];
    m.histogram.bucket.push_back({cumulative, LatencyHistogram::kBounds[i]});
  }
  m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum;
  return m;
}

prometheus::ClientMetric Counter(uint64_t v, std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = static_cast<double>(v);
  return m;
}

}  // namespace

Status EndToEndProbe::Collect(std::vector<prometheus::MetricFamily>* out) {
  using prometheus::MetricType;
  std::lock_guard<std::mutex> lock(mu_);
  if (!topic_error_.empty()) return Status::Error("end-to-end probe: " + topic_error_);
  if (tracker_.stats().empty()) return Status::Ok();  // starting: nothing sent yet
  prometheus::MetricFamily produce{
      "streamlens_end_to_end_produce_latency_seconds",
      "Time from sending a probe message until the cluster acknowledged it (acks=all), by "
      "partition and its leader at send time.",
      MetricType::Histogram,
      {}};
  prometheus::MetricFamily roundtrip{
      "streamlens_end_to_end_roundtrip_latency_seconds",
      "Time from sending a probe message until the probe's consumer read it back, by partition "
      "and its leader at send time.",
      MetricType::Histogram,
      {}};
  prometheus::MetricFamily commit{
      "streamlens_end_to_end_commit_latency_seconds",
      "Time the group coordinator took to acknowledge the probe's offset commits.",
      MetricType::Histogram,
      {}};
  prometheus::MetricFamily produced{"streamlens_end_to_end_messages_produced_total",
                                    "Probe messages the cluster acknowledged.",
                                    MetricType::Counter,
                                    {}};
  prometheus::MetricFamily received{"streamlens_end_to_end_messages_received_total",
                                    "Probe messages read back within --probe.timeout.",
                                    MetricType::Counter,
                                    {}};
  prometheus::MetricFamily lost{
      "streamlens_end_to_end_messages_lost_total",
      "Probe messages not read back within --probe.timeout (including failed sends).",
      MetricType::Counter,
      {}};
  prometheus::MetricFamily duplicated{"streamlens_end_to_end_messages_duplicated_total",
                                      "Probe messages read back more than once.",
                                      MetricType::Counter,
                                      {}};
  for (const auto& [key, s] : tracker_.stats()) {
    const std::vector<prometheus::ClientMetric::Label> l = {
        {"leader", std::to_string(key.second)}, {"partition", std::to_string(key.first)}};
    produce.metric.push_back(Histogram(s.produce, l));
    roundtrip.metric.push_back(Histogram(s.roundtrip, l));
    produced.metric.push_back(Counter(s.produced, l));
    received.metric.push_back(Counter(s.received, l));
    lost.metric.push_back(Counter(s.lost, l));
    duplicated.metric.push_back(Counter(s.duplicated, l));
  }
  commit.metric.push_back(Histogram(tracker_.commit(), {}));
  for (auto* f : {&produce, &roundtrip, &commit, &produced, &received, &lost, &duplicated}) {
    out->push_back(std::move(*f));
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter::probe
