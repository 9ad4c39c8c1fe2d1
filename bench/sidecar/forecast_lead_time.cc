// forecast_lead_time FILE.csv KIND START END [--trace]
//
// Replays the daemon's forecast path for one lag-in-seconds series point by point, exactly as
// the built-in consumer_lag_seconds job runs it (its forecast config: model auto, 15-minute
// buckets, daily and weekly seasons, thresholds 60/180/600 s, refit every fit_every on the
// fit_window before it and early when the model drifted, as drift_refits.h spaces them, every
// minute's point handed to the running model), and reports for each
// threshold when the predicted breach within the next hour (probability >= 0.5) became and
// stayed likely, against when the series actually crossed it.
//
// KIND is the incident kind of the file ("benign" for a series without one); START and END the
// incident's times ("YYYY-MM-DD HH:MM:SS", ignored for benign). Incident series are replayed from
// a day before the incident to the end of the incident; benign series over their last week.
// Prints the refits made (fits, of them early for drift, over days replayed):
//   refits kind=<kind> fits=<n> drift_fits=<n> days=<d>
// then one line per threshold:
//   lead threshold=180 breach=<unix s|none> predicted=<unix s|none> lead_minutes=<m|nan>
//   false threshold=180 episodes=<n> weeks=<w>     (predictions of a breach within the hour that
//                                                   no breach followed within that hour, counted
//                                                   per run of consecutive likely minutes)
// --trace also prints every replayed minute: "trace <unix s> y=<v> p=<p60>,<p180>,<p600>
// yhat1h=<v> lo1h=<v> hi1h=<v>" (the 1h breach probability of each threshold and the 1h forecast).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/drift_refits.h"

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

// KafkaConsumerLagSLABreachPredicted's `for` (rules/): a prediction pages once it held this long.
constexpr int64_t kPageAfter = 2 * kMin;

struct Tracker {
  double threshold;
  int64_t breach = -1;              // first time at or beyond the threshold (in the incident)
  int64_t likely_since = -1;        // start of the current run of probability >= 0.5
  int64_t predicted = -1;           // likely_since when the breach happened
  std::vector<int64_t> run_starts;  // every run of "likely" (a predicted breach within the hour)
  std::vector<int64_t> run_lasts;   // the last "likely" minute of each run
  std::vector<int64_t> crossings;   // every time the series went from below to beyond

  // One replayed minute: value y (prev the minute before, NaN for none), p the breach probability
  // within the hour; `counts` when a breach now is the incident's (or any, on a benign series).
  void Step(int64_t t, double y, double prev, double p, bool counts) {
    const bool beyond = y >= threshold;
    const bool likely = p >= 0.5 && !beyond;
    if (beyond && !(prev >= threshold)) crossings.push_back(t);
    if (beyond && breach < 0 && counts) {
      breach = t;
      predicted = likely_since;
    }
    if (likely && likely_since < 0) {
      likely_since = t;
      run_starts.push_back(t);
      run_lasts.push_back(t);
    }
    if (likely) run_lasts.back() = t;
    if (!likely) likely_since = -1;
  }
};

// Predictions not followed by a breach within the hour they were about, counted per run of
// consecutive "likely" minutes; for an incident series only those made more than an hour before
// the incident (the ones the incident cannot explain).
// With min_ms > 0 only runs that stayed likely for at least that long count (the alert's `for`:
// what would have paged).
int FalsePredictions(const Tracker& x, int64_t count_before, int64_t min_ms = 0) {
  int n = 0;
  for (size_t r = 0; r < x.run_starts.size(); ++r) {
    const int64_t s = x.run_starts[r];
    if (s >= count_before || x.run_lasts[r] - s < min_ms) continue;
    const bool followed = std::any_of(x.crossings.begin(), x.crossings.end(),
                                      [&](int64_t c) { return c >= s && c <= s + 60 * kMin; });
    n += !followed;
  }
  return n;
}

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
  const bool trace = argc > 5 && std::string(argv[5]) == "--trace";
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
  DriftRefits drift;
  int64_t last_fit = std::numeric_limits<int64_t>::min();
  int fits = 0, drift_fits = 0;
  size_t hour_index = 0;  // the 1h horizon's position among the published horizons
  for (size_t h = 0; h < job.forecast.horizons.size(); ++h) {
    if (job.forecast.horizons[h] == std::chrono::hours(1)) hour_index = h;
  }
  for (size_t i = 0; i < ts.size(); ++i) {
    const int64_t t = ts[i];
    if (t < from || t > to) continue;
    SeriesOutput out;
    // The engine's schedule: a refit every fit_every, and early when the updated model drifted
    // (drift_refits.h), in the minute whose update showed it.
    auto refit = [&](bool early) {
      const size_t first = i + 1 > window ? i + 1 - window : 0;
      DenseSeries hist{ts[first], step, std::span<const double>(vs.data() + first, i + 1 - first)};
      out = SeriesOutput();
      auto m = (*analysis)->Fit(hist, &out);
      if (!m.ok()) return false;
      model = std::move(*m);
      drift.Observe(model->Drifted(), t);
      drift.OnFit(last_fit, t, job.fit_every.count(), early);
      last_fit = t;
      next_fit = t + job.fit_every.count();
      ++fits;
      return true;
    };
    if (!model || t >= next_fit) {
      if (!refit(false)) continue;
    } else {
      (void)model->Update({t, step, std::span<const double>(&vs[i], 1)}, &out);
      drift.Observe(model->Drifted(), t);
      if (drift.Due(t, last_fit) && refit(true)) ++drift_fits;
    }
    if (!out.has_forecast) continue;
    if (trace) {
      std::printf("trace %lld y=%g p=", static_cast<long long>(t / 1000), vs[i]);
      for (size_t k = 0; k < out.forecast.thresholds.size(); ++k) {
        const auto& pr = out.forecast.thresholds[k].probability;
        std::printf("%s%.2f", k ? "," : "", hour_index < pr.size() ? pr[hour_index] : 0.0);
      }
      const auto& hz = out.forecast.horizons[hour_index];
      std::printf(" yhat1h=%.1f lo1h=%.1f hi1h=%.1f\n", hz.yhat, hz.yhat_lower, hz.yhat_upper);
    }
    for (size_t k = 0; k < tr.size(); ++k) {
      const auto& pr = out.forecast.thresholds[k].probability;
      tr[k].Step(t, vs[i], i > 0 ? vs[i - 1] : std::nan(""),
                 hour_index < pr.size() ? pr[hour_index] : 0, benign || t >= inc_start);
    }
  }
  const double weeks = static_cast<double>(to - from) / (7 * 24 * 60 * kMin);
  const int64_t count_before = benign ? std::numeric_limits<int64_t>::max() : inc_start - 60 * kMin;
  std::printf("refits kind=%s fits=%d drift_fits=%d days=%.2f\n", kind.c_str(), fits, drift_fits,
              weeks * 7);
  for (const Tracker& x : tr) {
    if (benign) {
      std::printf("false threshold=%g episodes=%d paging=%d weeks=%.2f\n", x.threshold,
                  FalsePredictions(x, count_before), FalsePredictions(x, count_before, kPageAfter),
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
        static_cast<long long>(x.predicted / 1000), lead, FalsePredictions(x, count_before));
  }
  return 0;
}
