// Adapter: placement what-ifs and the rebalance plan (sidecar/analysis/models/placement.h,
// what_if.h, rebalance_planner.h, data_coverage.h) as a cluster analysis.
//
// Each cycle reads the replica placement and ISR (replica_info), brokers (broker_info),
// per-partition message rates (rate of the end offsets over rate_window) and per-topic bytes
// in/out (split over a topic's partitions by their share of its messages), then simulates each
// broker's failure, the effect of adding one broker, and plans a rebalance. The load model comes
// from the job's cpu_model when it has one (loads are CPU ratios); otherwise Cruise Control's
// static weights (0.7 leader bytes in, 0.15 leader bytes out, 0.15 replication bytes in) scaled
// so the busiest broker today has load 1 (leader messages in when there are no byte rates).
// replica_info carries the role but not the assignment order, so replicas are ordered leader
// first, then followers by broker id.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "common/json_writer.h"
#include "sidecar/analysis/models/data_coverage.h"
#include "sidecar/analysis/models/placement.h"
#include "sidecar/analysis/models/rebalance_planner.h"
#include "sidecar/analysis/models/what_if.h"
#include "sidecar/engine/adapter_helpers.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/cluster_analysis.h"
#include "sidecar/engine/shared_cpu_model.h"

namespace streamlens::engine {
namespace {

namespace md = analysis::models;

// The parsed selectors of a placement config (empty: not fetched).
struct PlacementSelectors {
  std::vector<remote_read::Matcher> replicas, brokers, offsets, bytes_in, bytes_out, min_isr;
  std::vector<remote_read::Matcher> topic_partitions, partition_replicas;
};

class PlacementAnalysis final : public ClusterAnalysis {
 public:
  PlacementAnalysis(PlacementSelectors sel, std::shared_ptr<SharedCpuModel> shared)
      : replicas_(std::move(sel.replicas)),
        brokers_(std::move(sel.brokers)),
        offsets_(std::move(sel.offsets)),
        bytes_in_(std::move(sel.bytes_in)),
        bytes_out_(std::move(sel.bytes_out)),
        min_isr_(std::move(sel.min_isr)),
        topic_partitions_(std::move(sel.topic_partitions)),
        partition_replicas_(std::move(sel.partition_replicas)),
        shared_(std::move(shared)) {}
  std::string_view kind() const override { return "placement"; }

  Status Run(const ClusterInput& in, ClusterOutput* out) override {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    std::vector<md::PartitionState> parts;
    std::vector<md::BrokerInfo> brokers;
    md::CoverageInput cover;
    STREAMLENS_RETURN_IF_ERROR(ReadCluster(in, &parts, &brokers, &cover));
    if (brokers.empty() || parts.empty()) {
      return Status::Error("placement: no replica placement found (" + cfg.replica_info + ")");
    }
    const LabelPairs base = WithJob({}, job);
    const md::DataCoverage coverage = md::AssessCoverage(parts, cover, cfg.min_coverage);
    out->samples.push_back({"streamlens_placement_data_coverage_ratio", base, coverage.coverage});
    out->samples.push_back({"streamlens_placement_data_freshness_ratio", base, coverage.freshness});
    if (!coverage.sufficient) {
      // No plan from partial data: a missing partition would silently vanish from it.
      PublishInsufficient(in, brokers, coverage, out);
      return Status::Ok();
    }
    std::string model_source;
    auto model = LoadModel(parts, brokers, &model_source);
    if (!model.ok()) return model.status();
    auto header = [&](std::string* o) {
      json::KeyStr(o, "for", job.name, true);
      json::KeyStr(o, "status", "ok");
      json::KeyNum(o, "evaluated", static_cast<double>(in.now_ms) / 1000.0);
      json::KeyStr(o, "load_model", model_source);
      json::KeyNum(o, "partitions", static_cast<double>(parts.size()));
      json::KeyNum(o, "brokers", static_cast<double>(brokers.size()));
    };
    Status first;
    if (cfg.broker_failure) first = BrokerFailure(in, parts, brokers, *model, header, out);
    for (auto stage : {&PlacementAnalysis::Rebalance<decltype(header)>,
                       &PlacementAnalysis::AddBroker<decltype(header)>}) {
      Status s = (this->*stage)(in, parts, brokers, *model, header, out);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  }

 private:
  // The rebalance plan: leader and replica moves that lower the peak predicted load.
  template <typename Header>
  Status Rebalance(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                   const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                   const Header& header, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    if (!cfg.rebalance) return Status::Ok();
    md::RebalanceParams rp;
    rp.max_moves = static_cast<size_t>(cfg.max_moves);
    auto plan = md::PlanRebalance(parts, brokers, model, rp);
    if (!plan.ok()) return plan.status().WithContext("placement: rebalance");
    const LabelPairs base = WithJob({}, *in.job);
    out->samples.push_back(
        {"streamlens_rebalance_proposed_moves", base, static_cast<double>(plan->moves.size())});
    out->samples.push_back(
        {"streamlens_rebalance_peak_load_before_ratio", base, plan->peak_before});
    out->samples.push_back({"streamlens_rebalance_peak_load_after_ratio", base, plan->peak_after});
    for (const md::BrokerLoad& l : plan->loads_before) {
      out->samples.push_back({"streamlens_broker_predicted_load_ratio",
                              WithJob({{"broker", std::to_string(l.broker)}}, *in.job),
                              l.predicted});
    }
    std::string o = "{\"kind\":\"rebalance\",";
    header(&o);
    PlanJson(&o, *plan);
    o += "}";
    out->documents.push_back({"rebalance_plan", "", std::move(o)});
    return Status::Ok();
  }

  // What adding one broker (on the least used rack) would do.
  template <typename Header>
  Status AddBroker(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                   const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                   const Header& header, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    if (!cfg.add_broker) return Status::Ok();
    md::RebalanceParams rp;
    rp.max_moves = static_cast<size_t>(cfg.max_moves);
    md::BrokerInfo nb;
    int32_t max_id = 0;
    std::map<std::string, int> racks;
    bool all_racks = true;
    for (const auto& b : brokers) {
      max_id = std::max(max_id, b.id);
      if (b.rack.empty()) all_racks = false;
      racks[b.rack]++;
    }
    nb.id = max_id + 1;
    if (all_racks && !racks.empty()) {
      nb.rack = std::min_element(racks.begin(), racks.end(), [](const auto& a, const auto& b) {
                  return a.second < b.second;
                })->first;
    }
    auto add = md::AddBrokerEffect(parts, brokers, nb, model, rp);
    if (!add.ok()) return add.status().WithContext("placement: add broker");
    out->samples.push_back(
        {"streamlens_add_broker_peak_load_ratio", WithJob({}, *in.job), add->peak_after});
    std::string o = "{\"kind\":\"add_broker\",";
    header(&o);
    json::KeyNum(&o, "new_broker", add->new_broker.id);
    json::KeyStr(&o, "new_broker_rack", add->new_broker.rack);
    json::KeyNum(&o, "peak_before", add->peak_before);
    json::KeyNum(&o, "peak_after", add->peak_after);
    json::KeyNum(&o, "peak_rebalanced_without", add->peak_rebalanced_without);
    json::KeyNum(&o, "new_broker_load", add->new_broker_load);
    json::KeyStr(&o, "reason", add->summary);
    json::Key(&o, "plan");
    o += "{";
    PlanJson(&o, add->plan, true);
    o += "}}";
    out->documents.push_back({"add_broker", "", std::move(o)});
    return Status::Ok();
  }

  // What-if each broker fails. min.insync.replicas per topic: the placement config's
  // topic_min_isr, else the topic's configuration as the exporter publishes it (min_isr_metric),
  // else the config's min_isr.
  template <typename Header>
  Status BrokerFailure(const ClusterInput& in, const std::vector<md::PartitionState>& parts,
                       const std::vector<md::BrokerInfo>& brokers, const md::BrokerLoadModel& model,
                       const Header& header, ClusterOutput* out) {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    md::WhatIfParams wp;
    wp.default_min_isr = cfg.default_min_isr;
    const size_t from_metric = ReadTopicMinIsr(in, &wp.topic_min_isr);
    for (const auto& [topic, v] : cfg.topic_min_isr) wp.topic_min_isr[topic] = v;
    wp.unclean_leader_election = cfg.unclean_leader_election;
    auto all = md::SimulateEachBrokerFailure(parts, brokers, model, wp);
    if (!all.ok()) return all.status().WithContext("placement: broker failure");
    auto with_source = [&](std::string* o) {
      header(o);
      json::KeyNum(o, "min_isr_from_topic_configs", static_cast<double>(from_metric));
    };
    for (const md::BrokerFailureResult& r : *all) {
      const std::string b = std::to_string(r.failed_broker);
      LabelPairs bl = WithJob({{"broker", b}}, job);
      out->samples.push_back({"streamlens_broker_failure_offline_partitions", bl,
                              static_cast<double>(r.offline.size())});
      out->samples.push_back({"streamlens_broker_failure_under_min_isr_partitions", bl,
                              static_cast<double>(r.under_min_isr.size())});
      out->samples.push_back({"streamlens_broker_failure_peak_load_ratio", bl, r.peak_load_after});
      out->samples.push_back(
          {"streamlens_broker_failure_data_loss_threat", bl, r.data_loss_threat ? 1.0 : 0.0});
      out->documents.push_back({"broker_failure", b, FailureJson(r, with_source)});
    }
    return Status::Ok();
  }

  // The latest min.insync.replicas per topic from min_isr_metric; returns the topics found.
  // Missing or unreadable: none (the config's values apply).
  size_t ReadTopicMinIsr(const ClusterInput& in, std::map<std::string, int>* out) {
    if (min_isr_.empty()) return 0;
    const int64_t now = in.end_grid_ms;
    auto got = in.fetcher->Fetch(min_isr_, Transform::kNone, Aggregation::kNone, {}, now, now);
    if (!got.ok()) return 0;
    size_t n = 0;
    for (const auto& s : got->series) {
      const std::string topic = LabelValue(s.labels, "topic");
      const double v = s.values.empty() ? NAN : s.values[0];
      if (topic.empty() || !std::isfinite(v) || v < 1 || v > 100) continue;
      (*out)[topic] = static_cast<int>(v);
      ++n;
    }
    return n;
  }

  // One document per enabled plan kind (per broker for broker_failure) saying why there is no
  // plan; the JSON API serves them in place of the plans.
  static void PublishInsufficient(const ClusterInput& in,
                                  const std::vector<md::BrokerInfo>& brokers,
                                  const md::DataCoverage& c, ClusterOutput* out) {
    const PlacementConfig& cfg = in.job->placement;
    auto doc = [&](const char* kind, const std::string& broker) {
      std::string o = "{";
      json::KeyStr(&o, "kind", kind, true);
      json::KeyStr(&o, "for", in.job->name);
      json::KeyStr(&o, "status", "insufficient_data");
      json::KeyNum(&o, "evaluated", static_cast<double>(in.now_ms) / 1000.0);
      if (!broker.empty()) json::KeyNum(&o, "broker", std::stod(broker));
      json::KeyNum(&o, "coverage", c.coverage);
      json::KeyNum(&o, "freshness", c.freshness);
      json::KeyNum(&o, "min_coverage", cfg.min_coverage);
      json::KeyNum(&o, "expected_partitions", static_cast<double>(c.expected_partitions));
      json::KeyNum(&o, "complete_partitions", static_cast<double>(c.complete_partitions));
      json::KeyStr(&o, "reason", "no plan from incomplete data: " + c.reason);
      o += "}";
      return o;
    };
    if (cfg.broker_failure) {
      for (const auto& b : brokers) {
        const std::string id = std::to_string(b.id);
        out->documents.push_back({"broker_failure", id, doc("broker_failure", id)});
      }
    }
    if (cfg.rebalance) out->documents.push_back({"rebalance_plan", "", doc("rebalance", "")});
    if (cfg.add_broker) out->documents.push_back({"add_broker", "", doc("add_broker", "")});
  }

  // Partition and replica counts to measure the placement's coverage against; a selector that
  // matches nothing leaves its map empty.
  Status ReadExpected(const ClusterInput& in, md::CoverageInput* cover) {
    const int64_t now = in.end_grid_ms;
    for (bool topics : {true, false}) {
      const auto& sel = topics ? topic_partitions_ : partition_replicas_;
      if (sel.empty()) continue;
      auto f = in.fetcher->Fetch(sel, Transform::kNone, Aggregation::kNone, {}, now, now);
      if (!f.ok()) return f.status().WithContext("placement: expected partitions");
      for (const auto& s : f->series) {
        const double v = s.values[0];
        if (!std::isfinite(v) || v < 0 || v > 1e7) continue;
        const std::string topic = LabelValue(s.labels, "topic");
        if (topic.empty()) continue;
        if (topics) {
          cover->topic_partitions[topic] = static_cast<int>(v);
          continue;
        }
        const std::string ps = LabelValue(s.labels, "partition");
        char* e = nullptr;
        long p = std::strtol(ps.c_str(), &e, 10);
        if (ps.empty() || *e || p < 0) continue;
        cover->partition_replicas[{topic, static_cast<int32_t>(p)}] = static_cast<int>(v);
      }
    }
    return Status::Ok();
  }

  // Message and byte rates averaged over rate_window: per partition and per topic.
  struct Rates {
    std::map<std::pair<std::string, int32_t>, double> msgs;
    std::map<std::string, double> topic_msgs, topic_in, topic_out;
  };
  Status ReadRates(const ClusterInput& in, Rates* rates) {
    const int64_t now = in.end_grid_ms;
    auto& [msgs, topic_msgs, topic_in, topic_out] = *rates;
    const int64_t rs = now - in.job->placement.rate_window.count();
    auto mean = [](const std::vector<double>& v) {
      double s = 0;
      size_t k = 0;
      for (double x : v) {
        if (std::isfinite(x)) {
          s += x;
          ++k;
        }
      }
      return k ? s / static_cast<double>(k) : 0.0;
    };
    auto off = in.fetcher->Fetch(offsets_, Transform::kRate, Aggregation::kSum,
                                 {"topic", "partition"}, rs, now);
    if (!off.ok()) return off.status().WithContext("placement: partition offsets");
    for (const auto& s : off->series) {
      const std::string ps = LabelValue(s.labels, "partition");
      char* e = nullptr;
      long p = std::strtol(ps.c_str(), &e, 10);
      if (ps.empty() || *e) continue;
      const std::string topic = LabelValue(s.labels, "topic");
      double m = std::max(0.0, mean(s.values));
      msgs[{topic, static_cast<int32_t>(p)}] = m;
      topic_msgs[topic] += m;
    }
    for (auto [sel, dst] : {std::pair{&bytes_in_, &topic_in}, std::pair{&bytes_out_, &topic_out}}) {
      if (sel->empty()) continue;
      auto fr = in.fetcher->Fetch(*sel, Transform::kRate, Aggregation::kSum, {"topic"}, rs, now);
      if (!fr.ok()) return fr.status().WithContext("placement: topic bytes");
      for (const auto& s : fr->series) {
        (*dst)[LabelValue(s.labels, "topic")] = std::max(0.0, mean(s.values));
      }
    }
    return Status::Ok();
  }

  Status ReadCluster(const ClusterInput& in, std::vector<md::PartitionState>* parts,
                     std::vector<md::BrokerInfo>* brokers, md::CoverageInput* cover) {
    const JobConfig& job = *in.job;
    const PlacementConfig& cfg = job.placement;
    const int64_t now = in.end_grid_ms;
    // Over the rate window, so replica series that stopped reporting count as stale.
    auto rep = in.fetcher->Fetch(replicas_, Transform::kNone, Aggregation::kNone, {},
                                 now - cfg.rate_window.count(), now);
    if (!rep.ok()) return rep.status().WithContext("placement: replica_info");
    STREAMLENS_RETURN_IF_ERROR(ReadExpected(in, cover));
    auto bro = in.fetcher->Fetch(brokers_, Transform::kNone, Aggregation::kNone, {}, now, now);
    if (!bro.ok()) return bro.status().WithContext("placement: broker_info");
    std::map<int32_t, std::string> known;
    for (const auto& s : bro->series) {
      if (!std::isfinite(s.values[0])) continue;
      std::string id = LabelValue(s.labels, "id");
      if (id.empty()) id = LabelValue(s.labels, "broker");
      char* end = nullptr;
      long v = std::strtol(id.c_str(), &end, 10);
      if (id.empty() || *end != '\0') continue;
      known[static_cast<int32_t>(v)] = LabelValue(s.labels, "rack");
    }
    struct Rep {
      std::vector<std::pair<int32_t, bool>> followers;  // broker, in sync
      int32_t leader = -1;
      bool leader_in_sync = true;
    };
    std::map<std::pair<std::string, int32_t>, Rep> reps;
    for (const auto& s : rep->series) {
      if (std::none_of(s.values.begin(), s.values.end(),
                       [](double v) { return std::isfinite(v); })) {
        continue;
      }
      ++cover->replica_series_seen;
      if (!std::isfinite(s.values.back())) continue;  // stale: not part of the current placement
      ++cover->replica_series_fresh;
      const std::string topic = LabelValue(s.labels, "topic");
      char* e1 = nullptr;
      char* e2 = nullptr;
      const std::string ps = LabelValue(s.labels, "partition");
      const std::string bs = LabelValue(s.labels, "broker");
      long p = std::strtol(ps.c_str(), &e1, 10);
      long b = std::strtol(bs.c_str(), &e2, 10);
      if (topic.empty() || ps.empty() || bs.empty() || *e1 || *e2) continue;
      Rep& r = reps[{topic, static_cast<int32_t>(p)}];
      const bool in_sync = LabelValue(s.labels, "in_sync") == "true";
      if (LabelValue(s.labels, "role") == "leader") {
        r.leader = static_cast<int32_t>(b);
        r.leader_in_sync = in_sync;
      } else {
        r.followers.emplace_back(static_cast<int32_t>(b), in_sync);
      }
      if (!known.count(static_cast<int32_t>(b))) known[static_cast<int32_t>(b)] = "";
    }
    Rates rates;
    STREAMLENS_RETURN_IF_ERROR(ReadRates(in, &rates));
    auto& [msgs, topic_msgs, topic_in, topic_out] = rates;
    std::map<std::string, int> topic_parts;
    for (const auto& [k, r] : reps) topic_parts[k.first]++;
    for (auto& [k, r] : reps) {
      md::PartitionState p;
      p.topic = k.first;
      p.partition = k.second;
      if (r.leader >= 0) {
        p.replicas.push_back(r.leader);
        if (r.leader_in_sync) p.isr.push_back(r.leader);
      }
      std::sort(r.followers.begin(), r.followers.end());
      for (const auto& [b, sync] : r.followers) {
        p.replicas.push_back(b);
        if (sync) p.isr.push_back(b);
      }
      p.leader = r.leader;
      auto mi = msgs.find(k);
      p.messages_in_per_s = mi == msgs.end() ? 0.0 : mi->second;
      const double tm = topic_msgs[k.first];
      const double share = tm > 0 ? p.messages_in_per_s / tm : 1.0 / topic_parts[k.first];
      p.bytes_in_per_s = topic_in[k.first] * share;
      p.bytes_out_per_s = topic_out[k.first] * share;
      parts->push_back(std::move(p));
    }
    for (const auto& [id, rack] : known) brokers->push_back({id, rack});
    // Racks only count when every broker has one.
    bool all = std::all_of(brokers->begin(), brokers->end(),
                           [](const md::BrokerInfo& b) { return !b.rack.empty(); });
    if (!all) {
      for (auto& b : *brokers) b.rack.clear();
    }
    return Status::Ok();
  }

  Result<md::BrokerLoadModel> LoadModel(const std::vector<md::PartitionState>& parts,
                                        const std::vector<md::BrokerInfo>& brokers,
                                        std::string* source) {
    if (shared_ && shared_->valid) {
      auto m = md::LoadModelFromCpuModel(shared_->model);
      if (m.ok()) {
        *source = "cpu_model";
        return m;
      }
    }
    md::BrokerLoadModel m;
    m.leader_bytes_in = 0.7;
    m.leader_bytes_out = 0.15;
    m.replication_bytes_in = 0.15;
    auto loads = md::ComputeBrokerLoads(parts, brokers, m);
    if (!loads.ok()) return loads.status().WithContext("placement");
    double peak = 0;
    for (const auto& l : *loads) peak = std::max(peak, l.predicted);
    *source = "static_weights_relative_to_busiest_broker";
    if (peak <= 0) {
      // No byte rates (topic_bytes_in/out absent): leader messages in are the load.
      m = md::BrokerLoadModel();
      m.messages_in = 1;
      loads = md::ComputeBrokerLoads(parts, brokers, m);
      if (!loads.ok()) return loads.status().WithContext("placement");
      for (const auto& l : *loads) peak = std::max(peak, l.predicted);
      *source = "leader_messages_in_relative_to_busiest_broker";
    }
    if (peak > 0) {
      m.leader_bytes_in /= peak;
      m.leader_bytes_out /= peak;
      m.replication_bytes_in /= peak;
      m.messages_in /= peak;
    }
    return m;
  }

  template <typename Header>
  static std::string FailureJson(const md::BrokerFailureResult& r, const Header& header) {
    std::string o = "{";
    header(&o);
    json::KeyNum(&o, "broker", r.failed_broker);
    json::KeyNum(&o, "offline_partitions", static_cast<double>(r.offline.size()));
    json::KeyNum(&o, "under_min_isr_partitions", static_cast<double>(r.under_min_isr.size()));
    json::KeyNum(&o, "leadership_moves", static_cast<double>(r.leadership_moves.size()));
    json::KeyNum(&o, "peak_load_before", r.peak_load_before);
    json::KeyNum(&o, "peak_load_after", r.peak_load_after);
    json::KeyNum(&o, "peak_broker_after", r.peak_broker_after);
    json::KeyBool(&o, "data_loss_threat", r.data_loss_threat);
    int threatened = 0;
    for (const auto& t : r.topics) threatened += t.threat >= md::DataLossThreat::kSingleCopy;
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "if broker %d fails: %zu partitions go offline, %zu fall under min ISR, %zu "
                  "leaderships move; peak predicted load %.3g -> %.3g (broker %d); %d topics at "
                  "risk of data loss",
                  r.failed_broker, r.offline.size(), r.under_min_isr.size(),
                  r.leadership_moves.size(), r.peak_load_before, r.peak_load_after,
                  r.peak_broker_after, threatened);
    json::KeyStr(&o, "reason", buf);
    constexpr size_t kMaxList = 1000;  // bound the document; counts above are complete
    auto refs = [&](const char* key, const std::vector<md::PartitionRef>& v) {
      json::Key(&o, key);
      o += "[";
      for (size_t i = 0; i < v.size() && i < kMaxList; ++i) {
        if (i) o += ",";
        o += "{";
        json::KeyStr(&o, "topic", v[i].topic, true);
        json::KeyNum(&o, "partition", v[i].partition);
        o += "}";
      }
      o += "]";
    };
    refs("offline", r.offline);
    refs("under_min_isr", r.under_min_isr);
    json::Key(&o, "new_leaders");
    o += "[";
    for (size_t i = 0; i < r.leadership_moves.size() && i < kMaxList; ++i) {
      const auto& m = r.leadership_moves[i];
      if (i) o += ",";
      o += "{";
      json::KeyStr(&o, "topic", m.topic, true);
      json::KeyNum(&o, "partition", m.partition);
      json::KeyNum(&o, "to", m.to);
      json::KeyBool(&o, "unclean", m.unclean);
      o += "}";
    }
    o += "]";
    json::Key(&o, "survivor_loads");
    o += "[";
    for (size_t i = 0; i < r.survivor_loads.size(); ++i) {
      if (i) o += ",";
      o += "{";
      json::KeyNum(&o, "broker", r.survivor_loads[i].broker, true);
      json::KeyNum(&o, "predicted_load", r.survivor_loads[i].predicted);
      json::KeyNum(&o, "leaders", r.survivor_loads[i].leaders);
      o += "}";
    }
    o += "]";
    json::Key(&o, "topics");
    o += "[";
    bool firstt = true;
    for (const auto& t : r.topics) {
      if (t.threat == md::DataLossThreat::kNone) continue;
      if (!firstt) o += ",";
      firstt = false;
      o += "{";
      json::KeyStr(&o, "topic", t.topic, true);
      json::KeyStr(&o, "threat", md::DataLossThreatName(t.threat));
      json::KeyNum(&o, "offline", t.offline);
      json::KeyNum(&o, "under_min_isr", t.under_min_isr);
      json::KeyNum(&o, "single_copy", t.single_copy);
      json::KeyNum(&o, "unclean_elections", t.unclean_elections);
      o += "}";
    }
    o += "]}";
    return o;
  }

  static void PlanJson(std::string* o, const md::RebalancePlan& p, bool first = false) {
    json::KeyNum(o, "proposed_moves", static_cast<double>(p.moves.size()), first);
    json::KeyNum(o, "partitions_changed", static_cast<double>(p.partitions_changed));
    json::KeyNum(o, "peak_before", p.peak_before);
    json::KeyNum(o, "peak_after", p.peak_after);
    json::KeyStr(o, "reason", p.summary);
    json::Key(o, "moves");
    *o += "[";
    for (size_t i = 0; i < p.moves.size(); ++i) {
      const auto& m = p.moves[i];
      if (i) *o += ",";
      *o += "{";
      json::KeyStr(o, "kind",
                   m.kind == md::RebalanceMove::Kind::kLeadership ? "leadership" : "replica", true);
      json::KeyStr(o, "topic", m.topic);
      json::KeyNum(o, "partition", m.partition);
      json::KeyNum(o, "from", m.from_broker);
      json::KeyNum(o, "to", m.to_broker);
      json::KeyNum(o, "load_moved", m.load_moved);
      *o += "}";
    }
    *o += "]";
    json::Key(o, "loads");
    *o += "[";
    for (size_t i = 0; i < p.loads_before.size(); ++i) {
      if (i) *o += ",";
      *o += "{";
      json::KeyNum(o, "broker", p.loads_before[i].broker, true);
      json::KeyNum(o, "before", p.loads_before[i].predicted);
      double after = std::numeric_limits<double>::quiet_NaN();
      for (const auto& a : p.loads_after) {
        if (a.broker == p.loads_before[i].broker) after = a.predicted;
      }
      json::KeyNum(o, "after", after);
      *o += "}";
    }
    *o += "]";
    // The kafka-reassign-partitions plan, embedded as JSON (it is a JSON object already).
    json::Key(o, "reassignment");
    *o += p.reassignment_json.empty() ? "{\"version\":1,\"partitions\":[]}" : p.reassignment_json;
  }

  std::vector<remote_read::Matcher> replicas_, brokers_, offsets_, bytes_in_, bytes_out_, min_isr_;
  std::vector<remote_read::Matcher> topic_partitions_, partition_replicas_;
  std::shared_ptr<SharedCpuModel> shared_;
};

}  // namespace

Result<std::unique_ptr<ClusterAnalysis>> MakePlacementAnalysis(
    const JobConfig& job, std::shared_ptr<SharedCpuModel> cpu_model) {
  const PlacementConfig& p = job.placement;
  using Matchers = Result<std::vector<remote_read::Matcher>>;
  auto optional = [](const std::string& s, const char* what) -> Matchers {
    if (s.empty()) return std::vector<remote_read::Matcher>{};
    return ParseConfigSelector(s, what);
  };
  Matchers sel[] = {ParseConfigSelector(p.replica_info, "placement.replica_info"),
                    ParseConfigSelector(p.broker_info, "placement.broker_info"),
                    ParseConfigSelector(p.partition_offset, "placement.partition_offset"),
                    optional(p.topic_bytes_in, "placement.topic_bytes_in"),
                    optional(p.topic_bytes_out, "placement.topic_bytes_out"),
                    optional(p.min_isr_metric, "placement.min_isr_metric"),
                    optional(p.topic_partitions, "placement.topic_partitions"),
                    optional(p.partition_replicas, "placement.partition_replicas")};
  for (const auto& s : sel) {
    if (!s.ok()) return s.status();
  }
  PlacementSelectors ps{std::move(*sel[0]), std::move(*sel[1]), std::move(*sel[2]),
                        std::move(*sel[3]), std::move(*sel[4]), std::move(*sel[5]),
                        std::move(*sel[6]), std::move(*sel[7])};
  return std::unique_ptr<ClusterAnalysis>(
      std::make_unique<PlacementAnalysis>(std::move(ps), std::move(cpu_model)));
}

}  // namespace streamlens::engine
