// JobFingerprint: everything that changes what a job's models mean, as text. A reload keeps a
// job's state (and a state file is loaded) only while its fingerprint is unchanged; schedules,
// static labels and the grace period may change without discarding state. Pure, thread-safe.
#pragma once

#include <string>

#include "sidecar/engine/config.h"
#include "sidecar/engine/shard.h"

namespace streamlens::engine {

std::string JobFingerprint(const JobConfig& job, const ShardSpec& shard);

}  // namespace streamlens::engine
