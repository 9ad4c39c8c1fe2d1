// Internal to the engine: the broker CPU model that a job's cpu_model analysis fits and its
// placement analysis reads in the same cycle (cpu_model runs first). Owned jointly by the two
// analyses of one job through a shared_ptr; used on the job's cycle thread only.
#pragma once

#include "sidecar/analysis/models/cpu_model.h"

namespace streamlens::engine {

struct SharedCpuModel {
  bool valid = false;  // false until the first successful fit
  analysis::models::CpuModel model;
};

}  // namespace streamlens::engine
