// Test fixture: a real Prometheus on a free loopback port over a TSDB backfilled with
// `promtool tsdb create-blocks-from openmetrics`, plus the generated data as ground truth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace streamlens::remote_read::testing {

struct TruthSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  std::vector<int64_t> ts;
  std::vector<double> vs;
};

// Generates `n_series` series over `days` days at ~60 s (with jitter, gaps, resets, NaNs,
// series that stop and start), ending `end_offset_hours` before now.
std::vector<TruthSeries> GenerateHistory(int n_series, int days, int64_t base_ms);
// Writes OpenMetrics text (with # EOF) for promtool: one file per 2 h TSDB block window
// (promtool re-reads its whole input once per block, so one big file is quadratic).
// Returns the files written, or an empty list on error.
std::vector<std::string> WriteOpenMetrics(const std::vector<TruthSeries>& data,
                                          const std::string& dir);

class PrometheusProcess {
 public:
  // Backfills `openmetrics_file` into `dir`/data and starts Prometheus with extra flags.
  // Returns false (with `error`) if promtool/prometheus are missing or fail.
  bool Backfill(const std::vector<std::string>& openmetrics_files, const std::string& data_dir,
                std::string* error);
  // With `tls` the server is only probed for life (a TLS listener answers a plain HTTP request
  // with 400), since readiness needs the credentials the test is about.
  bool Start(const std::string& data_dir, const std::vector<std::string>& extra_flags,
             std::string* error, bool tls = false);
  void Stop();
  void Pause();   // SIGSTOP: a server that accepts connections but never answers
  void Resume();  // SIGCONT
  ~PrometheusProcess() { Stop(); }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<::streamlens::testing::Subprocess> proc_;
  int port_ = 0;
};

}  // namespace streamlens::remote_read::testing
