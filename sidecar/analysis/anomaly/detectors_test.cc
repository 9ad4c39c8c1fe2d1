#include "sidecar/analysis/anomaly/detectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

namespace streamlens::analysis {
namespace {

TEST(DetectorsTest, DetectPeriodFindsTheCycleInTheDataOrNothing) {
  std::mt19937 rng(1);
  std::normal_distribution<double> g(0, 0.3);
  std::vector<double> x(600);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(2 * M_PI * i / 48.0) + g(rng);
  EXPECT_EQ(DetectPeriod(x), 48);
  std::vector<double> noise(600);
  for (auto& v : noise) v = g(rng);
  EXPECT_EQ(DetectPeriod(noise), 0);
  EXPECT_EQ(DetectPeriod(std::vector<double>(600, 3.0)), 0);
}

TEST(DetectorsTest, DefaultDetectorIsCausalAndFlagsALevelShiftOnset) {
  auto spec = FindDetector(DetectorNames().front());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->name, "streamlens");
  std::mt19937 rng(2);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = 10 * std::sin(2 * M_PI * i / 50.0) + g(rng) + (i >= 2000 ? 12 : 0);
  }
  auto a = StreamingDetector::Create(*spec);
  auto b = StreamingDetector::Create(*spec);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<double> sa, sb;
  for (double v : x) sa.push_back((*a)->Next(v));
  for (size_t i = 0; i < 2001; ++i) sb.push_back((*b)->Next(x[i]));
  EXPECT_EQ((*a)->detected_period(), 50);
  for (size_t i = 0; i < sb.size(); ++i) ASSERT_EQ(sa[i], sb[i]) << i;
  const double onset = *std::max_element(sa.begin() + 2000, sa.begin() + 2005);
  const double before = *std::max_element(sa.begin() + 1000, sa.begin() + 2000);
  EXPECT_GT(onset, before);
  for (double s : sa) {
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
  EXPECT_FALSE(FindDetector("nope").ok());
  EXPECT_FALSE(FindDetector("custom:bogus=1").ok());
}

TEST(DetectorsTest, DefaultFindsADailyAndAWeeklyCycleAndScoresWithBoth) {
  // Half-hourly data (48 per day) with quiet weekends, as NAB's nyc_taxi.
  std::mt19937 rng(3);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(48 * 7 * 6);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool weekend = (i / 48) % 7 >= 5;
    x[i] = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(i % 48) / 48) - (weekend ? 20 : 0) +
           g(rng);
  }
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  auto d = StreamingDetector::Create(*spec);
  ASSERT_TRUE(d.ok());
  for (double v : x) (*d)->Next(v);
  EXPECT_EQ((*d)->detected_period(), 48);
  EXPECT_EQ((*d)->detected_second_period(), 336);
  // One look only (the previous default) stops at the daily cycle.
  auto one = FindDetector("streamlens_one_look");
  ASSERT_TRUE(one.ok());
  auto e = StreamingDetector::Create(*one);
  for (double v : x) (*e)->Next(v);
  EXPECT_EQ((*e)->detected_period(), 48);
  EXPECT_EQ((*e)->detected_second_period(), 0);
}

TEST(DetectorsTest, ShiftChannelFlagsADriftTheOneStepResidualFollows) {
  // A slow ramp of 6 noise sigmas over 60 points: each step is small against the noise, so the
  // one-step residual barely moves, but the recent mean leaves the long-run distribution.
  std::mt19937 rng(4);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3000);
  for (size_t i = 0; i < x.size(); ++i) {
    const double ramp = i < 2500 ? 0.0 : std::min(1.0, (i - 2500) / 60.0);
    x[i] = 50 + g(rng) + 6 * ramp;
  }
  auto plain = FindDetector("custom:probe=0,probemax=0,hold=0,slow=0");
  auto shift = FindDetector("custom:probe=0,probemax=0,hold=0,slow=0,shift=1");
  ASSERT_TRUE(plain.ok() && shift.ok());
  auto a = StreamingDetector::Create(*plain);
  auto b = StreamingDetector::Create(*shift);
  std::vector<double> sa, sb;
  for (double v : x) {
    sa.push_back((*a)->Next(v));
    sb.push_back((*b)->Next(v));
  }
  auto peak = [](const std::vector<double>& s, size_t from, size_t to) {
    return *std::max_element(s.begin() + from, s.begin() + to);
  };
  const double before_b = peak(sb, 1000, 2500);
  EXPECT_GT(peak(sb, 2500, 2600), before_b);
  EXPECT_GT(peak(sb, 2500, 2600), peak(sa, 2500, 2600));
}

TEST(DetectorsTest, SlowLevelChannelFlagsADriftTheTenPointMedianFollows) {
  // A ramp of 8 noise sigmas over 40 points: the 10-point median follows it within a few sigmas,
  // the 50-point median of the slow channel lags it by several.
  std::mt19937 rng(9);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(3000);
  for (size_t i = 0; i < x.size(); ++i) {
    const double ramp = i < 2500 ? 0.0 : std::min(1.0, (i - 2500) / 40.0);
    x[i] = 50 + g(rng) + 8 * ramp;
  }
  auto run = [&](const char* name) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok());
    auto d = StreamingDetector::Create(*spec);
    std::vector<double> out;
    for (double v : x) out.push_back((*d)->Next(v));
    return out;
  };
  const std::vector<double> fast = run("custom:probe=0,probemax=0,slow=0");
  const std::vector<double> slow = run("streamlens");
  auto peak = [](const std::vector<double>& s, size_t from, size_t to) {
    return *std::max_element(s.begin() + from, s.begin() + to);
  };
  EXPECT_GT(peak(slow, 2500, 2560), peak(slow, 1000, 2500));
  EXPECT_GT(peak(slow, 2500, 2560), peak(fast, 2500, 2560) + 0.05);
  // Causal: the first 2520 scores do not depend on what follows.
  auto spec = FindDetector("streamlens");
  auto d = StreamingDetector::Create(*spec);
  for (size_t i = 0; i < 2520; ++i) ASSERT_EQ((*d)->Next(x[i]), slow[i]) << i;
}

TEST(DetectorsTest, TailScalingDiscountsDeviationsThatAreRoutineForTheSeries) {
  // Same 8-sigma spike at the end of two series; in the second, such spikes happen every 40
  // points, so its 99th percentile of scores is high and the spike is not news.
  std::mt19937 rng(5);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> calm(2600), spiky(2600);
  for (size_t i = 0; i < calm.size(); ++i) {
    calm[i] = 20 + g(rng);
    spiky[i] = 20 + g(rng) + (i % 40 == 7 ? 8 : 0);
  }
  calm[2590] += 8;
  spiky[2590] += 8;
  // Ratio of the spike's score in the spiky series to the one in the calm series.
  auto ratio = [&](const char* name) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok());
    auto a = StreamingDetector::Create(*spec);
    auto b = StreamingDetector::Create(*spec);
    double sa = 0, sb = 0;
    for (size_t i = 0; i < calm.size(); ++i) {
      const double ra = (*a)->Next(calm[i]);
      const double rb = (*b)->Next(spiky[i]);
      if (i == 2590) {
        sa = ra;
        sb = rb;
      }
    }
    EXPECT_GT(sa, 0.5) << name;
    return sb / sa;
  };
  const double with_tail = ratio("custom:probe=0,probemax=0,tailq=0.99");
  const double with_sd = ratio("custom:probe=0,probemax=0,tailq=0");
  EXPECT_LT(with_tail, 0.8);
  EXPECT_LT(with_tail, with_sd - 0.1);
}

TEST(DetectorsTest, OnsetMarginReportsAClimbOnce) {
  // A ramp of growing deviations: every step is a new maximum, so plain onset emphasis reports
  // each step; with a margin only clear jumps over the recent maximum are reported.
  std::mt19937 rng(6);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(2200);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 10 + g(rng) + (i >= 2100 && i < 2110 ? 3.0 * (i - 2099) : 0);
  auto count_high = [&](const char* name) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok());
    auto d = StreamingDetector::Create(*spec);
    int high = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double s = (*d)->Next(x[i]);
      if (i >= 2100 && s > 0.5) ++high;
    }
    return high;
  };
  const int plain = count_high("custom:probe=0,probemax=0,hold=0");
  const int margin = count_high("custom:probe=0,probemax=0,hold=0,margin=1.5");
  EXPECT_GE(plain, 3);
  EXPECT_GE(margin, 1);
  EXPECT_LT(margin, plain);
}

TEST(DetectorsTest, HoldAfterAnAlarmReportsARampOnce) {
  // A shift of 4 sigmas that keeps climbing to 7 after 2100 quiet points: without a hold the steps
  // that make a new maximum are alarms again; with the default hold only the first (the later steps
  // do not triple the alarm's score within 60 points).
  std::mt19937 rng(8);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(2200);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 10 + g(rng) + (i >= 2100 ? std::min(4.0 + 0.2 * (i - 2100), 7.0) : 0);
  auto alarms = [&](const char* name) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok());
    auto d = StreamingDetector::Create(*spec);
    int n = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double s = (*d)->Next(x[i]);
      if (i >= 2100 && s >= 0.6) ++n;  // likelihood score >= 1.5
    }
    return n;
  };
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->hold_window, 60);
  EXPECT_DOUBLE_EQ(spec->hold_factor, 3.0);
  EXPECT_GE(alarms("custom:probe=0,probemax=0,hold=0"), 2);
  EXPECT_EQ(alarms("custom:probe=0,probemax=0"), 1);
}

TEST(DetectorsTest, TuningKeysSetTheirFieldsAndChangeTheScores) {
  auto spec = FindDetector(
      "custom:level=7,long=1500,short=2,onset=30,margin=1.3,tailq=0.98,tailmin=4,tailmix=1,"
      "var=0.5,varw=40,shift=0.8,shiftw=12,shifth=600,probe=300,probemax=1200,bandz=2.5,hold=40,"
      "holdt=1.2,holdf=3,spatial=0.05,spatials=5,spatialw=200,onseth=20,knn=0.5,knnd=6,knnk=3,"
      "knnh=500,knnmean=1,slow=0.8,sloww=40,slowall=1,slow2w=120,holdp=0.5,rare=0.7,rarew=900,"
      "rareb=0.1,shortmem=700");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->scorer.level_window, 7);
  EXPECT_EQ(spec->long_window, 1500);
  EXPECT_EQ(spec->short_window, 2);
  EXPECT_EQ(spec->onset_window, 30);
  EXPECT_DOUBLE_EQ(spec->onset_margin, 1.3);
  EXPECT_DOUBLE_EQ(spec->tail_quantile, 0.98);
  EXPECT_DOUBLE_EQ(spec->tail_min_exceed, 4);
  EXPECT_TRUE(spec->tail_mix);
  EXPECT_DOUBLE_EQ(spec->var_weight, 0.5);
  EXPECT_EQ(spec->var_window, 40);
  EXPECT_DOUBLE_EQ(spec->shift_weight, 0.8);
  EXPECT_EQ(spec->shift_window, 12);
  EXPECT_EQ(spec->shift_history, 600);
  EXPECT_EQ(spec->auto_period_probe, 300);
  EXPECT_EQ(spec->period_probe_max, 1200);
  EXPECT_DOUBLE_EQ(spec->scorer.band_z, 2.5);
  EXPECT_EQ(spec->hold_window, 40);
  EXPECT_DOUBLE_EQ(spec->hold_trigger, 1.2);
  EXPECT_DOUBLE_EQ(spec->hold_factor, 3);
  EXPECT_DOUBLE_EQ(spec->spatial_tolerance, 0.05);
  EXPECT_DOUBLE_EQ(spec->spatial_score, 5);
  EXPECT_EQ(spec->spatial_warmup, 200);
  EXPECT_DOUBLE_EQ(spec->onset_half_life, 20);
  EXPECT_DOUBLE_EQ(spec->knn_weight, 0.5);
  EXPECT_EQ(spec->knn_dim, 6);
  EXPECT_EQ(spec->knn_k, 3);
  EXPECT_EQ(spec->knn_history, 500);
  EXPECT_TRUE(spec->knn_mean);
  EXPECT_DOUBLE_EQ(spec->slow_weight, 0.8);
  EXPECT_EQ(spec->slow_level_window, 40);
  EXPECT_TRUE(spec->slow_seasonal);
  EXPECT_EQ(spec->slow2_level_window, 120);
  EXPECT_DOUBLE_EQ(spec->hold_period_fraction, 0.5);
  EXPECT_DOUBLE_EQ(spec->rare_weight, 0.7);
  EXPECT_EQ(spec->rare_window, 900);
  EXPECT_DOUBLE_EQ(spec->rare_bandwidth, 0.1);
  EXPECT_EQ(spec->short_memory, 700);
  // Each channel/normalisation option changes the output on a noisy random walk with bursts.
  std::mt19937 rng(7);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(2500);
  double level = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    level += 0.1 * g(rng);
    x[i] = level + g(rng) * ((i / 300) % 2 ? 3.0 : 1.0);
  }
  auto run = [&](const std::string& name) {
    auto sp = FindDetector(name);
    EXPECT_TRUE(sp.ok()) << name;
    auto d = StreamingDetector::Create(*sp);
    std::vector<double> out;
    for (double v : x) out.push_back((*d)->Next(v));
    return out;
  };
  const std::vector<double> base = run("custom:probe=0");
  for (const char* variant :
       {"custom:probe=0,var=1", "custom:probe=0,shift=1", "custom:probe=0,tailmix=1",
        "custom:probe=0,tailmin=5", "custom:probe=0,holdt=0.3", "custom:probe=0,spatial=0.01",
        "custom:probe=0,onseth=10", "custom:probe=0,knn=1", "custom:probe=0,knn=0.5,knnmean=1",
        "custom:probe=0,slow=0", "custom:probe=0,sloww=100", "custom:probe=0,shortmem=0",
        "custom:probe=0,shortmem=600", "custom:probe=0,rare=2",
        "custom:probe=0,rare=2,rareb=0.2"}) {
    EXPECT_NE(run(variant), base) << variant;
  }
}

TEST(DetectorsTest, RareValueChannelFlagsALevelTheSeriesHasNotVisited) {
  // A slow oscillation over [-10, 10] (too slow for the 8- and 50-point medians to lag it much),
  // then a smooth climb to 16 over 60 points: each step is small against the local median, but
  // the values above 10 were never seen in the last 2000 points.
  std::mt19937 rng(11);
  std::normal_distribution<double> g(0, 0.5);
  std::vector<double> x(2700);
  for (size_t i = 0; i < x.size(); ++i) {
    // Crest (10) at i = 2500, where the climb starts.
    const double wave = i < 2500 ? 10 * std::sin(2 * M_PI * (static_cast<double>(i) - 2325) / 700)
                                 : 10 + 6.0 * std::min(1.0, (i - 2500) / 60.0);
    x[i] = wave + g(rng);
  }
  auto run = [&](const char* name) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok()) << name;
    auto d = StreamingDetector::Create(*spec);
    std::vector<double> out;
    for (double v : x) out.push_back((*d)->Next(v));
    return out;
  };
  const std::vector<double> with = run("custom:probe=0,probemax=0,rare=1");
  const std::vector<double> without = run("custom:probe=0,probemax=0,rare=0");
  auto peak = [](const std::vector<double>& s, size_t from, size_t to) {
    return *std::max_element(s.begin() + from, s.begin() + to);
  };
  EXPECT_GT(peak(with, 2500, 2600), peak(without, 2500, 2600) + 0.05);
  EXPECT_GT(peak(with, 2500, 2600), peak(with, 1000, 2500));
  // The rare channel only adds (max()): before the climb the two agree where the rare score is low.
  EXPECT_GE(peak(with, 1000, 2500), peak(without, 1000, 2500) - 1e-12);
}

TEST(DetectorsTest, ShortMemoryDiscountsSpikesThatBecameRoutineRecently) {
  // Identical calm first 3000 points; then in one series 7-sigma spikes every 50 points up to 3850
  // (18: 1.5% of a 1200-point memory, 0.9% of a 2000-point one, so only the short memory's 99th
  // percentile is a spike). A final 7-sigma spike is news in the calm series only; with the short
  // memory the spiky series' spike scores clearly lower than with the long memory alone (residual
  // channel alone: the slow and rare-value channels keep one memory).
  std::mt19937 rng(12);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> calm(4000), spiky(4000);
  for (size_t i = 0; i < calm.size(); ++i) {
    calm[i] = 30 + g(rng);
    spiky[i] = calm[i] + (i >= 3000 && i <= 3850 && i % 50 == 0 ? 7.0 : 0.0);
  }
  calm[3990] += 7;
  spiky[3990] += 7;
  auto final_score = [](const char* name, const std::vector<double>& x) {
    auto spec = FindDetector(name);
    EXPECT_TRUE(spec.ok()) << name;
    auto d = StreamingDetector::Create(*spec);
    double s = 0;
    for (size_t i = 0; i <= 3990; ++i) s = (*d)->Next(x[i]);
    return s;
  };
  const char* short_mem = "custom:slow=0,rare=0";
  const char* long_only = "custom:slow=0,rare=0,shortmem=0";
  const double spiky_short = final_score(short_mem, spiky);
  const double spiky_long = final_score(long_only, spiky);
  const double calm_short = final_score(short_mem, calm);
  const double calm_long = final_score(long_only, calm);
  EXPECT_GT(calm_short, 0.6);
  EXPECT_GT(calm_long, 0.6);
  EXPECT_LT(spiky_short, spiky_long - 0.05);
  EXPECT_LT(spiky_short, calm_short - 0.1);
}

TEST(DetectorsTest, DefaultHandlesFlatQuantisedAndMissingValues) {
  // A flat line, then integer counts in {3, 4, 5} with NaN gaps, then a never-seen 9: every
  // score is finite and in [0, 1], NaN inputs score 0, and the 9 is the highest score.
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> q(3, 5);
  // (The 9 comes after the switch from flat to counts has left the 2000-score likelihood memory.)
  std::vector<double> x(3800, 4.0);
  for (size_t i = 1000; i < x.size(); ++i) x[i] = i % 97 == 0 ? std::nan("") : q(rng);
  x[3700] = 9;
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  auto d = StreamingDetector::Create(*spec);
  ASSERT_TRUE(d.ok());
  double best = -1;
  size_t best_at = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double s = (*d)->Next(x[i]);
    ASSERT_TRUE(std::isfinite(s)) << i;
    ASSERT_GE(s, 0.0) << i;
    ASSERT_LE(s, 1.0) << i;
    if (std::isnan(x[i])) EXPECT_EQ(s, 0.0) << i;
    if (i >= 3050 && s > best) {
      best = s;
      best_at = i;
    }
  }
  EXPECT_EQ(best_at, 3700u);
  EXPECT_GT(best, 0.6);
}

// ---- State serialisation ------------------------------------------------------------------

// Half-hourly series (48 a day) with quiet weekends: long enough to fill both likelihood
// memories and the rare-value ring, with a spike (an alarm and its hold) and an excursion to a
// level never visited (the rare-value channel).
std::vector<double> SerialisationSeries() {
  std::mt19937 rng(21);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(4200);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool weekend = (i / 48) % 7 >= 5;
    x[i] = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(i % 48) / 48) - (weekend ? 20 : 0) +
           g(rng);
  }
  x[2600] += 60;                                      // spike: alarm, then hold
  for (size_t i = 3300; i < 3340; ++i) x[i] = 160.0;  // a level the series never visited
  x[3500] = std::nan("");                             // a gap
  return x;
}

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), 8 * a.size()) == 0);
}

// Runs `spec` over x once without interruption and once saved and restored (into a new
// detector that continues) at every cut; the outputs must be the same bits.
void ExpectRestoreContinuesBitForBit(const DetectorSpec& spec, const std::vector<double>& x,
                                     const std::vector<size_t>& cuts) {
  auto ref = StreamingDetector::Create(spec);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  std::vector<double> want;
  for (double v : x) want.push_back((*ref)->Next(v));
  auto a = StreamingDetector::Create(spec);
  ASSERT_TRUE(a.ok());
  std::unique_ptr<StreamingDetector> d = std::move(*a);
  size_t next_cut = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (next_cut < cuts.size() && i == cuts[next_cut]) {
      SCOPED_TRACE("cut at " + std::to_string(i));
      ++next_cut;
      auto blob = d->Serialize();
      ASSERT_TRUE(blob.ok()) << blob.status().message();
      auto b = StreamingDetector::Restore(spec, *blob);
      ASSERT_TRUE(b.ok()) << b.status().message();
      // The restored state serialises to the same bits.
      auto again = (*b)->Serialize();
      ASSERT_TRUE(again.ok());
      EXPECT_TRUE(SameBits(*blob, *again));
      EXPECT_EQ((*b)->detected_period(), d->detected_period());
      EXPECT_EQ((*b)->detected_second_period(), d->detected_second_period());
      EXPECT_LE((*b)->MemoryBytes(), 400u * 1024);
      d = std::move(*b);
    }
    const double got = d->Next(x[i]);
    ASSERT_EQ(std::memcmp(&got, &want[i], 8), 0)
        << "point " << i << ": " << got << " vs " << want[i];
  }
  EXPECT_EQ(next_cut, cuts.size());
}

TEST(DetectorsTest, DefaultRestoredFromItsStateContinuesBitForBit) {
  const std::vector<double> x = SerialisationSeries();
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  // What the series exercises, on the uninterrupted run.
  auto d = StreamingDetector::Create(*spec);
  std::vector<double> s;
  for (double v : x) s.push_back((*d)->Next(v));
  EXPECT_EQ((*d)->detected_period(), 48);
  EXPECT_EQ((*d)->detected_second_period(), 336);
  EXPECT_GE(s[2600], 0.6);  // likelihood >= 1.5: starts a hold
  EXPECT_GE(*std::max_element(s.begin() + 3300, s.begin() + 3340), 0.5);
  // Cuts: before the first period search (its history kept), between searches (seasonal scorer
  // running, history still kept), after the last one, before both memories are full, inside the
  // hold after the spike, inside the unvisited level, after the gap.
  ExpectRestoreContinuesBitForBit(*spec, x, {1, 260, 700, 1500, 2100, 2603, 3310, 3501, 4100});
}

TEST(DetectorsTest, GivenPeriodsReplaceTheSearchAndSerialise) {
  const std::vector<double> x = SerialisationSeries();
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  spec->periods = {48, 336};
  auto d = StreamingDetector::Create(*spec);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->detected_period(), 48);
  EXPECT_EQ((*d)->detected_second_period(), 336);
  std::vector<double> given;
  for (double v : x) given.push_back((*d)->Next(v));
  // The search finds the same periods later (at 500 and 1000 points), so the scores differ only
  // before the seasonal scorer of the searching run starts.
  auto searching = StreamingDetector::Create(*FindDetector("streamlens"));
  std::vector<double> found;
  for (double v : x) found.push_back((*searching)->Next(v));
  EXPECT_NE(std::vector<double>(given.begin(), given.begin() + 1000),
            std::vector<double>(found.begin(), found.begin() + 1000));
  EXPECT_GE(given[2600], 0.6);
  ExpectRestoreContinuesBitForBit(*spec, x, {1, 100, 700, 2603, 3310});
  // Invalid periods are refused.
  for (std::vector<int> bad : {std::vector<int>{1}, {48, 48}, {0}, {-5}, {48, 1 << 21}}) {
    DetectorSpec b = *spec;
    b.periods = bad;
    EXPECT_FALSE(StreamingDetector::Create(b).ok());
  }
}

TEST(DetectorsTest, StateFromAnotherSpecOrUnserialisableChannelsIsRefused) {
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  EXPECT_TRUE(StreamingDetector::CheckSerializable(*spec).ok());
  auto d = StreamingDetector::Create(*spec);
  for (double v : SerialisationSeries()) (*d)->Next(v);
  auto blob = (*d)->Serialize();
  ASSERT_TRUE(blob.ok());
  for (const char* other : {"custom:long=1000", "custom:onset=50", "custom:shortmem=600",
                            "custom:rarew=1000", "custom:level=20", "streamlens_prev"}) {
    auto o = FindDetector(other);
    ASSERT_TRUE(o.ok()) << other;
    auto r = StreamingDetector::Restore(*o, *blob);
    EXPECT_FALSE(r.ok()) << other;
  }
  DetectorSpec fixed = *spec;
  fixed.periods = {48};
  EXPECT_FALSE(StreamingDetector::Restore(fixed, *blob).ok());
  for (const char* channel : {"custom:var=1", "custom:shift=1", "custom:knn=1",
                              "custom:spatial=0.1", "custom:diff=1", "custom:slow=1,slow2w=500"}) {
    auto o = FindDetector(channel);
    ASSERT_TRUE(o.ok()) << channel;
    const Status st = StreamingDetector::CheckSerializable(*o);
    EXPECT_FALSE(st.ok()) << channel;
    EXPECT_NE(st.message().find("no state serialisation"), std::string::npos) << st.message();
    auto c = StreamingDetector::Create(*o);
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE((*c)->Serialize().ok()) << channel;
    EXPECT_FALSE(StreamingDetector::Restore(*o, *blob).ok()) << channel;
  }
}

TEST(DetectorsTest, TruncatedOrCorruptedStateIsAnErrorNeverACrash) {
  auto spec = FindDetector("streamlens");
  ASSERT_TRUE(spec.ok());
  const std::vector<double> x = SerialisationSeries();
  // States at three stages: searching (history kept), seasonal, and seasonal with full memories.
  for (size_t cut : {300, 900, 2650}) {
    SCOPED_TRACE("state after " + std::to_string(cut) + " points");
    auto d = StreamingDetector::Create(*spec);
    for (size_t i = 0; i < cut; ++i) (*d)->Next(x[i]);
    auto blob = (*d)->Serialize();
    ASSERT_TRUE(blob.ok());
    const std::vector<double>& b = *blob;
    // Every truncation is refused (all of the first 300 lengths, then a stride).
    for (size_t n = 0; n < b.size(); n += n < 300 ? 1 : 97) {
      auto r = StreamingDetector::Restore(*spec, std::span<const double>(b.data(), n));
      ASSERT_FALSE(r.ok()) << "accepted a state truncated to " << n << " of " << b.size();
      EXPECT_EQ(r.status().message().rfind("detector state", 0), 0u) << r.status().message();
    }
    std::vector<double> longer = b;
    longer.push_back(0);
    EXPECT_FALSE(StreamingDetector::Restore(*spec, longer).ok());
    // Single corrupted values: refused, or accepted and then running without crashing.
    std::mt19937 rng(static_cast<unsigned>(cut));
    const double poison[] = {std::nan(""),    -1.0, 1e300, -1e300, INFINITY, 0.5,
                             1099511627776.0, 3.0,  0.0};
    int refused = 0, accepted = 0;
    for (int trial = 0; trial < 600; ++trial) {
      std::vector<double> c = b;
      // Mostly the header and counters (where the structure lives), sometimes anywhere.
      const size_t pos =
          trial % 3 == 0 ? rng() % c.size() : rng() % std::min<size_t>(c.size(), 140);
      c[pos] = trial % 4 == 3 ? c[pos] + 1 : poison[rng() % std::size(poison)];
      auto r = StreamingDetector::Restore(*spec, c);
      if (!r.ok()) {
        ++refused;
        continue;
      }
      ++accepted;
      for (size_t i = cut; i < cut + 20; ++i) (void)(*r)->Next(x[i]);
    }
    EXPECT_GT(refused, 80);
    EXPECT_GT(accepted, 5);
  }
}

}  // namespace
}  // namespace streamlens::analysis
