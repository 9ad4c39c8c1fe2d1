// Sources of a job's history: remote_read::Source (remote-read, query_range or VictoriaMetrics
// export clients from sidecar/remote_read/), built from a SourceConfig.
#pragma once

#include <functional>
#include <memory>

#include "common/cancel_token.h"
#include "common/status.h"
#include "sidecar/engine/config.h"
#include "sidecar/remote_read/source.h"

namespace streamlens::engine {

using HistorySource = remote_read::Source;

using SourceFactory =
    std::function<Result<std::shared_ptr<HistorySource>>(const SourceConfig& config)>;

// Builds the remote-read, query-range or victoriametrics-export client for `config` with its auth,
// TLS, headers, timeout, sub-query and fetch limits. `cancel` (may be null) interrupts its fetches
// at shutdown. Error names the source and the bad option.
Result<std::shared_ptr<HistorySource>> MakeRemoteSource(
    const SourceConfig& config, std::shared_ptr<const CancelToken> cancel = nullptr);

}  // namespace streamlens::engine
