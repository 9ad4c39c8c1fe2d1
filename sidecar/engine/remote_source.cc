#include <memory>

#include "sidecar/engine/source.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/remote_read_client.h"
#include "sidecar/remote_read/victoria_export_client.h"

namespace streamlens::engine {

Result<std::shared_ptr<HistorySource>> MakeRemoteSource(const SourceConfig& c,
                                                        std::shared_ptr<const CancelToken> cancel) {
  remote_read::ClientOptions o;
  o.timeout = c.timeout;
  o.basic_auth_username = c.basic_auth_username;
  o.basic_auth_password_file = c.basic_auth_password_file;
  o.bearer_token_file = c.bearer_token_file;
  o.tls_ca_file = c.tls_ca_file;
  o.tls_cert_file = c.tls_cert_file;
  o.tls_key_file = c.tls_key_file;
  o.tls_insecure_skip_verify = c.tls_insecure_skip_verify;
  for (const auto& [k, v] : c.headers) o.headers.emplace_back(k, v);
  if (c.max_range.count() > 0) o.max_range = c.max_range;
  if (c.max_samples_per_query > 0) o.max_samples_per_query = c.max_samples_per_query;
  o.limits.max_series = static_cast<size_t>(c.max_series);
  o.limits.max_samples = static_cast<size_t>(c.max_samples);
  o.limits.max_bytes = static_cast<uint64_t>(c.max_bytes);
  o.limits.deadline = c.fetch_timeout;
  o.cancel = std::move(cancel);
  if (c.type == "remote-read") {
    auto client = remote_read::RemoteReadClient::Create(c.url, o);
    if (!client.ok()) return client.status();
    return std::shared_ptr<HistorySource>(std::move(*client));
  }
  if (c.type == "query-range") {
    // Raw mode (step 0): the engine aligns samples to each job's own step grid.
    auto client = remote_read::QueryRangeClient::Create(c.url, o, std::chrono::milliseconds(0));
    if (!client.ok()) return client.status();
    return std::shared_ptr<HistorySource>(std::move(*client));
  }
  if (c.type == "victoriametrics-export") {
    auto client = remote_read::VictoriaExportClient::Create(c.url, o);
    if (!client.ok()) return client.status();
    return std::shared_ptr<HistorySource>(std::move(*client));
  }
  return Status::Error("source type \"" + c.type + "\" is not supported");
}

}  // namespace streamlens::engine
