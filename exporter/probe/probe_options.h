// ProbeOptions: the end-to-end probe's settings (--probe.* flags). Plain value type.
#pragma once

#include <chrono>
#include <string>

#include "common/flags.h"
#include "common/status.h"

namespace streamlens::exporter::probe {

struct ProbeOptions {
  bool enabled = false;
  // An existing topic; one partition led by each broker shows every broker.
  std::string topic = "streamlens-probe";
  // Consumer group the probe commits its read offsets for (commit latency).
  std::string group = "streamlens-probe";
  std::chrono::milliseconds interval{std::chrono::seconds(1)};  // one message per partition
  std::chrono::milliseconds lost_after{std::chrono::seconds(10)};
};

void RegisterProbeFlags(FlagSet& flags, ProbeOptions* values);
// Topic and group non-empty, interval >= 10ms, lost_after > interval.
Status ValidateProbeOptions(const ProbeOptions& options);

}  // namespace streamlens::exporter::probe
