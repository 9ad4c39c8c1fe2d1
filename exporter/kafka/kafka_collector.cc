#include "exporter/kafka/kafka_collector.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <sstream>

#include "common/exposition.h"

namespace streamlens::exporter::kafka {

namespace {

using prometheus::MetricType;

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TextFamily Gauge(std::string name, std::string help) {
  return TextFamily(std::move(name), std::move(help), MetricType::Gauge);
}

TextFamily Untyped(std::string name, std::string help) {
  return TextFamily(std::move(name), std::move(help), MetricType::Untyped);
}

std::vector<std::string> SplitGroups(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& item : in) {
    std::stringstream ss(item);
    std::string g;
    while (std::getline(ss, g, ',')) {
      while (!g.empty() && g.back() == ' ') g.pop_back();
      while (!g.empty() && g.front() == ' ') g.erase(g.begin());
      if (!g.empty()) out.push_back(g);
    }
  }
  return out;
}

constexpr ConsumerStatus kAllStatuses[] = {ConsumerStatus::kOk,    ConsumerStatus::kWarn,
                                           ConsumerStatus::kErr,   ConsumerStatus::kStop,
                                           ConsumerStatus::kStall, ConsumerStatus::kRewind};

}  // namespace

Result<std::unique_ptr<KafkaCollector>> KafkaCollector::Create(KafkaCollectorOptions options,
                                                               Logger logger) {
  STREAMLENS_RETURN_IF_ERROR(ValidateKafkaOptions(options.kafka));
  auto config = ToRdkafkaConfig(options.kafka);
  if (!config.ok()) return config.status();
  auto client = KafkaClient::Create(*config, logger);
  if (!client.ok()) return client.status();
  if (!options.clock) options.clock = WallSeconds;
  return std::unique_ptr<KafkaCollector>(
      new KafkaCollector(std::move(options), std::move(*client), std::move(logger)));
}

KafkaCollector::KafkaCollector(KafkaCollectorOptions options, std::unique_ptr<KafkaClient> client,
                               Logger logger)
    : options_(std::move(options)),
      client_(std::move(client)),
      logger_(logger.With({{"collector", "kafka"}})),
      topic_filter_(options_.kafka.topic_filter),
      topic_exclude_(options_.kafka.topic_exclude),
      group_filter_(options_.kafka.group_filter),
      group_exclude_(options_.kafka.group_exclude),
      configured_groups_(SplitGroups(options_.kafka.group_list)) {
  status_params_.allowed_lag = options_.kafka.lag_allowed;
  status_params_.min_stop_seconds = options_.min_stop_seconds;
}

KafkaCollector::~KafkaCollector() = default;

bool KafkaCollector::TopicSelected(const std::string& topic) {
  auto it = topic_selected_.find(topic);
  if (it != topic_selected_.end()) return it->second;
  const bool ok =
      std::regex_search(topic, topic_filter_) && !std::regex_search(topic, topic_exclude_);
  if (topic_selected_.size() > 100000) topic_selected_.clear();
  topic_selected_.emplace(topic, ok);
  return ok;
}

bool KafkaCollector::GroupSelected(const std::string& group) {
  auto it = group_selected_.find(group);
  if (it != group_selected_.end()) return it->second;
  const bool ok =
      std::regex_search(group, group_filter_) && !std::regex_search(group, group_exclude_);
  if (group_selected_.size() > 100000) group_selected_.clear();
  group_selected_.emplace(group, ok);
  return ok;
}

std::vector<std::string> KafkaCollector::DiscoverGroups(std::vector<GroupDescription>* described) {
  const auto timeout = options_.kafka.timeout;
  std::set<std::string> names(configured_groups_.begin(), configured_groups_.end());
  auto listed = client_->ListGroups(timeout);
  const bool listing_ok = listed.ok();
  if (!listing_ok_.has_value() || *listing_ok_ != listing_ok) {
    if (listing_ok) {
      logger_.Info("listing consumer groups works", {{"groups", listed->size()}});
    } else {
      logger_.Warn(
          "listing consumer groups refused; using --group.list",
          {{"err", listed.status().message()}, {"configured_groups", configured_groups_.size()}});
    }
    listing_ok_ = listing_ok;
  }
  if (listing_ok) names.insert(listed->begin(), listed->end());
  std::vector<std::string> groups;
  for (const auto& g : names) {
    if (GroupSelected(g)) groups.push_back(g);
  }
  // DescribeGroups is skipped where listing is refused: the same brokers (the mock) or ACLs
  // refuse describing too, and it would cost a timeout every cycle.
  if (listing_ok && !groups.empty()) {
    auto desc = client_->DescribeGroups(groups, timeout);
    const bool ok = desc.ok();
    if (!describing_ok_.has_value() || *describing_ok_ != ok) {
      if (!ok) {
        logger_.Warn("describing consumer groups failed; no member counts",
                     {{"err", desc.status().message()}});
      }
      describing_ok_ = ok;
    }
    if (ok) *described = std::move(*desc);
  }
  return groups;
}

std::vector<GroupOffsets> KafkaCollector::FetchGroupOffsets(
    const std::vector<std::string>& groups, const std::vector<TopicPartitions>& all) {
  const auto timeout = options_.kafka.timeout;
  using Request = std::optional<std::vector<TopicPartitions>>;
  if (all_offsets_ != AllOffsetsMode::kUnsupported) {
    std::vector<Request> requests(groups.size());  // nullopt: all partitions
    auto res = client_->ListGroupOffsets(groups, requests, timeout);
    bool any = false;
    for (const auto& r : res) any |= r.status.ok() && !r.offsets.empty();
    if (any) {
      all_offsets_ = AllOffsetsMode::kSupported;
      return res;
    }
    if (all_offsets_ == AllOffsetsMode::kSupported || groups.empty()) return res;
    all_offsets_ = AllOffsetsMode::kUnsupported;
    logger_.Info("cluster returns no offsets for an all-partitions request; using explicit lists");
  }
  std::unordered_map<std::string_view, const TopicPartitions*> by_topic;
  for (const auto& t : all) by_topic[t.topic] = &t;
  std::vector<Request> requests(groups.size());
  std::vector<bool> full(groups.size(), false);
  for (size_t i = 0; i < groups.size(); ++i) {
    auto [it, inserted] = group_cache_.try_emplace(groups[i]);
    GroupCache& c = it->second;
    if (inserted) c.cycles_since_full = kFullScanEvery;  // new group: scan now
    std::vector<TopicPartitions> req;
    if (c.cycles_since_full >= kFullScanEvery) {
      full[i] = true;
      requests[i] = all;
    } else {
      for (const auto& t : c.topics) {
        auto tit = by_topic.find(t);
        if (tit != by_topic.end()) req.push_back(*tit->second);
      }
      requests[i] = std::move(req);
    }
  }
  auto res = client_->ListGroupOffsets(groups, requests, timeout);
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!res[i].status.ok()) continue;
    GroupCache& c = group_cache_[groups[i]];
    if (full[i]) {
      std::set<std::string> topics;
      for (const auto& o : res[i].offsets) {
        if (o.offset >= 0) topics.insert(o.topic);
      }
      c.topics.assign(topics.begin(), topics.end());
      // Stagger the next full scans over the cycles so their cost is spread evenly.
      c.cycles_since_full = static_cast<int>(std::hash<std::string>()(groups[i]) % kFullScanEvery);
    } else {
      ++c.cycles_since_full;
    }
  }
  return res;
}

Status KafkaCollector::CollectText(std::string_view help_suffix, std::string* out) {
  ++cycle_;
  const auto t0 = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  const auto timeout = options_.kafka.timeout;
  auto md_or = client_->FetchMetadata(timeout);
  if (!md_or.ok()) return md_or.status();
  const ClusterMetadata& md = *md_or;
  const double now = options_.clock();
  const double metadata_seconds = since(t0);

  // Selected topics and their partitions.
  std::vector<const TopicInfo*> topics;
  std::vector<TopicPartitions> tps;
  for (const auto& t : md.topics) {
    if (!TopicSelected(t.name)) continue;
    topics.push_back(&t);
    TopicPartitions tp{t.name, {}};
    tp.partitions.reserve(t.partitions.size());
    for (const auto& p : t.partitions) tp.partitions.push_back(p.id);
    tps.push_back(std::move(tp));
  }

  std::vector<std::vector<Watermarks>> wm;
  double watermarks_seconds = 0;
  auto wm_future = std::async(std::launch::async, [&] {
    const auto t = std::chrono::steady_clock::now();
    const size_t failed = client_->FetchWatermarks(md, tps, timeout, &wm);
    watermarks_seconds = since(t);
    return failed;
  });
  const auto tg = std::chrono::steady_clock::now();
  std::vector<GroupDescription> described;
  const std::vector<std::string> groups = DiscoverGroups(&described);
  std::vector<GroupOffsets> offsets = FetchGroupOffsets(groups, tps);
  const double groups_seconds = since(tg);
  const size_t wm_failed = wm_future.get();
  const auto tb = std::chrono::steady_clock::now();

  // Topic-level state and families.
  std::unordered_map<std::string_view, size_t> topic_index;
  for (size_t i = 0; i < topics.size(); ++i) topic_index[topics[i]->name] = i;

  TextFamily brokers = Gauge("kafka_brokers", "Number of Brokers in the Kafka Cluster.");
  TextFamily broker_info = Gauge("kafka_broker_info", "Information about the Kafka Broker.");
  brokers.Add({}, static_cast<double>(md.brokers.size()));
  for (const auto& b : md.brokers) {
    broker_info.Add(
        {{"address", b.host + ":" + std::to_string(b.port)}, {"id", std::to_string(b.id)}}, 1);
  }
  TextFamily partitions = Gauge("kafka_topic_partitions", "Number of partitions for this Topic");
  TextFamily current = Gauge("kafka_topic_partition_current_offset",
                             "Current Offset of a Broker at Topic/Partition");
  TextFamily oldest =
      Gauge("kafka_topic_partition_oldest_offset", "Oldest Offset of a Broker at Topic/Partition");
  TextFamily leader =
      Gauge("kafka_topic_partition_leader", "Leader Broker ID of this Topic/Partition");
  TextFamily replicas =
      Gauge("kafka_topic_partition_replicas", "Number of Replicas for this Topic/Partition");
  TextFamily isr = Gauge("kafka_topic_partition_in_sync_replica",
                         "Number of In-Sync Replicas for this Topic/Partition");
  TextFamily preferred = Gauge("kafka_topic_partition_leader_is_preferred",
                               "1 if Topic/Partition is using the Preferred Broker");
  TextFamily under = Gauge("kafka_topic_partition_under_replicated_partition",
                           "1 if Topic/Partition is under Replicated");
  TextFamily replica_info =
      Gauge("kafka_topic_partition_replica_info",
            "Replica placement: one series per replica with its broker, role (leader|follower) "
            "and whether it is in sync (value 1).");
  size_t nparts = 0;
  for (const auto* t : topics) nparts += t->partitions.size();
  // ~70 bytes per partition series, ~90 per replica series: one allocation per family.
  for (auto* f : {&current, &oldest, &leader, &replicas, &isr, &preferred, &under}) {
    f->Reserve(nparts * 72);
  }
  replica_info.Reserve(nparts * 3 * 96);

  for (size_t i = 0; i < topics.size(); ++i) {
    const TopicInfo& t = *topics[i];
    partitions.Add({{"topic", t.name}}, static_cast<double>(t.partitions.size()));
    TopicState& ts = topics_[t.name];
    ts.seen_cycle = cycle_;
    int32_t max_id = -1;
    for (const auto& p : t.partitions) max_id = std::max(max_id, p.id);
    if (ts.history.size() < static_cast<size_t>(max_id + 1)) {
      ts.history.resize(max_id + 1,
                        OffsetHistory(static_cast<size_t>(options_.kafka.offset_history)));
    }
    for (size_t j = 0; j < t.partitions.size(); ++j) {
      const PartitionInfo& p = t.partitions[j];
      const std::string pid = std::to_string(p.id);
      const Watermarks& w = wm[i][j];
      if (w.high >= 0) {
        current.Add({{"partition", pid}, {"topic", t.name}}, static_cast<double>(w.high));
        oldest.Add({{"partition", pid}, {"topic", t.name}}, static_cast<double>(w.low));
        ts.history[p.id].Add(w.high, now);
      }
      leader.Add({{"partition", pid}, {"topic", t.name}}, p.leader);
      replicas.Add({{"partition", pid}, {"topic", t.name}}, static_cast<double>(p.replicas.size()));
      isr.Add({{"partition", pid}, {"topic", t.name}}, static_cast<double>(p.isr.size()));
      preferred.Add({{"partition", pid}, {"topic", t.name}},
                    !p.replicas.empty() && p.replicas[0] == p.leader ? 1 : 0);
      under.Add({{"partition", pid}, {"topic", t.name}}, p.isr.size() < p.replicas.size() ? 1 : 0);
      for (int32_t r : p.replicas) {
        const bool in_sync = std::find(p.isr.begin(), p.isr.end(), r) != p.isr.end();
        replica_info.Add({{"broker", std::to_string(r)},
                          {"in_sync", in_sync ? "true" : "false"},
                          {"partition", pid},
                          {"role", r == p.leader ? "leader" : "follower"},
                          {"topic", t.name}},
                         1);
      }
    }
  }

  // Group families.
  TextFamily g_current = Gauge("kafka_consumergroup_current_offset",
                               "Current Offset of a ConsumerGroup at Topic/Partition");
  // kafka_exporter's two *_sum names are kept for its dashboards; they are exposed untyped
  // because promtool's lint reserves the _sum suffix of typed non-summary metrics.
  TextFamily g_current_sum =
      Untyped("kafka_consumergroup_current_offset_sum",
              "Current Offset of a ConsumerGroup at Topic for all partitions");
  TextFamily g_lag = Gauge("kafka_consumergroup_lag",
                           "Current Approximate Lag of a ConsumerGroup at Topic/Partition "
                           "(max(0, high watermark - committed offset))");
  TextFamily g_lag_sum =
      Untyped("kafka_consumergroup_lag_sum",
              "Current Approximate Lag of a ConsumerGroup at Topic for all partitions");
  TextFamily g_uncommitted =
      Gauge("kafka_consumergroup_uncommitted_partitions",
            "Partitions of a topic the group consumes that have no committed offset (no lag series "
            "is exported for them).");
  TextFamily g_members =
      Gauge("kafka_consumergroup_members", "Amount of members in a consumer group");
  TextFamily g_lag_seconds =
      Gauge("streamlens_consumergroup_lag_seconds",
            "Estimated age of the oldest unconsumed message: now minus the time the high watermark "
            "passed the committed offset, interpolated over the exporter's watermark history.");
  TextFamily g_max_lag_seconds =
      Gauge("streamlens_consumergroup_max_lag_seconds",
            "Largest streamlens_consumergroup_lag_seconds over a topic's "
            "partitions.");
  TextFamily g_status = Gauge("streamlens_consumergroup_status",
                              "Burrow-style partition lag health: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR, "
                              "4 STOP, 5 STALL, 6 REWIND.");
  TextFamily g_group_status = Gauge("streamlens_consumergroup_group_status",
                                    "Burrow-style group lag health: its worst partition's code "
                                    "(1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND).");
  TextFamily g_status_info = Gauge("streamlens_consumergroup_status_info",
                                   "Group lag health as a state set: 1 for the current status.");

  std::unordered_map<std::string_view, const GroupDescription*> desc_by_name;
  for (const auto& d : described) {
    desc_by_name[d.name] = &d;
    g_members.Add({{"consumergroup", d.name}}, d.members);
  }

  size_t group_errors = 0;
  for (const GroupOffsets& go : offsets) {
    if (!go.status.ok()) {
      ++group_errors;
      logger_.Debug("group offsets failed",
                    {{"consumergroup", go.group}, {"err", go.status.message()}});
      continue;
    }
    const GroupDescription* desc = nullptr;
    if (auto it = desc_by_name.find(go.group); it != desc_by_name.end()) desc = it->second;
    // Committed offsets per topic index: (partition position j, offset).
    std::vector<std::vector<std::pair<size_t, int64_t>>> per_topic(topics.size());
    std::vector<bool> consumed(topics.size(), false);
    for (const auto& o : go.offsets) {
      auto it = topic_index.find(o.topic);
      if (it == topic_index.end()) continue;
      const size_t ti = it->second;
      consumed[ti] = consumed[ti] || o.offset >= 0;
      if (o.offset < 0) continue;
      const auto& parts = topics[ti]->partitions;
      auto pit = std::lower_bound(parts.begin(), parts.end(), o.partition,
                                  [](const PartitionInfo& p, int32_t id) { return p.id < id; });
      if (pit == parts.end() || pit->id != o.partition) continue;
      per_topic[ti].emplace_back(static_cast<size_t>(pit - parts.begin()), o.offset);
    }
    if (desc) {
      for (const auto& at : desc->assigned_topics) {
        if (auto it = topic_index.find(at); it != topic_index.end()) consumed[it->second] = true;
      }
    }
    auto& gstate = groups_[go.group];
    ConsumerStatus group_status = ConsumerStatus::kNotFound;
    for (size_t ti = 0; ti < topics.size(); ++ti) {
      if (!consumed[ti]) continue;
      const TopicInfo& t = *topics[ti];
      auto& list = per_topic[ti];
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 list.end());
      g_uncommitted.Add({{"consumergroup", go.group}, {"topic", t.name}},
                        static_cast<double>(t.partitions.size() - list.size()));
      if (list.empty()) continue;
      GroupTopicState& gts = gstate[t.name];
      gts.seen_cycle = cycle_;
      TopicState& ts = topics_[t.name];
      std::optional<bool> alive;
      if (desc) {
        alive = desc->members > 0 && std::binary_search(desc->assigned_topics.begin(),
                                                        desc->assigned_topics.end(), t.name);
      }
      double offset_sum = 0, lag_sum = 0, max_lag_seconds = -1;
      bool any_lag = false;
      for (const auto& [j, committed] : list) {
        const PartitionInfo& p = t.partitions[j];
        const std::string pid = std::to_string(p.id);
        g_current.Add({{"consumergroup", go.group}, {"partition", pid}, {"topic", t.name}},
                      static_cast<double>(committed));
        offset_sum += static_cast<double>(committed);
        const Watermarks& w = wm[ti][j];
        if (w.high < 0) continue;  // leader unreachable: offset known, lag not
        const int64_t lag = std::max<int64_t>(0, w.high - committed);
        any_lag = true;
        lag_sum += static_cast<double>(lag);
        g_lag.Add({{"consumergroup", go.group}, {"partition", pid}, {"topic", t.name}},
                  static_cast<double>(lag));
        const double ls = lag == 0 ? 0.0 : ts.history[p.id].LagSeconds(committed, now);
        if (ls >= 0) {
          g_lag_seconds.Add({{"consumergroup", go.group}, {"partition", pid}, {"topic", t.name}},
                            ls);
          max_lag_seconds = std::max(max_lag_seconds, ls);
        }
        if (gts.windows.size() <= static_cast<size_t>(p.id)) gts.windows.resize(p.id + 1);
        auto& win = gts.windows[p.id];
        if (!win) win.emplace(static_cast<size_t>(options_.kafka.lag_window));
        win->Observe(committed, w.high, now);
        const ConsumerStatus st = win->Evaluate(now, alive, status_params_);
        g_status.Add({{"consumergroup", go.group}, {"partition", pid}, {"topic", t.name}},
                     static_cast<int>(st));
        group_status = std::max(group_status, st);
      }
      g_current_sum.Add({{"consumergroup", go.group}, {"topic", t.name}}, offset_sum);
      if (any_lag) g_lag_sum.Add({{"consumergroup", go.group}, {"topic", t.name}}, lag_sum);
      if (max_lag_seconds >= 0) {
        g_max_lag_seconds.Add({{"consumergroup", go.group}, {"topic", t.name}}, max_lag_seconds);
      }
    }
    if (group_status != ConsumerStatus::kNotFound) {
      g_group_status.Add({{"consumergroup", go.group}}, static_cast<int>(group_status));
      for (ConsumerStatus s : kAllStatuses) {
        g_status_info.Add(
            {{"consumergroup", go.group}, {"status", std::string(ConsumerStatusName(s))}},
            s == group_status ? 1 : 0);
      }
    }
  }

  // Evict state of topics and group partitions no longer seen.
  std::erase_if(topics_, [&](const auto& kv) { return kv.second.seen_cycle != cycle_; });
  for (auto& [g, m] : groups_) {
    std::erase_if(m, [&](const auto& kv) { return kv.second.seen_cycle + 10 < cycle_; });
  }
  std::erase_if(groups_, [](const auto& kv) { return kv.second.empty(); });
  {
    std::set<std::string_view> live(groups.begin(), groups.end());
    std::erase_if(group_cache_, [&](const auto& kv) { return !live.count(kv.first); });
  }

  TextFamily wm_errors = Gauge("streamlens_exporter_kafka_unreadable_partitions",
                               "Partitions whose watermarks could not be read in the last "
                               "collection (leader down or slow).");
  wm_errors.Add({}, static_cast<double>(wm_failed));
  TextFamily grp_errors = Gauge("streamlens_exporter_kafka_unreadable_groups",
                                "Consumer groups whose committed offsets could not be read in "
                                "the last collection.");
  grp_errors.Add({}, static_cast<double>(group_errors));
  TextFamily phases = Gauge("streamlens_exporter_kafka_phase_duration_seconds",
                            "Duration of each phase of the last Kafka collection (watermarks run "
                            "concurrently with the group phase).");
  phases.Add({{"phase", "metadata"}}, metadata_seconds);
  phases.Add({{"phase", "watermarks"}}, watermarks_seconds);
  phases.Add({{"phase", "groups"}}, groups_seconds);
  phases.Add({{"phase", "build"}}, since(tb));
  TextFamily listing = Gauge("streamlens_exporter_kafka_group_listing_supported",
                             "1 if the cluster lists consumer groups, 0 if the exporter relies "
                             "on --group.list.");
  listing.Add({}, listing_ok_.value_or(false) ? 1 : 0);

  const std::initializer_list<TextFamily*> families = {
      &brokers,        &broker_info,   &partitions,        &current,
      &oldest,         &leader,        &replicas,          &isr,
      &preferred,      &under,         &replica_info,      &g_current,
      &g_current_sum,  &g_lag,         &g_lag_sum,         &g_uncommitted,
      &g_members,      &g_lag_seconds, &g_max_lag_seconds, &g_status,
      &g_group_status, &g_status_info, &wm_errors,         &grp_errors,
      &phases,         &listing};
  // One allocation of the exact output size: appending 13 MB with geometric growth would peak at
  // ~3x the text.
  size_t bound = out->size();
  for (const auto* f : families) bound += f->BoundSize(help_suffix);
  out->reserve(bound);
  for (auto* f : families) {
    f->MoveTo(help_suffix, out);
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter::kafka
