#include "tests/remote_read/prometheus_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <thread>

#include "tests/support/subprocess.h"

namespace streamlens::remote_read::testing {

std::vector<TruthSeries> GenerateHistory(int n_series, int days, int64_t base_ms) {
  std::mt19937_64 rng(42);
  std::vector<TruthSeries> out;
  const int64_t step = 60'000;
  const int64_t n = static_cast<int64_t>(days) * 86'400'000 / step;
  static constexpr int64_t kJitterMs[] = {0, 0, 0, 0, 0, 0, 125, 250, 500, 750, 1000, 3000};
  for (int k = 0; k < n_series; ++k) {
    TruthSeries s;
    bool counter = k % 4 == 3;
    s.labels = {{"__name__", counter ? "rr_requests_total" : "rr_gauge"},
                {"group", "g" + std::to_string(k % 5)},
                {"instance", "i" + std::to_string(1000 + k).substr(1)}};
    if (k % 7 == 0) s.labels.push_back({"zone", k % 2 ? "a\"quoted\"" : "b,comma"});
    std::sort(s.labels.begin(), s.labels.end());
    // Some series exist only for part of the time (appear late / disappear: stale in PromQL).
    int64_t first = k % 9 == 4 ? n / 3 : 0;
    int64_t last = k % 11 == 5 ? 2 * n / 3 : n;
    double v = static_cast<double>(rng() % 1000);
    for (int64_t i = first; i < last; ++i) {
      // Gaps: a 2h hole every ~day for some series, a 7-minute hole for others.
      if (k % 5 == 1 && (i % 1440) >= 600 && (i % 1440) < 720) continue;
      if (k % 6 == 2 && (i % 500) < 7) continue;
      int64_t t = base_ms + i * step + kJitterMs[rng() % 12];
      if (counter) {
        v += static_cast<double>(rng() % 50);
        if (rng() % 700 == 0) v = 0;  // reset
      } else {
        int shape = rng() % 10;
        if (shape < 4) {
          // unchanged
        } else if (shape < 7) {
          v = std::round(v + static_cast<double>(static_cast<int>(rng() % 21) - 10));
        } else if (shape < 9) {
          v = v * 0.5 + static_cast<double>(rng() % 100000) / 7.0;
        } else {
          v = rng() % 50 == 0 ? std::numeric_limits<double>::quiet_NaN() : -v / 3.0;
        }
      }
      s.ts.push_back(t);
      s.vs.push_back(v);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> WriteOpenMetrics(const std::vector<TruthSeries>& data,
                                          const std::string& dir) {
  constexpr int64_t kWindow = 7'200'000;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& s : data) {
    if (s.ts.empty()) continue;
    lo = std::min(lo, s.ts.front());
    hi = std::max(hi, s.ts.back());
  }
  std::vector<std::string> files;
  if (lo > hi) return files;
  // Families must be contiguous: group by metric name.
  std::map<std::string, std::vector<const TruthSeries*>> families;
  for (const auto& s : data) {
    for (const auto& [n, v] : s.labels) {
      if (n == "__name__") families[v].push_back(&s);
    }
  }
  std::vector<size_t> pos(data.size(), 0);
  for (int64_t w = lo / kWindow * kWindow; w <= hi; w += kWindow) {
    std::string path = dir + "/" + std::to_string(w) + ".om";
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return {};
    for (const auto& [name, list] : families) {
      std::fprintf(f, "# TYPE %s gauge\n", name.c_str());
      for (const TruthSeries* s : list) {
        std::string lbl;
        for (const auto& [n, v] : s->labels) {
          if (n == "__name__") continue;
          if (!lbl.empty()) lbl += ",";
          lbl += n + "=\"";
          for (char c : v) {
            if (c == '"' || c == '\\') lbl += '\\';
            lbl += c;
          }
          lbl += "\"";
        }
        size_t& i = pos[s - data.data()];
        for (; i < s->ts.size() && s->ts[i] < w + kWindow; ++i) {
          int64_t t = s->ts[i];
          if (std::isnan(s->vs[i])) {
            std::fprintf(f, "%s{%s} NaN %lld.%03lld\n", name.c_str(), lbl.c_str(),
                         static_cast<long long>(t / 1000), static_cast<long long>(t % 1000));
          } else {
            std::fprintf(f, "%s{%s} %.17g %lld.%03lld\n", name.c_str(), lbl.c_str(), s->vs[i],
                         static_cast<long long>(t / 1000), static_cast<long long>(t % 1000));
          }
        }
      }
    }
    std::fprintf(f, "# EOF\n");
    if (std::fclose(f) != 0) return {};
    files.push_back(path);
  }
  return files;
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool HttpReady(int port, bool tls) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    std::string req = "GET /-/ready HTTP/1.0\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[64] = {};
      ssize_t n = read(fd, buf, sizeof(buf) - 1);
      ok = n > 12 && std::string(buf, n).find(tls ? " 400 " : " 200 ") != std::string::npos;
    }
  }
  close(fd);
  return ok;
}

}  // namespace

bool PrometheusProcess::Backfill(const std::vector<std::string>& openmetrics_files,
                                 const std::string& data_dir, std::string* error) {
  for (const std::string& file : openmetrics_files) {
    const auto r = ::streamlens::testing::RunCommand(
        {"promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", file, data_dir}, "",
        std::chrono::minutes(10));
    if (r.exit_code != 0) {
      *error = "promtool create-blocks-from openmetrics " + file + " failed (rc " +
               std::to_string(r.exit_code) + "): " + r.output.substr(0, 2000);
      return false;
    }
  }
  return true;
}

bool PrometheusProcess::Start(const std::string& data_dir,
                              const std::vector<std::string>& extra_flags, std::string* error,
                              bool tls) {
  std::string config = data_dir + ".prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1m\n";
  port_ = ::streamlens::testing::FreePort();
  std::string log = data_dir + ".prometheus.log";
  std::remove(log.c_str());  // the log is appended to
  std::vector<std::string> argv = {"prometheus",
                                   "--config.file=" + config,
                                   "--storage.tsdb.path=" + data_dir,
                                   "--storage.tsdb.retention.time=100y",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--log.level=warn"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  proc_ = std::make_unique<::streamlens::testing::Subprocess>(argv, log);
  for (int i = 0; i < 600; ++i) {
    if (HttpReady(port_, tls)) return true;
    if (!proc_->Running()) {
      *error = "prometheus exited: " + proc_->Log().substr(0, 2000);
      proc_.reset();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "prometheus not ready after 60 s: " + proc_->Log().substr(0, 2000);
  Stop();
  return false;
}

void PrometheusProcess::Stop() {
  if (!proc_) return;
  proc_->Signal(SIGCONT);  // a paused server cannot handle SIGTERM
  proc_->Stop(std::chrono::seconds(10));
  proc_.reset();
}

void PrometheusProcess::Pause() {
  if (!proc_) return;
  proc_->Signal(SIGSTOP);
  // The stop is asynchronous: wait until the kernel reports the process as stopped ('T'),
  // otherwise a loaded machine lets it answer one more request.
  for (int i = 0; i < 500; ++i) {
    std::string stat = ReadFile("/proc/" + std::to_string(proc_->pid()) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T') return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
void PrometheusProcess::Resume() {
  if (proc_) proc_->Signal(SIGCONT);
}

}  // namespace streamlens::remote_read::testing
