#include "exporter/kafka/kafka_collector.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <set>
#include <sstream>

namespace streamlens::exporter::kafka {

namespace {

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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

// Burrow's group statuses (a group is never STOP, STALL or REWIND itself).
constexpr ConsumerStatus kGroupStatuses[] = {ConsumerStatus::kOk, ConsumerStatus::kWarn,
                                             ConsumerStatus::kErr};

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

struct KafkaCollector::Cycle {
  ClusterMetadata md;
  double now = 0;
  std::vector<const TopicInfo*> topics;  // selected, in metadata order
  std::vector<TopicPartitions> tps;      // same order
  std::unordered_map<std::string_view, size_t> topic_index;
  std::vector<std::vector<Watermarks>> wm;  // wm[i][j]: topics[i]->partitions[j]
  size_t wm_failed = 0;
  std::vector<std::string> groups;
  std::vector<GroupDescription> described;
  std::vector<GroupOffsets> offsets;
  double metadata_seconds = 0, watermarks_seconds = 0, groups_seconds = 0;
};

Status KafkaCollector::CollectText(std::string_view help_suffix, std::string* out) {
  ++cycle_;
  Cycle c;
  STREAMLENS_RETURN_IF_ERROR(Gather(&c));
  const auto tb = std::chrono::steady_clock::now();
  KafkaFamilies f(target_labels_);
  RenderCluster(c, &f);
  RenderTopicConfigs(c, &f);
  const size_t group_errors = RenderGroups(c, &f);
  Evict(c.groups);

  f.wm_errors.Add({}, static_cast<double>(c.wm_failed));
  f.grp_errors.Add({}, static_cast<double>(group_errors));
  f.phases.Add({{"phase", "metadata"}}, c.metadata_seconds);
  f.phases.Add({{"phase", "watermarks"}}, c.watermarks_seconds);
  f.phases.Add({{"phase", "groups"}}, c.groups_seconds);
  f.phases.Add({{"phase", "build"}}, SecondsSince(tb));
  f.listing.Add({}, listing_ok_.value_or(false) ? 1 : 0);
  f.MoveTo(help_suffix, out);
  return Status::Ok();
}

// Metadata, then the watermarks (in the background) alongside group discovery and committed
// offsets.
Status KafkaCollector::Gather(Cycle* c) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto timeout = options_.kafka.timeout;
  auto md_or = client_->FetchMetadata(timeout);
  if (!md_or.ok()) return md_or.status();
  c->md = std::move(*md_or);
  c->now = options_.clock();
  c->metadata_seconds = SecondsSince(t0);
  for (const auto& t : c->md.topics) {
    if (!TopicSelected(t.name)) continue;
    c->topic_index[t.name] = c->topics.size();
    c->topics.push_back(&t);
    TopicPartitions tp{t.name, {}};
    tp.partitions.reserve(t.partitions.size());
    for (const auto& p : t.partitions) tp.partitions.push_back(p.id);
    c->tps.push_back(std::move(tp));
  }
  auto wm_future = std::async(std::launch::async, [&] {
    const auto t = std::chrono::steady_clock::now();
    c->wm_failed = client_->FetchWatermarks(c->md, c->tps, timeout, &c->wm);
    c->watermarks_seconds = SecondsSince(t);
  });
  const auto tg = std::chrono::steady_clock::now();
  c->groups = DiscoverGroups(&c->described);
  c->offsets = FetchGroupOffsets(c->groups, c->tps);
  c->groups_seconds = SecondsSince(tg);
  wm_future.get();
  return Status::Ok();
}

// Brokers, partitions, offsets and replica placement; feeds the watermark history.
void KafkaCollector::RenderCluster(const Cycle& c, KafkaFamilies* f) {
  f->brokers.Add({}, static_cast<double>(c.md.brokers.size()));
  for (const auto& b : c.md.brokers) {
    f->broker_info.Add(
        {{"address", b.host + ":" + std::to_string(b.port)}, {"id", std::to_string(b.id)}}, 1);
  }
  size_t nparts = 0;
  for (const auto* t : c.topics) nparts += t->partitions.size();
  f->ReservePartitions(nparts);
  for (size_t i = 0; i < c.topics.size(); ++i) {
    const TopicInfo& t = *c.topics[i];
    f->partitions.Add({{"topic", t.name}}, static_cast<double>(t.partitions.size()));
    TopicState& ts = topics_[t.name];
    ts.seen_cycle = cycle_;
    int32_t max_id = -1;
    size_t rf = 0;
    for (const auto& p : t.partitions) {
      max_id = std::max(max_id, p.id);
      rf = std::max(rf, p.replicas.size());
    }
    f->replication_factor.Add({{"topic", t.name}}, static_cast<double>(rf));
    if (ts.history.size() < static_cast<size_t>(max_id + 1)) {
      ts.history.resize(max_id + 1,
                        OffsetHistory(static_cast<size_t>(options_.kafka.offset_history)));
    }
    for (size_t j = 0; j < t.partitions.size(); ++j) {
      const PartitionInfo& p = t.partitions[j];
      const std::string pid = std::to_string(p.id);
      const Watermarks& w = c.wm[i][j];
      const TextFamily::Labels tp = {{"partition", pid}, {"topic", t.name}};
      if (w.high >= 0) {
        f->current.Add(tp, static_cast<double>(w.high));
        f->oldest.Add(tp, static_cast<double>(w.low));
        ts.history[p.id].Add(w.high, c.now);
      }
      f->leader.Add(tp, p.leader);
      f->replicas.Add(tp, static_cast<double>(p.replicas.size()));
      f->isr.Add(tp, static_cast<double>(p.isr.size()));
      f->preferred.Add(tp, !p.replicas.empty() && p.replicas[0] == p.leader ? 1 : 0);
      f->under.Add(tp, p.isr.size() < p.replicas.size() ? 1 : 0);
      for (int32_t r : p.replicas) {
        const bool in_sync = std::find(p.isr.begin(), p.isr.end(), r) != p.isr.end();
        f->replica_info.Add({{"broker", std::to_string(r)},
                             {"in_sync", in_sync ? "true" : "false"},
                             {"partition", pid},
                             {"role", r == p.leader ? "leader" : "follower"},
                             {"topic", t.name}},
                            1);
      }
    }
  }
}

// Takes a DescribeConfigs reply that has arrived, starts the next request when due, and renders
// the last good configurations of the selected topics.
void KafkaCollector::RenderTopicConfigs(const Cycle& c, KafkaFamilies* f) {
  const double refresh = std::chrono::duration<double>(options_.kafka.topic_config_refresh).count();
  if (refresh <= 0) return;
  if (configs_pending_) {
    if (auto reply = configs_pending_->Poll()) {
      configs_pending_.reset();
      const bool ok = reply->ok();
      if (!configs_ok_.has_value() || *configs_ok_ != ok) {
        if (ok) {
          logger_.Info("reading topic configurations works");
        } else {
          logger_.Warn("reading topic configurations failed; retrying every --topic.config-refresh",
                       {{"err", reply->status().message()}});
        }
      }
      configs_ok_ = ok;
      if (ok) {
        topic_configs_.clear();
        for (const auto& t : **reply) {
          if (t.error.empty()) topic_configs_[t.topic] = DecodeTopicConfig(t.entries);
        }
      }
    }
  }
  if (!configs_pending_ && c.now >= configs_due_ && !c.topics.empty()) {
    std::vector<std::string> names;
    for (const auto* t : c.topics) names.push_back(t->name);
    configs_pending_ = client_->DescribeTopicConfigs(names, options_.kafka.timeout);
    configs_due_ = c.now + refresh;
  }
  if (configs_ok_.has_value()) f->configs_ok.Add({}, *configs_ok_ ? 1 : 0);
  for (const auto* t : c.topics) {
    auto it = topic_configs_.find(t->name);
    if (it == topic_configs_.end()) continue;
    const TopicConfig& tc = it->second;
    const TextFamily::Labels l = {{"topic", t->name}};
    if (tc.min_insync_replicas) f->min_isr.Add(l, *tc.min_insync_replicas);
    if (tc.retention_seconds) f->retention_seconds.Add(l, *tc.retention_seconds);
    if (tc.retention_bytes) f->retention_bytes.Add(l, *tc.retention_bytes);
    if (!tc.cleanup_policy.empty()) {
      f->cleanup_policy.Add({{"policy", tc.cleanup_policy}, {"topic", t->name}}, 1);
    }
  }
}

// Committed offsets, lag, lag seconds and lag health of every group.
size_t KafkaCollector::RenderGroups(const Cycle& c, KafkaFamilies* f) {
  std::unordered_map<std::string_view, const GroupDescription*> desc_by_name;
  for (const auto& d : c.described) {
    desc_by_name[d.name] = &d;
    f->g_members.Add({{"consumergroup", d.name}}, d.members);
  }
  size_t group_errors = 0;
  for (const GroupOffsets& go : c.offsets) {
    if (!go.status.ok()) {
      ++group_errors;
      logger_.Debug("group offsets failed",
                    {{"consumergroup", go.group}, {"err", go.status.message()}});
      continue;
    }
    const GroupDescription* desc = nullptr;
    if (auto it = desc_by_name.find(go.group); it != desc_by_name.end()) desc = it->second;
    // Committed offsets per topic index: (partition position j, offset).
    std::vector<std::vector<std::pair<size_t, int64_t>>> per_topic(c.topics.size());
    std::vector<bool> consumed(c.topics.size(), false);
    for (const auto& o : go.offsets) {
      auto it = c.topic_index.find(o.topic);
      if (it == c.topic_index.end()) continue;
      const size_t ti = it->second;
      consumed[ti] = consumed[ti] || o.offset >= 0;
      if (o.offset < 0) continue;
      const auto& parts = c.topics[ti]->partitions;
      auto pit = std::lower_bound(parts.begin(), parts.end(), o.partition,
                                  [](const PartitionInfo& p, int32_t id) { return p.id < id; });
      if (pit == parts.end() || pit->id != o.partition) continue;
      per_topic[ti].emplace_back(static_cast<size_t>(pit - parts.begin()), o.offset);
    }
    if (desc) {
      for (const auto& at : desc->assigned_topics) {
        if (auto it = c.topic_index.find(at); it != c.topic_index.end())
          consumed[it->second] = true;
      }
    }
    ConsumerStatus worst = ConsumerStatus::kNotFound;
    for (size_t ti = 0; ti < c.topics.size(); ++ti) {
      if (!consumed[ti]) continue;
      std::optional<bool> alive;
      if (desc) {
        alive = desc->members > 0 &&
                std::binary_search(desc->assigned_topics.begin(), desc->assigned_topics.end(),
                                   c.topics[ti]->name);
      }
      RenderGroupTopic(c, go.group, ti, per_topic[ti], alive, f, &worst);
    }
    const ConsumerStatus group_status = GroupStatus(worst);
    if (group_status != ConsumerStatus::kNotFound) {
      f->g_group_status.Add({{"consumergroup", go.group}}, static_cast<int>(group_status));
      for (ConsumerStatus s : kGroupStatuses) {
        f->g_status_info.Add(
            {{"consumergroup", go.group}, {"status", std::string(ConsumerStatusName(s))}},
            s == group_status ? 1 : 0);
      }
    }
  }
  return group_errors;
}

// One group's series for one topic; `committed` holds (partition position, offset) pairs.
// Raises `worst` to the worst partition status seen.
void KafkaCollector::RenderGroupTopic(const Cycle& c, const std::string& group, size_t ti,
                                      std::vector<std::pair<size_t, int64_t>>& committed,
                                      std::optional<bool> alive, KafkaFamilies* f,
                                      ConsumerStatus* worst) {
  const TopicInfo& t = *c.topics[ti];
  std::sort(committed.begin(), committed.end());
  committed.erase(std::unique(committed.begin(), committed.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  committed.end());
  f->g_uncommitted.Add({{"consumergroup", group}, {"topic", t.name}},
                       static_cast<double>(t.partitions.size() - committed.size()));
  if (committed.empty()) return;
  GroupTopicState& gts = groups_[group][t.name];
  gts.seen_cycle = cycle_;
  TopicState& ts = topics_[t.name];
  double offset_sum = 0, lag_sum = 0, max_lag_seconds = -1;
  bool any_lag = false;
  for (const auto& [j, offset] : committed) {
    const PartitionInfo& p = t.partitions[j];
    const std::string pid = std::to_string(p.id);
    const TextFamily::Labels gtp = {
        {"consumergroup", group}, {"partition", pid}, {"topic", t.name}};
    f->g_current.Add(gtp, static_cast<double>(offset));
    offset_sum += static_cast<double>(offset);
    const Watermarks& w = c.wm[ti][j];
    if (w.high < 0) continue;  // leader unreachable: offset known, lag not
    const int64_t lag = std::max<int64_t>(0, w.high - offset);
    any_lag = true;
    lag_sum += static_cast<double>(lag);
    f->g_lag.Add(gtp, static_cast<double>(lag));
    const double ls = lag == 0 ? 0.0 : ts.history[p.id].LagSeconds(offset, c.now);
    if (ls >= 0) {
      f->g_lag_seconds.Add(gtp, ls);
      max_lag_seconds = std::max(max_lag_seconds, ls);
    }
    if (gts.windows.size() <= static_cast<size_t>(p.id)) gts.windows.resize(p.id + 1);
    auto& win = gts.windows[p.id];
    if (!win) win.emplace(static_cast<size_t>(options_.kafka.lag_window));
    win->Observe(offset, w.high, c.now);
    const ConsumerStatus st = win->Evaluate(c.now, alive, status_params_);
    f->g_status.Add(gtp, static_cast<int>(st));
    *worst = std::max(*worst, st);
  }
  const TextFamily::Labels gt = {{"consumergroup", group}, {"topic", t.name}};
  f->g_current_sum.Add(gt, offset_sum);
  if (any_lag) f->g_lag_sum.Add(gt, lag_sum);
  if (max_lag_seconds >= 0) f->g_max_lag_seconds.Add(gt, max_lag_seconds);
}

// Drops the state of topics and group partitions no longer seen.
void KafkaCollector::Evict(const std::vector<std::string>& live_groups) {
  std::erase_if(topics_, [&](const auto& kv) { return kv.second.seen_cycle != cycle_; });
  for (auto& [g, m] : groups_) {
    std::erase_if(m, [&](const auto& kv) { return kv.second.seen_cycle + 10 < cycle_; });
  }
  std::erase_if(groups_, [](const auto& kv) { return kv.second.empty(); });
  std::set<std::string_view> live(live_groups.begin(), live_groups.end());
  std::erase_if(group_cache_, [&](const auto& kv) { return !live.count(kv.first); });
}

}  // namespace streamlens::exporter::kafka
