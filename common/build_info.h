// Build information and the process metrics every daemon exposes.
//
// streamlens_build_info{version,revision,compiler} 1, and process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_max_fds, process_start_time_seconds read from /proc/self at collection time.
// The collectable is thread-safe (it holds no mutable state).
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <string>

namespace streamlens {

std::string Version();   // project version, e.g. "0.1.0"
std::string Revision();  // git revision the binary was built from, or "unknown"
std::string Compiler();  // e.g. "gcc-12.2.0"

// A collectable with streamlens_build_info and the process_* families.
std::shared_ptr<prometheus::Collectable> MakeProcessCollector();

}  // namespace streamlens
