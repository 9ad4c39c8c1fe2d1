// forecast_lead_time FILE.csv KIND START END [--out-every M]
//
// Replays the daemon's forecast path for one lag-in-seconds series point by point, exactly as
// the built-in consumer_lag_seconds job runs it (its forecast config: model auto, 15-minute
// buckets, daily and weekly seasons, thresholds 60/180/600 s, refit every fit_every on the
// fit_window before it, every minute's point handed to the running model), and reports for each
// threshold when the predicted breach within the next hour (probability >= 0.5) became and
// stayed likely, against when the series actually crossed it.
//
// KIND is the incident kind of the file ("benign" for a series without one); START and END the
// incident's times ("YYYY-MM-DD HH:MM:SS", ignored for benign). Incident series are replayed from
// a day before the incident to the end of the incident; benign series over their last week.
// Prints one line per threshold:
//   lead threshold=180 breach=<unix s|none> predicted=<unix s|none> lead_minutes=<m|nan>
//   false threshold=180 episodes=<n> weeks=<w>     (predictions not followed by a breach within
//                                                   the hour, counted per episode)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/config.h"

using namespace streamlens;
using namespace streamlens::engine;

namespace {

constexpr int64_t kMin = 60'000;

int64_t ParseTime(const std::string& s) {
  std::tm tm{};
  if (!strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm)) return -1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

bool ReadCsv(const std::string& path, std::vector<int64_t>* t, std::vector<double>* v) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return false;
  while (std::getline(in, line)) {
    const size_t c = line.find(',');
    if (c == std::string::npos) return false;
    t->push_back(ParseTime(line.substr(0, c)));
    v->push_back(std::stod(line.substr(c + 1)));
  }
  return !t->empty();
}

JobConfig LagSecondsJob() {
  for (const JobConfig& j : DefaultConfig("http://x/api/v1/read", "remote-read").jobs) {
    if (j.name == "consumer_lag_seconds") {
      JobConfig c = j;
      c.anomaly.enabled = false;  // the forecast path only
      return c;
    }
  }
  std::fprintf(stderr, "forecast_lead_time: no consumer_lag_seconds job in the default set\n");
  std::exit(1);
}

struct Tracker {
  double threshold;
  int64_t breach = -1;        // first time at or beyond the threshold
  int64_t likely_since = -1;  // start of the current run of probability >= 0.5
  int64_t predicted = -1;     // likely_since when the breach happened
  int false_episodes = 0;
  std::vector<int64_t> open;  // starts of likely runs not yet matched with a breach
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: forecast_lead_time FILE.csv KIND START END\n");
    return 2;
  }
  std::vector<int64_t> ts;
  std::vector<double> vs;
  if (!ReadCsv(argv[1], &ts, &vs)) {
    std::fprintf(stderr, "forecast_lead_time: %s: expected timestamp,value rows\n", argv[1]);
    return 1;
  }
  const std::string kind = argv[2];
  const bool benign = kind == "benign";
  const int64_t inc_start = benign ? -1 : ParseTime(argv[3]);
  const int64_t inc_end = benign ? -1 : ParseTime(argv[4]);
  const JobConfig job = LagSecondsJob();
  auto analysis = MakeForecastAnalysis(job);
  if (!analysis.ok()) {
    std::fprintf(stderr, "forecast_lead_time: %s\n", analysis.status().message().c_str());
    return 1;
  }
  const int64_t step = job.step.count();
  const size_t window = static_cast<size_t>(job.fit_window.count() / step);
  const int64_t from = benign ? ts.back() - 7 * 24 * 60 * kMin : inc_start - 24 * 60 * kMin;
  const int64_t to = benign ? ts.back() : std::min(ts.back(), inc_end);
  std::vector<Tracker> tr;
  for (const auto& th : job.forecast.thresholds) tr.push_back({th.value});
  std::unique_ptr<SeriesModel> model;
  int64_t next_fit = from;
  size_t hour_index = 0;  // the 1h horizon's position among the published horizons
  for (size_t h = 0; h < job.forecast.horizons.size(); ++h) {
    if (job.forecast.horizons[h] == std::chrono::hours(1)) hour_index = h;
  }
  for (size_t i = 0; i < ts.size(); ++i) {
    const int64_t t = ts[i];
    if (t < from || t > to) continue;
    SeriesOutput out;
    if (!model || t >= next_fit) {
      const size_t first = i + 1 > window ? i + 1 - window : 0;
      DenseSeries hist{ts[first], step, std::span<const double>(vs.data() + first, i + 1 - first)};
      auto m = (*analysis)->Fit(hist, &out);
      if (!m.ok()) continue;
      model = std::move(*m);
      next_fit = t + job.fit_every.count();
    } else {
      (void)model->Update({t, step, std::span<const double>(&vs[i], 1)}, &out);
    }
    if (!out.has_forecast) continue;
    for (size_t k = 0; k < tr.size(); ++k) {
      Tracker& x = tr[k];
      const ThresholdForecast& f = out.forecast.thresholds[k];
      const bool beyond = vs[i] >= x.threshold;
      const double p = hour_index < f.probability.size() ? f.probability[hour_index] : 0;
      const bool likely = p >= 0.5 && !beyond;
      if (beyond && x.breach < 0 && (benign || t >= inc_start)) {
        x.breach = t;
        x.predicted = x.likely_since;
      }
      if (likely && x.likely_since < 0) x.likely_since = t;
      if (!likely && !beyond) {
        // A likely run that ended without a breach within the hour after it started is a false
        // prediction (outside the incident for incident series).
        if (x.likely_since >= 0 && (benign || t < inc_start - 60 * kMin)) ++x.false_episodes;
        x.likely_since = -1;
      }
      if (beyond) x.likely_since = -1;
    }
  }
  const double weeks = static_cast<double>(to - from) / (7 * 24 * 60 * kMin);
  for (const Tracker& x : tr) {
    if (benign) {
      std::printf("false threshold=%g episodes=%d weeks=%.2f\n", x.threshold, x.false_episodes,
                  weeks);
      continue;
    }
    const double lead = x.breach >= 0 && x.predicted >= 0
                            ? static_cast<double>(x.breach - x.predicted) / kMin
                            : (x.breach >= 0 ? 0.0 : std::nan(""));
    std::printf(
        "lead threshold=%g kind=%s breach=%lld predicted=%lld lead_minutes=%.1f "
        "false_before=%d\n",
        x.threshold, kind.c_str(), static_cast<long long>(x.breach / 1000),
        static_cast<long long>(x.predicted / 1000), lead, x.false_episodes);
  }
  return 0;
}
