// bench_sidecar_engine --series N [--days D] [--workers W] [--analyses anomaly,forecast]
//                      [--forecast-model M] [--forecast-pooled true|false] [--infer-cycles K]
// (`likelihood` among the analyses turns on anomaly.likelihood: the NAB detector per series)
//
// Runs the sidecar engine in process against a synthetic in-memory remote_read::Source
// (N series at 1-minute resolution with a daily cycle and noise): one fit cycle over D days of
// history, then K incremental cycles one minute apart (each fetching only the new range), and
// prints wall and CPU seconds, samples/s, and memory per series (the engine's own estimate and
// the change in resident memory once the fetched history is freed).
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

#include "common/log.h"
#include "sidecar/engine/clock.h"
#include "sidecar/engine/engine.h"
#include "sidecar/publish/results_collector.h"

using namespace streamlens;

namespace {

constexpr int64_t kMin = 60000;

class SyntheticSource : public remote_read::Source {
 public:
  explicit SyntheticSource(int n) : n_(n) {}
  Result<remote_read::SeriesSet> Fetch(const std::vector<remote_read::Matcher>&, int64_t start,
                                       int64_t end, remote_read::FetchStats*) override {
    remote_read::SeriesSetBuilder b;
    int64_t first = (start + kMin - 1) / kMin * kMin;
    size_t per = end >= first ? static_cast<size_t>((end - first) / kMin + 1) : 0;
    b.ReserveSamples(per * static_cast<size_t>(n_));
    for (int k = 0; k < n_; ++k) {
      std::vector<remote_read::Label> labels = {{"__name__", "kafka_consumergroup_lag_sum"},
                                                {"consumergroup", "g" + std::to_string(k / 10)},
                                                {"topic", "t" + std::to_string(k % 10)}};
      if (!b.BeginSeries(labels).ok()) return Status::Error("builder");
      double amp = 100 + k % 97, level = 1000 + 13 * (k % 31);
      uint64_t x = static_cast<uint64_t>(k) * 0x9E3779B97F4A7C15ULL;
      for (int64_t t = first; t <= end; t += kMin) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double noise = static_cast<double>(x % 2001) / 100.0 - 10.0;
        b.Append(t, level +
                        amp * std::sin(2 * M_PI * static_cast<double>(t % 86400000) / 86400000.0) +
                        noise);
      }
    }
    return b.Finish();
  }
  std::string Describe() const override { return "synthetic"; }

 private:
  int n_;
};

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double RssBytes() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, rss = 0;
  f >> pages >> rss;
  return static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

int main(int argc, char** argv) {
  int series = 1000, days = 7, workers = 0, infer_cycles = 3;
  std::string analyses = "anomaly,forecast", model = "auto", pooled = "true";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--series") {
      series = std::atoi(v.c_str());
    } else if (k == "--days") {
      days = std::atoi(v.c_str());
    } else if (k == "--workers") {
      workers = std::atoi(v.c_str());
    } else if (k == "--analyses") {
      analyses = v;
    } else if (k == "--forecast-model") {
      model = v;
    } else if (k == "--forecast-pooled") {
      pooled = v;
    } else if (k == "--infer-cycles") {
      infer_cycles = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  std::string yaml =
      "sources: [{url: 'http://synthetic/api/v1/read'}]\njobs:\n  - name: lag\n"
      "    selector: kafka_consumergroup_lag_sum\n    step: 1m\n    fit_window: " +
      std::to_string(days) + "d\n    fit_every: 1d\n    infer_every: 1m\n";
  if (analyses.find("anomaly") != std::string::npos) {
    yaml += analyses.find("likelihood") != std::string::npos
                ? "    anomaly: {seasonal_periods: [1d], likelihood: true}\n"
                : "    anomaly: {seasonal_periods: [1d]}\n";
  }
  if (analyses.find("forecast") != std::string::npos) {
    yaml += "    forecast: {model: " + model + ", pooled: " + pooled +
            ", season: 1d, step: 1h, horizons: [1h, 6h, 24h], thresholds: [5000]}\n";
  }
  auto cfg = engine::ParseConfig(yaml, "bench", "");
  if (!cfg.ok()) {
    std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
    return 1;
  }
  auto clock = std::make_shared<engine::ManualClock>(1'700'000'000'000 / kMin * kMin);
  auto src = std::make_shared<SyntheticSource>(series);
  engine::EngineOptions o;
  o.workers = static_cast<size_t>(workers);
  o.clock = clock;
  engine::Engine eng(
      o,
      [src](const engine::SourceConfig&) -> Result<std::shared_ptr<engine::HistorySource>> {
        return std::shared_ptr<engine::HistorySource>(src);
      },
      engine::MakeDefaultAnalysisFactory(),
      Logger(&std::cerr, LogLevel::kWarn, LogFormat::kLogfmt));
  if (Status s = eng.Apply(std::make_shared<engine::EngineConfig>(*cfg)); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  double rss0 = RssBytes();
  auto w0 = std::chrono::steady_clock::now();
  double c0 = CpuSeconds();
  if (Status s = eng.RunOnce("lag"); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  double fit_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  double fit_cpu = CpuSeconds() - c0;
  engine::JobStats st = eng.GetStatus().jobs[0];
  uint64_t fit_samples = st.samples_read;
  double rss1 = RssBytes();
  double infer_wall = 0, infer_cpu = 0;
  for (int c = 0; c < infer_cycles; ++c) {
    clock->Advance(kMin);
    auto w = std::chrono::steady_clock::now();
    double cc = CpuSeconds();
    if (Status s = eng.RunOnce("lag"); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    infer_wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - w).count();
    infer_cpu += CpuSeconds() - cc;
  }
  st = eng.GetStatus().jobs[0];
  auto snap = eng.Results();
  size_t with_anomaly = 0, with_forecast = 0, with_pooled = 0;
  for (const auto& s : snap->jobs[0]->series) {
    with_anomaly += s.has_anomaly;
    with_forecast += s.has_forecast;
    with_pooled += s.forecast_model.find("global") != std::string::npos;
  }
  // What a /metrics scrape costs the daemon: the first scrape after a cycle renders and
  // compresses the job's results once; later scrapes of the same results reuse the pieces and
  // only render the self-metrics.
  publish::ResultsCollector collector([&eng] { return eng.Results(); },
                                      [&eng] { return eng.GetStatus(); });
  auto rw = std::chrono::steady_clock::now();
  SharedBody first = collector.Body(true);
  const double render_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - rw).count();
  double scrape_best = 1e300;
  size_t gzip_bytes = 0;
  for (int r = 0; r < 20; ++r) {
    auto w = std::chrono::steady_clock::now();
    SharedBody b = collector.Body(true);
    scrape_best = std::min(
        scrape_best, std::chrono::duration<double>(std::chrono::steady_clock::now() - w).count());
    gzip_bytes = 0;
    for (const auto& p : b.pieces) gzip_bytes += p->size();
  }
  const std::string text = collector.Text();
  size_t samples = 0;
  for (char c : text) samples += c == '\n';
  std::printf(
      "scrape: lines=%zu text_mb=%.1f gzip_mb=%.2f first_scrape_after_cycle_s=%.3f "
      "(renders + compresses) cached_scrape_s=%.6f (best of 20)\n",
      samples, static_cast<double>(text.size()) / 1e6, static_cast<double>(gzip_bytes) / 1e6,
      render_s, scrape_best);
  std::printf(
      "series=%d days=%d analyses=%s forecast_model=%s workers=%d\n"
      "fit_cycle: wall_s=%.2f cpu_s=%.2f samples=%llu samples_per_s=%.3g fits=%llu "
      "fit_failures=%llu\n"
      "infer_cycle: wall_s=%.3f cpu_s=%.3f (mean of %d, 1 new point per series)\n"
      "memory: engine_state_bytes_per_series=%.0f rss_after_fit_minus_before_per_series=%.0f "
      "rss_mb=%.0f\n"
      "results: series_with_anomaly=%zu series_with_forecast=%zu "
      "series_with_pooled_candidate=%zu\n",
      series, days, analyses.c_str(), model.c_str(), workers, fit_wall, fit_cpu,
      static_cast<unsigned long long>(fit_samples), static_cast<double>(fit_samples) / fit_wall,
      static_cast<unsigned long long>(st.fits), static_cast<unsigned long long>(st.fit_failures),
      infer_wall / infer_cycles, infer_cpu / infer_cycles, infer_cycles,
      static_cast<double>(st.state_bytes) / series, (rss1 - rss0) / series, RssBytes() / 1e6,
      with_anomaly, with_forecast, with_pooled);
  return 0;
}
