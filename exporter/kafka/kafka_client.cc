#include "exporter/kafka/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace streamlens::exporter::kafka {

namespace {

std::string Err(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const {
    if (q) rd_kafka_queue_destroy(q);
  }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const {
    if (o) rd_kafka_AdminOptions_destroy(o);
  }
};
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;

AdminOptions MakeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                              std::chrono::milliseconds timeout) {
  AdminOptions o(rd_kafka_AdminOptions_new(rk, op));
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(o.get(), static_cast<int>(timeout.count()), errstr,
                                            sizeof(errstr));
  return o;
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

PartitionList ToList(const std::vector<TopicPartitions>& tps) {
  size_t n = 0;
  for (const auto& t : tps) n += t.partitions.size();
  PartitionList l(rd_kafka_topic_partition_list_new(static_cast<int>(std::max<size_t>(n, 1))));
  for (const auto& t : tps) {
    for (int32_t p : t.partitions) rd_kafka_topic_partition_list_add(l.get(), t.topic.c_str(), p);
  }
  return l;
}

}  // namespace

struct KafkaClient::Handle {
  rd_kafka_t* rk = nullptr;
  std::unique_ptr<RdkafkaSetup> setup;  // the handle's opaque: outlives it
  ~Handle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

KafkaClient::KafkaClient(std::unique_ptr<Handle> handle, Logger logger)
    : h_(std::move(handle)), logger_(std::move(logger)) {}

KafkaClient::~KafkaClient() = default;

Result<std::unique_ptr<KafkaClient>> KafkaClient::Create(
    const std::vector<std::pair<std::string, std::string>>& config, Logger logger) {
  auto handle = std::make_unique<Handle>();
  handle->setup = RdkafkaSetup::Create(config, logger.With({{"component", "librdkafka"}}));
  auto conf = handle->setup->NewConf();
  if (!conf.ok()) return conf.status();
  char errstr[512];
  handle->rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, errstr, sizeof(errstr));
  if (handle->rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return Status::Error("creating the Kafka client: " + handle->setup->Redacted(errstr));
  }
  handle->setup->Started(handle->rk);
  return std::unique_ptr<KafkaClient>(new KafkaClient(std::move(handle), std::move(logger)));
}

Result<ClusterMetadata> KafkaClient::FetchMetadata(std::chrono::milliseconds timeout) {
  // librdkafka sends the request to one broker it believes is up. When that broker has just
  // died, the request waits out the whole timeout although the others would answer at once; so
  // the budget is split over up to three attempts, and a failed attempt is followed by one that
  // librdkafka routes to another broker (the dead one is marked down by then).
  const rd_kafka_metadata_t* md = nullptr;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto slice = std::max(timeout / 3, std::chrono::milliseconds(500));
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (attempt > 0 && left.count() <= 0) break;
    const auto budget = attempt == 2 ? left : std::min(slice, left);
    err = rd_kafka_metadata(h_->rk, 1, nullptr, &md,
                            static_cast<int>(std::max<int64_t>(1, budget.count())));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    md = nullptr;
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error("kafka metadata request failed: " + Err(err));
  }
  ClusterMetadata out;
  out.brokers.reserve(md->broker_cnt);
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  out.topics.reserve(md->topic_cnt);
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt == 0) continue;
    TopicInfo ti;
    ti.name = t.topic;
    ti.partitions.reserve(t.partition_cnt);
    for (int j = 0; j < t.partition_cnt; ++j) {
      const auto& p = t.partitions[j];
      PartitionInfo pi;
      pi.id = p.id;
      pi.leader = p.leader;
      pi.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
      pi.isr.assign(p.isrs, p.isrs + p.isr_cnt);
      ti.partitions.push_back(std::move(pi));
    }
    std::sort(ti.partitions.begin(), ti.partitions.end(),
              [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
    out.topics.push_back(std::move(ti));
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.brokers.begin(), out.brokers.end(),
            [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; });
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return out;
}

size_t KafkaClient::FetchWatermarks(const ClusterMetadata& metadata,
                                    const std::vector<TopicPartitions>& topics,
                                    std::chrono::milliseconds timeout,
                                    std::vector<std::vector<Watermarks>>* out) {
  out->assign(topics.size(), {});
  // Leader of each requested partition, from the metadata.
  std::map<std::string_view, const TopicInfo*> by_name;
  for (const auto& t : metadata.topics) by_name[t.name] = &t;

  struct Batch {
    PartitionList earliest;
    PartitionList latest;
    std::vector<std::pair<uint32_t, uint32_t>> index;  // (topic i, partition j) per element
  };
  // Batches per leader, cut at watermark_chunk_ partitions: librdkafka's and the brokers'
  // handling of one ListOffsets request grows faster than linearly with its size, so several
  // mid-sized requests in flight beat one huge request per leader.
  std::vector<Batch> batches;
  std::map<int32_t, size_t> open_batch;  // leader -> index of its batch being filled
  size_t failed = 0;
  for (size_t i = 0; i < topics.size(); ++i) {
    (*out)[i].assign(topics[i].partitions.size(), Watermarks{});
    auto it = by_name.find(topics[i].topic);
    for (size_t j = 0; j < topics[i].partitions.size(); ++j) {
      const int32_t pid = topics[i].partitions[j];
      int32_t leader = -1;
      if (it != by_name.end()) {
        const auto& parts = it->second->partitions;
        auto pit = std::lower_bound(parts.begin(), parts.end(), pid,
                                    [](const PartitionInfo& p, int32_t id) { return p.id < id; });
        if (pit != parts.end() && pit->id == pid) leader = pit->leader;
      }
      if (leader < 0) {
        ++failed;
        continue;
      }
      auto ob = open_batch.find(leader);
      if (ob == open_batch.end() || batches[ob->second].index.size() >= watermark_chunk_) {
        Batch b;
        b.earliest.reset(rd_kafka_topic_partition_list_new(
            static_cast<int>(std::min<size_t>(watermark_chunk_, 1024))));
        b.latest.reset(rd_kafka_topic_partition_list_new(
            static_cast<int>(std::min<size_t>(watermark_chunk_, 1024))));
        batches.push_back(std::move(b));
        open_batch[leader] = batches.size() - 1;
        ob = open_batch.find(leader);
      }
      Batch& b = batches[ob->second];
      rd_kafka_topic_partition_list_add(b.earliest.get(), topics[i].topic.c_str(), pid)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      rd_kafka_topic_partition_list_add(b.latest.get(), topics[i].topic.c_str(), pid)->offset =
          RD_KAFKA_OFFSET_END;
      b.index.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j));
    }
  }
  // Each job is one blocking offsets_for_times call (one ListOffsets request to one leader); a
  // small pool runs them concurrently so a slow or dead broker only delays its own partitions.
  std::vector<rd_kafka_topic_partition_list_t*> jobs;
  for (auto& b : batches) {
    jobs.push_back(b.earliest.get());
    jobs.push_back(b.latest.get());
  }
  std::atomic<size_t> next{0};
  const int ms = static_cast<int>(timeout.count());
  std::vector<std::thread> threads;
  const size_t workers = std::min<size_t>(jobs.size(), kWatermarkWorkers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([this, &jobs, &next, ms] {
      for (size_t k = next++; k < jobs.size(); k = next++) {
        rd_kafka_offsets_for_times(h_->rk, jobs[k], ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& b : batches) {
    for (size_t k = 0; k < b.index.size(); ++k) {
      const auto& e = b.earliest->elems[k];
      const auto& l = b.latest->elems[k];
      Watermarks& w = (*out)[b.index[k].first][b.index[k].second];
      if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) w.low = e.offset;
      if (l.err == RD_KAFKA_RESP_ERR_NO_ERROR && l.offset >= 0) w.high = l.offset;
      if (w.low < 0 || w.high < 0) {
        w = Watermarks{};
        ++failed;
      }
    }
  }
  return failed;
}

Result<std::vector<std::string>> KafkaClient::ListGroups(std::chrono::milliseconds timeout) {
  Queue q(rd_kafka_queue_new(h_->rk));
  AdminOptions opts = MakeAdminOptions(h_->rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout);
  rd_kafka_ListConsumerGroups(h_->rk, opts.get(), q.get());
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count()) + 1000);
  if (ev == nullptr) return Status::Error("ListConsumerGroups timed out");
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> guard(ev, rd_kafka_event_destroy);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("ListConsumerGroups failed: ") +
                         rd_kafka_event_error_string(ev));
  }
  const auto* res = rd_kafka_event_ListConsumerGroups_result(ev);
  if (res == nullptr) return Status::Error("ListConsumerGroups: unexpected reply event");
  size_t valid_cnt = 0, error_cnt = 0;
  const rd_kafka_ConsumerGroupListing_t** valid =
      rd_kafka_ListConsumerGroups_result_valid(res, &valid_cnt);
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &error_cnt);
  std::vector<std::string> groups;
  for (size_t i = 0; i < valid_cnt; ++i) {
    groups.emplace_back(rd_kafka_ConsumerGroupListing_group_id(valid[i]));
  }
  if (groups.empty() && error_cnt > 0) {
    return Status::Error(std::string("ListConsumerGroups refused: ") +
                         rd_kafka_error_string(errors[0]));
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

Result<std::vector<GroupDescription>> KafkaClient::DescribeGroups(
    const std::vector<std::string>& groups, std::chrono::milliseconds timeout) {
  std::vector<GroupDescription> out;
  if (groups.empty()) return out;
  std::vector<const char*> names;
  for (const auto& g : groups) names.push_back(g.c_str());
  Queue q(rd_kafka_queue_new(h_->rk));
  AdminOptions opts = MakeAdminOptions(h_->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
  rd_kafka_DescribeConsumerGroups(h_->rk, names.data(), names.size(), opts.get(), q.get());
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count()) + 1000);
  if (ev == nullptr) return Status::Error("DescribeConsumerGroups timed out");
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> guard(ev, rd_kafka_event_destroy);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("DescribeConsumerGroups failed: ") +
                         rd_kafka_event_error_string(ev));
  }
  const auto* res = rd_kafka_event_DescribeConsumerGroups_result(ev);
  if (res == nullptr) return Status::Error("DescribeConsumerGroups: unexpected reply event");
  size_t cnt = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs =
      rd_kafka_DescribeConsumerGroups_result_groups(res, &cnt);
  for (size_t i = 0; i < cnt; ++i) {
    const auto* d = descs[i];
    if (rd_kafka_ConsumerGroupDescription_error(d) != nullptr) continue;
    GroupDescription g;
    g.name = rd_kafka_ConsumerGroupDescription_group_id(d);
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
    g.members = static_cast<int>(rd_kafka_ConsumerGroupDescription_member_count(d));
    std::set<std::string> topics;
    for (int m = 0; m < g.members; ++m) {
      const auto* member = rd_kafka_ConsumerGroupDescription_member(d, m);
      const auto* assignment = rd_kafka_MemberDescription_assignment(member);
      if (assignment == nullptr) continue;
      const auto* parts = rd_kafka_MemberAssignment_partitions(assignment);
      if (parts == nullptr) continue;
      for (int k = 0; k < parts->cnt; ++k) topics.insert(parts->elems[k].topic);
    }
    g.assigned_topics.assign(topics.begin(), topics.end());
    out.push_back(std::move(g));
  }
  return out;
}

struct PendingTopicConfigs::Impl {
  Queue queue;
};

PendingTopicConfigs::PendingTopicConfigs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PendingTopicConfigs::~PendingTopicConfigs() = default;

std::optional<Result<std::vector<TopicConfigEntries>>> PendingTopicConfigs::Poll() {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(impl_->queue.get(), 0);
  if (ev == nullptr) return std::nullopt;
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> guard(ev, rd_kafka_event_destroy);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("DescribeConfigs failed: ") + rd_kafka_event_error_string(ev));
  }
  const auto* res = rd_kafka_event_DescribeConfigs_result(ev);
  if (res == nullptr) return Status::Error("DescribeConfigs: unexpected reply event");
  size_t cnt = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(res, &cnt);
  std::vector<TopicConfigEntries> out;
  out.reserve(cnt);
  for (size_t i = 0; i < cnt; ++i) {
    TopicConfigEntries t;
    t.topic = rd_kafka_ConfigResource_name(resources[i]);
    if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(resources[i]);
      t.error = msg ? msg : Err(rd_kafka_ConfigResource_error(resources[i]));
    }
    size_t n = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[i], &n);
    for (size_t k = 0; k < n; ++k) {
      const char* v = rd_kafka_ConfigEntry_value(entries[k]);
      t.entries.push_back({rd_kafka_ConfigEntry_name(entries[k]),
                           v ? std::optional<std::string>(v) : std::nullopt});
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::unique_ptr<PendingTopicConfigs> KafkaClient::DescribeTopicConfigs(
    const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<PendingTopicConfigs::Impl>();
  impl->queue.reset(rd_kafka_queue_new(h_->rk));
  std::vector<rd_kafka_ConfigResource_t*> resources;
  resources.reserve(topics.size());
  for (const auto& t : topics) {
    resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  }
  AdminOptions opts = MakeAdminOptions(h_->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout);
  rd_kafka_DescribeConfigs(h_->rk, resources.data(), resources.size(), opts.get(),
                           impl->queue.get());
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
  return std::make_unique<PendingTopicConfigs>(std::move(impl));
}

namespace {

// Adds one ListConsumerGroupOffsets reply to its group's result; the group's first error wins.
void TakeOffsetsReply(rd_kafka_event_t* ev, GroupOffsets* g) {
  auto fail = [&](const std::string& why) {
    if (g->status.ok())
      g->status = Status::Error("ListConsumerGroupOffsets(" + g->group + "): " + why);
  };
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail(rd_kafka_event_error_string(ev));
    return;
  }
  const auto* res = rd_kafka_event_ListConsumerGroupOffsets_result(ev);
  size_t cnt = 0;
  const rd_kafka_group_result_t** gres =
      res ? rd_kafka_ListConsumerGroupOffsets_result_groups(res, &cnt) : nullptr;
  if (cnt == 0) {
    fail("empty reply");
    return;
  }
  if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gres[0])) {
    fail(rd_kafka_error_string(e));
    return;
  }
  const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(gres[0]);
  if (parts == nullptr) return;
  // Only committed partitions are kept: explicit scans ask about every partition of the
  // cluster and most answers are "none", which would otherwise cost memory per cycle.
  for (int j = 0; j < parts->cnt; ++j) {
    const auto& p = parts->elems[j];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.offset < 0) continue;
    g->offsets.push_back({p.topic, p.partition, p.offset});
  }
}

}  // namespace

// One request per group, or per chunk of offsets_chunk_ partitions of an explicit list.
std::vector<KafkaClient::OffsetsRequest> KafkaClient::PlanOffsetsRequests(
    const std::vector<std::optional<std::vector<TopicPartitions>>>& partitions,
    size_t groups) const {
  std::vector<OffsetsRequest> requests;
  for (size_t i = 0; i < groups; ++i) {
    if (i >= partitions.size() || !partitions[i].has_value()) {
      requests.push_back({.group = i, .all = true});
      continue;
    }
    const auto& tps = *partitions[i];
    OffsetsRequest current{.group = i};
    for (size_t t = 0; t < tps.size(); ++t) {
      for (size_t j = 0; j < tps[t].partitions.size(); ++j) {
        if (current.count == 0) {
          current.topic = t;
          current.index = j;
        }
        if (++current.count >= offsets_chunk_) {
          requests.push_back(current);
          current.count = 0;
        }
      }
    }
    if (current.count > 0) requests.push_back(current);
  }
  return requests;
}

std::vector<GroupOffsets> KafkaClient::ListGroupOffsets(
    const std::vector<std::string>& groups,
    const std::vector<std::optional<std::vector<TopicPartitions>>>& partitions,
    std::chrono::milliseconds timeout) {
  std::vector<GroupOffsets> out(groups.size());
  if (groups.empty()) return out;
  // One request per group, or per chunk of an explicit list: OffsetFetch handling grows
  // quadratically with the number of partitions in librdkafka (see offsets_chunk_), so lists
  // are cut. Requests are described by where their partitions start in the group's list and built
  // only when submitted, so at most max_in_flight_ partition lists exist at a time (a first full
  // scan of 100 groups x 10,000 partitions would otherwise hold a million list elements).
  for (size_t i = 0; i < groups.size(); ++i) out[i].group = groups[i];
  const std::vector<OffsetsRequest> requests = PlanOffsetsRequests(partitions, groups.size());
  auto build = [&](const OffsetsRequest& r) -> PartitionList {
    if (r.all) return nullptr;
    const auto& tps = *partitions[r.group];
    PartitionList l(rd_kafka_topic_partition_list_new(static_cast<int>(r.count)));
    size_t t = r.topic, j = r.index;
    for (size_t n = 0; n < r.count; ++n) {
      while (j >= tps[t].partitions.size()) {
        ++t;
        j = 0;
      }
      rd_kafka_topic_partition_list_add(l.get(), tps[t].topic.c_str(), tps[t].partitions[j++]);
    }
    return l;
  };
  Queue q(rd_kafka_queue_new(h_->rk));
  size_t submitted = 0, completed = 0;
  std::vector<bool> answered(requests.size(), false);
  auto submit = [&](size_t k) {
    PartitionList list = build(requests[k]);
    rd_kafka_ListConsumerGroupOffsets_t* req =
        rd_kafka_ListConsumerGroupOffsets_new(groups[requests[k].group].c_str(), list.get());
    AdminOptions opts =
        MakeAdminOptions(h_->rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
    rd_kafka_AdminOptions_set_opaque(opts.get(), reinterpret_cast<void*>(k));
    rd_kafka_ListConsumerGroupOffsets(h_->rk, &req, 1, opts.get(), q.get());
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
  };
  while (submitted < requests.size() && submitted < max_in_flight_) submit(submitted++);
  // Every submitted request gets a reply event (librdkafka enforces the request timeout), so we
  // wait for all of them rather than destroying the queue under in-flight requests; the hard
  // cap only guards against a librdkafka bug.
  const auto hard_deadline =
      std::chrono::steady_clock::now() +
      3 * timeout * static_cast<int64_t>(1 + requests.size() / max_in_flight_);
  while (completed < submitted) {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), RemainingMs(hard_deadline));
    if (ev == nullptr) break;
    std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> guard(ev,
                                                                         rd_kafka_event_destroy);
    const size_t k = reinterpret_cast<size_t>(rd_kafka_event_opaque(ev));
    if (k >= requests.size() || answered[k]) continue;
    answered[k] = true;
    ++completed;
    if (submitted < requests.size()) submit(submitted++);
    TakeOffsetsReply(ev, &out[requests[k].group]);
  }
  if (completed < requests.size()) {
    std::vector<bool> incomplete(groups.size(), false);
    // Requests never answered (or never submitted) make their group's result incomplete.
    for (size_t k = 0; k < requests.size(); ++k) {
      if (!answered[k]) incomplete[requests[k].group] = true;
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      if (incomplete[i] && out[i].status.ok()) {
        out[i].status = Status::Error("ListConsumerGroupOffsets(" + groups[i] + "): timed out");
      }
    }
  }
  return out;
}

}  // namespace streamlens::exporter::kafka
