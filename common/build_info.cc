#include "common/build_info.h"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#ifndef STREAMLENS_VERSION
#define STREAMLENS_VERSION "0.0.0"
#endif
#ifndef STREAMLENS_REVISION
#define STREAMLENS_REVISION "unknown"
#endif

namespace streamlens {

std::string Version() { return STREAMLENS_VERSION; }
std::string Revision() { return STREAMLENS_REVISION; }
std::string Compiler() {
#if defined(__clang__)
  return "clang-" + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "gcc-" + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

namespace {

prometheus::MetricFamily Gauge(const std::string& name, const std::string& help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
  }
  return 0;
}

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    {
      prometheus::MetricFamily f;
      f.name = "streamlens_build_info";
      f.help =
          "A metric with a constant '1' value labeled by version, revision and compiler "
          "from which streamlens was built.";
      f.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric m;
      m.label = {{"compiler", Compiler()}, {"revision", Revision()}, {"version", Version()}};
      m.gauge.value = 1;
      f.metric.push_back(std::move(m));
      out.push_back(std::move(f));
    }
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close != std::string::npos) {
      std::istringstream fields(stat.substr(close + 2));
      std::vector<std::string> v;
      std::string tok;
      while (fields >> tok) v.push_back(tok);
      // Fields after the command name start at field 3 (state) -> index 0.
      if (v.size() > 21) {
        const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
        const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
        const double utime = std::stod(v[11]), stime = std::stod(v[12]);
        const double start = std::stod(v[19]);
        const double vsize = std::stod(v[20]), rss = std::stod(v[21]);
        out.push_back(Gauge("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.",
                            (utime + stime) / ticks, prometheus::MetricType::Counter));
        out.push_back(
            Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss * page));
        out.push_back(
            Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", vsize));
        out.push_back(Gauge("process_start_time_seconds",
                            "Start time of the process since unix epoch in seconds.",
                            BootTimeSeconds() + start / ticks));
      }
    }
    int fds = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
      while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') ++fds;
      }
      closedir(d);
      --fds;  // the descriptor opendir itself holds
    }
    out.push_back(Gauge("process_open_fds", "Number of open file descriptors.", fds));
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
      out.push_back(Gauge("process_max_fds", "Maximum number of open file descriptors.",
                          static_cast<double>(lim.rlim_cur)));
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<prometheus::Collectable> MakeProcessCollector() {
  return std::make_shared<ProcessCollector>();
}

}  // namespace streamlens
