#include "sidecar/engine/series_update.h"

#include <gtest/gtest.h>

#include <vector>

namespace streamlens::engine {
namespace {

// Scores every point it is handed (score = the value).
class EchoModel : public SeriesModel {
 public:
  void Describe(SeriesOutput*) const override {}
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    for (size_t i = 0; i < p.values.size(); ++i) {
      AnomalyPoint a;
      a.t_ms = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      a.score = p.values[i];
      out->anomaly.push_back(a);
    }
    return Status::Ok();
  }
  void Save(std::string*) const override {}
  size_t MemoryBytes() const override { return sizeof(*this); }
};
class EchoAnalysis : public SeriesAnalysis {
 public:
  std::string_view kind() const override { return "anomaly"; }
  size_t MinHistory() const override { return 1; }
  bool RefitsOnSchedule() const override { return false; }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput* out) const override {
    auto m = std::make_unique<EchoModel>();
    (void)m->Update(h, out);  // an online model scores its priming history
    return std::unique_ptr<SeriesModel>(std::move(m));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view) const override {
    return Status::Error("unused");
  }
};

TEST(SeriesUpdateTest, AFirstFitOnAWeekKeepsOnlyTheScoreHistoryItPublishes) {
  AnalysisList analyses;
  analyses.push_back(std::make_unique<EchoAnalysis>());
  SeriesState st;
  st.key = "s";
  std::vector<double> week(7 * 1440);
  for (size_t i = 0; i < week.size(); ++i) week[i] = static_cast<double>(i);
  CycleWindow win;
  win.step_ms = 60'000;
  win.score_history = 60;
  const SeriesUpdate u =
      UpdateSeries(st, {0, &st, FitKind::kFirst}, 0, week, win, analyses, SharedFits(1));
  ASSERT_TRUE(u.fitted);
  ASSERT_EQ(st.score_history.size(), 60u);
  EXPECT_EQ(st.score_history.front().second, static_cast<float>(week.size() - 60));
  EXPECT_EQ(st.score_history.back().second, static_cast<float>(week.size() - 1));
  // Kept in capacity too: 16 bytes x 60, not x 10,080 (160 KB per series of a large estate).
  EXPECT_LE(st.score_history.capacity(), 120u);
  EXPECT_EQ(st.anomaly.t_ms, static_cast<int64_t>(week.size() - 1) * 60'000);

  const std::vector<double> next = {1.0, 2.0};
  (void)UpdateSeries(st, {0, &st, FitKind::kUpdate}, static_cast<int64_t>(week.size()) * 60'000,
                     next, win, analyses, SharedFits(1));
  ASSERT_EQ(st.score_history.size(), 60u);
  EXPECT_EQ(st.score_history.back().second, 2.0f);
  EXPECT_LE(st.score_history.capacity(), 120u);
}

}  // namespace
}  // namespace streamlens::engine
