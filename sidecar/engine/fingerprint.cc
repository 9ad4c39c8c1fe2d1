#include "sidecar/engine/fingerprint.h"

#include <sstream>

namespace streamlens::engine {

// Everything that changes what a job's models mean. Schedules, static labels and the grace
// period may change on reload without discarding state.
std::string JobFingerprint(const JobConfig& j, const ShardSpec& shard) {
  std::ostringstream o;
  o << "selector=" << j.selector << ";step=" << j.step.count()
    << ";transform=" << static_cast<int>(j.transform) << ";lookback=" << j.lookback.count()
    << ";fit_window=" << j.fit_window.count() << ";shard=" << shard.count << "/" << shard.index
    << ";cluster=" << j.cluster_label << "|" << j.cluster_discovery;
  const auto& a = j.anomaly;
  o << ";anomaly=" << a.enabled;
  if (a.enabled) {
    o << ",p=";
    for (auto p : a.seasonal_periods) o << p.count() << ",";
    o << static_cast<int>(a.direction) << "," << a.min_dev_abs << "," << a.min_dev_rel << ","
      << a.sensitivity << "," << a.min_duration.count() << "," << a.warmup.count()
      << ",d=" << a.detector;
  }
  const auto& f = j.forecast;
  o << ";forecast=" << f.enabled;
  if (f.enabled) {
    o << "," << f.model << ",h=";
    for (auto h : f.horizons) o << h.count() << ",";
    o << "s=" << f.season.count() << ",l=";
    for (double l : f.levels) o << l << ",";
    o << "t=";
    for (const auto& t : f.thresholds) o << t.value << "/" << t.label << "/" << t.above << ",";
    o << f.fit_history.count() << ",u=" << f.update_window.count() << ",tb=" << f.threshold_basis;
  }
  // Cluster analyses: their state (a fitted CPU model, rankings) is rebuilt when they change.
  const auto& r = j.rootcause;
  o << ";rootcause=" << r.enabled;
  if (r.enabled) {
    for (const auto* list : {&r.candidates, &r.extra_candidates}) {
      o << "[";
      for (const auto& c : *list) {
        o << c.name << "|" << c.selector << "|" << static_cast<int>(c.transform) << "|"
          << static_cast<int>(c.aggregation) << "|";
        for (const auto& b : c.by) o << b << ",";
        o << "|" << c.layer << "|" << c.prior << "|" << c.bad_direction << ";";
      }
      o << "]";
    }
    o << r.baseline.count() << "," << r.window.count() << "," << r.max_shift.count() << "," << r.top
      << "," << r.target_bad_direction << "," << r.max_targets << ",m=";
    for (const auto& l : r.match_labels) o << l << ",";
  }
  const auto& c = j.cpu_model;
  o << ";cpu_model=" << c.enabled;
  if (c.enabled) {
    o << "," << c.broker_label << "," << c.cpu << "," << c.ridge_lambda << "," << c.anomaly_sigma
      << "," << c.min_samples << ",f=";
    for (const auto& x : c.features) o << x << ";";
  }
  const auto& rc = j.recommendations;
  o << ";recommendations=" << rc.enabled;
  if (rc.enabled) {
    o << "," << rc.group_label << "," << rc.topic_label << "," << rc.committed_offset << ","
      << rc.lag << "," << rc.members << "," << rc.partitions << "," << rc.lag_sla.count() << ","
      << rc.headroom << "," << rc.min_lag << "," << rc.min_samples << "," << rc.peak_window.count()
      << "," << rc.forecast << "," << rc.forecast_model << "," << rc.forecast_horizon.count() << ","
      << rc.forecast_step.count() << "," << rc.forecast_season.count() << "," << rc.max_partitions;
  }
  const auto& pl = j.placement;
  o << ";placement=" << pl.broker_failure << pl.add_broker << pl.rebalance;
  if (pl.enabled()) {
    o << "," << pl.replica_info << "," << pl.broker_info << "," << pl.partition_offset << ","
      << pl.topic_bytes_in << "," << pl.topic_bytes_out << "," << pl.rate_window.count() << ","
      << pl.default_min_isr << "," << pl.unclean_leader_election << "," << pl.max_moves << ",t=";
    for (const auto& [t, m] : pl.topic_min_isr) o << t << "=" << m << ",";
    o << ",m=" << pl.min_isr_metric;
  }
  return o.str();
}

}  // namespace streamlens::engine
