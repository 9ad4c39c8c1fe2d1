// bench_sidecar_estate --series N [--brokers B] [--days D] [--workers W] [--sim-minutes M]
//                      [--jobs all|lag] [--analyses all|anomaly|forecast]
//                      [--start sequential|scheduled] [--state DIR] [--from-minute M0]
//
// The built-in job set (sidecar/engine/default_config.cc) over a synthetic Kafka estate
// (synthetic_estate.h): N per-series-job series (N/2 consumer group/topic pairs, each with its
// lag and its lag in seconds; their committed offsets, members and partitions feed the consumer
// capacity job) plus B brokers' series, D days of history at 1 minute. The engine
// runs in process with a ManualClock:
//   1. start: the first cycle of every job, as after a start without saved state; its wall time
//      is when results exist for every series. `sequential` (the default) runs the jobs one after
//      the other (RunOnce), each spreading its series over the workers, and prints each job's
//      wall and CPU; `scheduled` starts the engine's scheduler, which runs the due jobs' cycles
//      side by side on the workers as the daemon does, and prints when each job's first cycle
//      ended (CPU only for the whole start);
//   2. M simulated minutes: the clock advances a minute at a time and every job due by its
//      infer_every runs a cycle (scheduled refits included, as they fall due); every simulated
//      hour prints the span's wall and CPU so far.
// Printed: wall and CPU seconds of each phase and of each job's first cycle (CPU of the whole
// process minus the synthetic source's own), fits, the CPU of the simulated span as cores (CPU /
// simulated seconds) and extrapolated to a day, and memory: peak RSS, RSS after the start and at
// the end, heap in use.
// `--jobs lag` keeps only the consumer_lag and consumer_lag_seconds jobs; `--analyses anomaly`
// (or forecast) turns the other per-series analysis off in every job.
// A long span can be run in parts joined by restarts, as the daemon restarts: `--state DIR` is
// the engine's storage path (loaded at the start when present, saved as the daemon saves and once
// more at the end) and `--from-minute M0` starts the clock M0 minutes after the first part's
// start, so `--sim-minutes 720 --state D` then `--from-minute 720 --sim-minutes 720 --state D`
// simulate one day; the parts' CPU adds up. The second start loads the series' models instead of
// fitting them, but the cluster analyses are not saved: the consumer capacity job relearns every
// pair, so a day in parts costs more than the same day in one run.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include "bench/sidecar/synthetic_estate.h"
#include "common/log.h"
#include "sidecar/engine/clock.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/engine.h"

using namespace streamlens;

namespace {

constexpr int64_t kMin = 60'000;

struct Options {
  int series = 1000, brokers = 12, days = 7, workers = 2, sim_minutes = 60;
  std::string jobs = "all";
  std::string analyses = "all";      // all | anomaly | forecast: the per-series analyses kept
  std::string start = "sequential";  // sequential | scheduled
  std::string state;                 // the engine's storage path (empty: none)
  int from_minute = 0;               // simulated minutes before this part's start
};

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}
double RssMb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, rss = 0;
  f >> pages >> rss;
  return static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}
double HeapInUseMb() { return static_cast<double>(mallinfo2().uordblks) / 1e6; }

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--series") {
      o->series = std::atoi(v.c_str());
    } else if (k == "--brokers") {
      o->brokers = std::atoi(v.c_str());
    } else if (k == "--days") {
      o->days = std::atoi(v.c_str());
    } else if (k == "--workers") {
      o->workers = std::atoi(v.c_str());
    } else if (k == "--sim-minutes") {
      o->sim_minutes = std::atoi(v.c_str());
    } else if (k == "--jobs") {
      o->jobs = v;
    } else if (k == "--analyses") {
      o->analyses = v;
    } else if (k == "--start") {
      o->start = v;
    } else if (k == "--state") {
      o->state = v;
    } else if (k == "--from-minute") {
      o->from_minute = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return false;
    }
  }
  return true;
}

// CPU of the engine: the process' CPU minus what the synthetic source spent generating samples.
struct CpuMeter {
  const bench::SyntheticEstate* src;
  double process0, source0;
  explicit CpuMeter(const bench::SyntheticEstate* s)
      : src(s), process0(ProcessCpuSeconds()), source0(s->source_cpu_seconds()) {}
  double Engine() const {
    return (ProcessCpuSeconds() - process0) - (src->source_cpu_seconds() - source0);
  }
  double Source() const { return src->source_cpu_seconds() - source0; }
};

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void PrintJobs(const engine::Engine& eng) {
  for (const auto& j : eng.GetStatus().jobs) {
    std::printf(
        "  job=%s series=%llu restored=%llu fits=%llu drift_fits=%llu fit_failures=%llu "
        "state_bytes_per_series=%.0f\n",
        j.job.c_str(), static_cast<unsigned long long>(j.series_tracked),
        static_cast<unsigned long long>(j.series_restored), static_cast<unsigned long long>(j.fits),
        static_cast<unsigned long long>(j.drift_fits),
        static_cast<unsigned long long>(j.fit_failures),
        j.series_tracked
            ? static_cast<double>(j.state_bytes) / static_cast<double>(j.series_tracked)
            : 0.0);
  }
}

// When each job's first scheduled cycle ended, in seconds since `t0` (set before the start).
struct FirstCycles {
  std::mutex mu;
  std::condition_variable cv;
  std::chrono::steady_clock::time_point t0;
  std::map<std::string, double> done_s;  // guarded by mu
  void Done(const std::string& job) {
    std::lock_guard<std::mutex> l(mu);
    done_s.emplace(job, Since(t0));
    cv.notify_all();
  }
};

// The start in the bench's thread: every job's first cycle, one after the other.
void StartSequential(engine::Engine& eng, const engine::EngineConfig& cfg,
                     const bench::SyntheticEstate* src) {
  for (const auto& j : cfg.jobs) {
    auto wj = std::chrono::steady_clock::now();
    CpuMeter job_cpu(src);
    if (Status s = eng.RunOnce(j.name); !s.ok()) {
      std::fprintf(stderr, "job %s: %s\n", j.name.c_str(), s.message().c_str());
    }
    std::printf("  start job=%s wall_s=%.1f engine_cpu_s=%.1f\n", j.name.c_str(), Since(wj),
                job_cpu.Engine());
  }
}

// The start by the engine's scheduler (the clock stands still: one cycle of each job), until
// every job's first cycle has ended.
void StartScheduled(engine::Engine& eng, const engine::EngineConfig& cfg, FirstCycles& first) {
  first.t0 = std::chrono::steady_clock::now();
  eng.Start();
  {
    std::unique_lock<std::mutex> l(first.mu);
    first.cv.wait(l, [&] { return first.done_s.size() >= cfg.jobs.size(); });
  }
  eng.Stop();
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [job, s] : first.done_s) order.emplace_back(s, job);
  std::sort(order.begin(), order.end());
  for (const auto& [s, job] : order) {
    std::printf("  start job=%s first_cycle_done_s=%.1f\n", job.c_str(), s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  const int64_t t0 = 1'700'000'000'000 / kMin * kMin;
  auto src = std::make_shared<bench::SyntheticEstate>(o.series / 2, o.brokers,
                                                      t0 - int64_t{o.days} * 86'400'000);
  auto cfg = std::make_shared<engine::EngineConfig>(
      engine::DefaultConfig("http://synthetic/api/v1/read", "remote-read"));
  if (o.jobs == "lag") {
    std::erase_if(cfg->jobs, [](const engine::JobConfig& j) {
      return j.name != "consumer_lag" && j.name != "consumer_lag_seconds";
    });
  }
  for (auto& j : cfg->jobs) {
    if (o.analyses == "anomaly") j.forecast.enabled = false;
    if (o.analyses == "forecast") j.anomaly.enabled = false;
  }
  auto clock = std::make_shared<engine::ManualClock>(t0 + int64_t{o.from_minute} * kMin);
  engine::EngineOptions eo;
  eo.workers = static_cast<size_t>(o.workers);
  eo.storage_path = o.state;
  eo.clock = clock;
  auto first = std::make_shared<FirstCycles>();
  if (o.start == "scheduled") {
    eo.on_cycle_done = [first](const std::string& job) { first->Done(job); };
  } else if (o.start != "sequential") {
    std::fprintf(stderr, "--start: sequential or scheduled\n");
    return 2;
  }
  engine::Engine eng(
      eo,
      [src](const engine::SourceConfig&) -> Result<std::shared_ptr<engine::HistorySource>> {
        return std::shared_ptr<engine::HistorySource>(src);
      },
      engine::MakeDefaultAnalysisFactory(),
      Logger(&std::cerr, LogLevel::kWarn, LogFormat::kLogfmt));
  if (Status s = eng.Apply(cfg); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  std::printf(
      "estate: source_series=%zu (pairs=%d brokers=%d) days=%d workers=%d jobs=%s start=%s\n",
      src->num_series(), o.series / 2, o.brokers, o.days, o.workers, o.jobs.c_str(),
      o.start.c_str());
  const double rss0 = RssMb();
  auto w0 = std::chrono::steady_clock::now();
  CpuMeter start_cpu(src.get());
  if (o.start == "scheduled") {
    StartScheduled(eng, *cfg, *first);
  } else {
    StartSequential(eng, *cfg, src.get());
  }
  std::printf(
      "start: wall_s=%.1f engine_cpu_s=%.1f source_cpu_s=%.1f rss_mb_before=%.0f "
      "rss_mb_after=%.0f heap_in_use_mb=%.0f peak_rss_mb=%.0f\n",
      Since(w0), start_cpu.Engine(), start_cpu.Source(), rss0, RssMb(), HeapInUseMb(), PeakRssMb());
  PrintJobs(eng);
  auto w1 = std::chrono::steady_clock::now();
  CpuMeter span_cpu(src.get());
  for (int m = o.from_minute + 1; m <= o.from_minute + o.sim_minutes; ++m) {
    clock->Advance(kMin);
    for (const auto& j : cfg->jobs) {
      if ((int64_t{m} * kMin) % j.infer_every.count() != 0) continue;
      if (Status s = eng.RunOnce(j.name); !s.ok()) {
        std::fprintf(stderr, "minute %d job %s: %s\n", m, j.name.c_str(), s.message().c_str());
      }
    }
    if (m % 60 == 0) {  // progress, so that a long run cut short still tells its span so far
      std::printf("  minute=%d wall_s=%.1f engine_cpu_s=%.1f rss_mb=%.0f peak_rss_mb=%.0f\n", m,
                  Since(w1), span_cpu.Engine(), RssMb(), PeakRssMb());
      std::fflush(stdout);
    }
  }
  const double span_s = static_cast<double>(o.sim_minutes) * 60;
  const double cpu = span_cpu.Engine();
  std::printf(
      "simulated: minutes=%d wall_s=%.1f engine_cpu_s=%.1f source_cpu_s=%.1f cores=%.4f "
      "engine_cpu_s_per_day_extrapolated=%.0f rss_mb=%.0f heap_in_use_mb=%.0f "
      "peak_rss_mb=%.0f\n",
      o.sim_minutes, Since(w1), cpu, span_cpu.Source(), cpu / span_s, cpu / span_s * 86400, RssMb(),
      HeapInUseMb(), PeakRssMb());
  PrintJobs(eng);
  if (!o.state.empty()) {  // the state the next part starts from
    auto ws = std::chrono::steady_clock::now();
    CpuMeter save_cpu(src.get());
    const Status saved = eng.SaveAll();
    std::printf("saved: ok=%d wall_s=%.1f engine_cpu_s=%.1f next_from_minute=%d\n", saved.ok(),
                Since(ws), save_cpu.Engine(), o.from_minute + o.sim_minutes);
    if (!saved.ok()) std::fprintf(stderr, "saving the state: %s\n", saved.message().c_str());
  }
  return 0;
}
