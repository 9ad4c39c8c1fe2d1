#include "exporter/probe/probe_options.h"

namespace streamlens::exporter::probe {

void RegisterProbeFlags(FlagSet& flags, ProbeOptions* v) {
  flags.Bool("probe.enabled", &v->enabled,
             "Run the end-to-end probe: produce to --probe.topic, consume it back and publish "
             "produce-ack, roundtrip and commit latency per partition and leader.");
  flags.String("probe.topic", &v->topic,
               "Existing topic the probe writes to and reads from (give it one partition led by "
               "each broker).");
  flags.String("probe.group", &v->group,
               "Consumer group for which the probe commits what it read (commit latency).");
  flags.Duration("probe.interval", &v->interval,
                 "How often the probe sends one message to every partition of its topic.");
  flags.Duration("probe.timeout", &v->lost_after,
                 "A probe message not read back within this time counts as lost.");
}

Status ValidateProbeOptions(const ProbeOptions& o) {
  if (o.topic.empty()) return Status::Error("--probe.topic: must not be empty");
  if (o.group.empty()) return Status::Error("--probe.group: must not be empty");
  if (o.interval < std::chrono::milliseconds(10)) {
    return Status::Error("--probe.interval: expected at least 10ms, got " +
                         FormatDuration(o.interval));
  }
  if (o.lost_after <= o.interval) {
    return Status::Error("--probe.timeout: must be longer than --probe.interval");
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter::probe
