// bench_remote_read_e2e: the client side of e2e.sh.
//   generate --out-dir DIR --series N --days D --end-ms T  OpenMetrics history for promtool
//   fetch --url URL --mode streamed|samples|query|query_range|export
//         --selector S --start MS --end MS
//         [--step-ms N] [--no-gzip] [--max-range-ms N] [--concurrency N]
//                                                         one timed Fetch(), one result line
//         (sub-query length and parallelism default to the client's defaults, 24 h and 4)
//   requests --selector S --start MS --end MS --out-dir DIR
//         the remote-read request bodies (streamed chunks) of the client's default sub-queries,
//         one file per sub-query, for timing the server alone with curl
// The fetch line: mode=... seconds=... series=... samples=... bytes_received=...
// decode_seconds=... cpu_seconds=... peak_rss_bytes=... held_bytes_per_sample=...
// (cpu_seconds: user + system CPU of this process over the whole run, all threads).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "sidecar/remote_read/matcher.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/range_split.h"
#include "sidecar/remote_read/remote_read_client.h"
#include "sidecar/remote_read/victoria_export_client.h"

namespace rr = streamlens::remote_read;

namespace {

const char* Arg(int argc, char** argv, const char* name, const char* def) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return def;
}
bool Has(int argc, char** argv, const char* name) {
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

// Writes one OpenMetrics file per 2 h window (the TSDB block size), so promtool reads each
// input once instead of once per block.
int Generate(int argc, char** argv) {
  const char* out_dir = Arg(argc, argv, "--out-dir", nullptr);
  int series = std::atoi(Arg(argc, argv, "--series", "1000"));
  int days = std::atoi(Arg(argc, argv, "--days", "7"));
  long long end_ms = std::atoll(Arg(argc, argv, "--end-ms", "0"));
  if (!out_dir || end_ms <= 0) {
    std::fprintf(stderr, "generate: need --out-dir DIR and --end-ms\n");
    return 2;
  }
  const long long step = 60'000, window = 7'200'000;
  const long long n = days * 86'400'000LL / step;
  const long long start = (end_ms - (n - 1) * step) / window * window;
  const long long last = start + (n - 1) * step;
  std::mt19937_64 rng(1);
  std::vector<double> v(series);
  for (double& x : v) x = static_cast<double>(rng() % 5000);
  std::vector<char> buf(1 << 22);
  for (long long w = start; w <= last; w += window) {
    std::string path = std::string(out_dir) + "/" + std::to_string(w) + ".om";
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "generate: cannot write %s\n", path.c_str());
      return 1;
    }
    setvbuf(f, buf.data(), _IOFBF, buf.size());
    // Kafka-like: odd series are offset counters, even ones lag gauges (integers).
    std::fprintf(f, "# TYPE bench_lag gauge\n");
    for (int k = 0; k < series; ++k) {
      for (long long t = w; t < w + window && t <= last; t += step) {
        if (k % 2) {
          v[k] += static_cast<double>(rng() % 300);
        } else {
          v[k] = std::max(0.0, v[k] + static_cast<double>(static_cast<int>(rng() % 201) - 100));
        }
        std::fprintf(f, "bench_lag{group=\"g%d\",topic=\"t%d\",partition=\"%d\"} %.17g %lld\n",
                     k / 40, (k / 8) % 5, k % 8, v[k], t / 1000);
      }
    }
    std::fprintf(f, "# EOF\n");
    if (std::fclose(f) != 0) return 1;
  }
  std::printf("start_ms=%lld end_ms=%lld\n", start, last);
  return 0;
}

double CpuSeconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

int Fetch(int argc, char** argv) {
  std::string url = Arg(argc, argv, "--url", "");
  std::string mode = Arg(argc, argv, "--mode", "streamed");
  auto matchers = rr::ParseSelector(Arg(argc, argv, "--selector", ""));
  long long start = std::atoll(Arg(argc, argv, "--start", "0"));
  long long end = std::atoll(Arg(argc, argv, "--end", "0"));
  long long step = std::atoll(Arg(argc, argv, "--step-ms", "60000"));
  if (!matchers.ok()) {
    std::fprintf(stderr, "%s\n", matchers.status().message().c_str());
    return 2;
  }
  rr::ClientOptions o;
  o.timeout = std::chrono::seconds(300);
  o.accept_gzip = !Has(argc, argv, "--no-gzip");
  o.max_range = std::chrono::milliseconds(
      std::atoll(Arg(argc, argv, "--max-range-ms", std::to_string(o.max_range.count()).c_str())));
  o.max_concurrency =
      std::atoi(Arg(argc, argv, "--concurrency", std::to_string(o.max_concurrency).c_str()));
  std::unique_ptr<rr::Source> src;
  if (mode == "streamed" || mode == "samples") {
    auto c = rr::RemoteReadClient::Create(
        url + "/api/v1/read", o,
        mode == "streamed" ? rr::ResponseType::kStreamedChunks : rr::ResponseType::kSamples);
    if (!c.ok()) return 2;
    src = std::move(*c);
  } else if (mode == "export") {
    auto c = rr::VictoriaExportClient::Create(url, o);
    if (!c.ok()) return 2;
    src = std::move(*c);
  } else {
    auto c = rr::QueryRangeClient::Create(
        url, o, std::chrono::milliseconds(mode == "query_range" ? step : 0));
    if (!c.ok()) return 2;
    src = std::move(*c);
  }
  rr::FetchStats stats;
  auto t0 = std::chrono::steady_clock::now();
  auto set = src->Fetch(*matchers, start, end, &stats);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!set.ok()) {
    std::fprintf(stderr, "fetch failed: %s\n", set.status().message().c_str());
    return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "mode=%s seconds=%.3f series=%zu samples=%zu bytes_received=%llu decode_seconds=%.3f "
      "cpu_seconds=%.3f peak_rss_bytes=%lld held_bytes_per_sample=%.2f requests=%d\n",
      mode.c_str(), secs, set->size(), set->num_samples(),
      static_cast<unsigned long long>(stats.bytes_received), stats.decode_seconds,
      CpuSeconds(ru.ru_utime) + CpuSeconds(ru.ru_stime),
      static_cast<long long>(ru.ru_maxrss) * 1024,
      set->num_samples() ? static_cast<double>(set->MemoryBytes()) / set->num_samples() : 0.0,
      stats.requests);
  return 0;
}

int Requests(int argc, char** argv) {
  auto matchers = rr::ParseSelector(Arg(argc, argv, "--selector", ""));
  long long start = std::atoll(Arg(argc, argv, "--start", "0"));
  long long end = std::atoll(Arg(argc, argv, "--end", "0"));
  const char* out_dir = Arg(argc, argv, "--out-dir", nullptr);
  if (!matchers.ok() || !out_dir) {
    std::fprintf(stderr, "requests: need --selector, --start, --end, --out-dir\n");
    return 2;
  }
  const rr::ClientOptions defaults;
  int k = 0;
  for (const rr::TimeRange& r : rr::SplitRange(start, end, defaults.max_range.count())) {
    std::string body = rr::RemoteReadClient::EncodeRequest(*matchers, r.start_ms, r.end_ms,
                                                           rr::ResponseType::kStreamedChunks);
    std::string path = std::string(out_dir) + "/" + std::to_string(k++) + ".body";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(body.data(), 1, body.size(), f) != body.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "requests: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "generate") == 0) return Generate(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "fetch") == 0) return Fetch(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "requests") == 0) return Requests(argc, argv);
  std::fprintf(stderr,
               "usage: bench_remote_read_e2e generate|fetch|requests ... (see the source)\n");
  return 2;
}
