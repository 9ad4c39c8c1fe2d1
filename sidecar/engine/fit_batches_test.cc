#include "sidecar/engine/fit_batches.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace streamlens::engine {
namespace {

// `groups` x `topics` series lag{group="gG",topic="tT"}.
SeriesMap Estate(int groups, int topics) {
  SeriesMap m;
  for (int g = 0; g < groups; ++g) {
    for (int t = 0; t < topics; ++t) {
      auto s = std::make_unique<SeriesState>();
      s->input_labels = {{"__name__", "lag"},
                         {"group", "g" + std::to_string(g)},
                         {"topic", "t" + std::to_string(t)}};
      s->key = "lag{group=\"g" + std::to_string(g) + "\",topic=\"t" + std::to_string(t) + "\"}";
      std::string k = s->key;
      m.emplace(std::move(k), std::move(s));
    }
  }
  return m;
}

std::vector<SeriesState*> Where(const SeriesMap& m, const std::string& label,
                                const std::string& value) {
  std::vector<SeriesState*> out;
  for (const auto& [k, s] : m) {
    for (const auto& [n, v] : s->input_labels) {
      if (n == label && v == value) out.push_back(s.get());
    }
  }
  return out;
}

const std::vector<remote_read::Matcher> kJob = {
    {remote_read::MatchType::kEqual, "__name__", "lag"}};

TEST(FitBatchesTest, QuoteRegexEscapesEveryMetacharacter) {
  EXPECT_EQ(QuoteRegex("a.b*c+d?e(f)g|h[i]j{k}l^m$n\\o"),
            "a\\.b\\*c\\+d\\?e\\(f\\)g\\|h\\[i\\]j\\{k\\}l\\^m\\$n\\\\o");
  EXPECT_EQ(QuoteRegex("plain-value_1"), "plain-value_1");
}

TEST(FitBatchesTest, PartitionsOnTheLabelThatFetchesNoSeriesBeyondThoseWanted) {
  const SeriesMap known = Estate(4, 5);
  // Every topic of group g1: by group one value fetches exactly them; by topic all 20 would come.
  const auto batches = PlanFitBatches(kJob, Where(known, "group", "g1"), known, 100);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].wanted.size(), 5u);
  EXPECT_EQ(batches[0].expected, 5u);
  ASSERT_EQ(batches[0].matchers.size(), 2u);
  EXPECT_EQ(batches[0].matchers[1],
            (remote_read::Matcher{remote_read::MatchType::kEqual, "group", "g1"}));
}

TEST(FitBatchesTest, BatchesHoldWholeValuesUpToTheBatchSize) {
  const SeriesMap known = Estate(4, 5);
  std::vector<SeriesState*> all;
  for (const auto& [k, s] : known) all.push_back(s.get());
  // Every label fetches all 20; topic has more values (5 x 4 series) than group (4 x 5).
  const auto batches = PlanFitBatches(kJob, all, known, 9);
  ASSERT_EQ(batches.size(), 3u);
  size_t wanted = 0;
  for (const auto& b : batches) {
    EXPECT_LE(b.expected, 9u);
    EXPECT_EQ(b.expected, b.wanted.size());
    EXPECT_EQ(b.matchers[1].name, "topic");
    wanted += b.wanted.size();
  }
  EXPECT_EQ(wanted, 20u);
  EXPECT_EQ(batches[0].matchers[1],
            (remote_read::Matcher{remote_read::MatchType::kRegexMatch, "topic", "t0|t1"}));
  EXPECT_EQ(batches[2].matchers[1],
            (remote_read::Matcher{remote_read::MatchType::kEqual, "topic", "t4"}));
}

TEST(FitBatchesTest, AValueLargerThanTheBatchIsABatchOfItsOwn) {
  const SeriesMap known = Estate(2, 10);
  std::vector<SeriesState*> wanted = Where(known, "group", "g0");
  const auto batches = PlanFitBatches(kJob, wanted, known, 4);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].expected, 10u);
}

TEST(FitBatchesTest, ASeriesWithoutThePartitionLabelIsMatchedByTheEmptyValue) {
  SeriesMap known = Estate(2, 1);
  auto bare = std::make_unique<SeriesState>();
  bare->input_labels = {{"__name__", "lag"}, {"topic", "t0"}};
  bare->key = "lag{topic=\"t0\"}";
  SeriesState* b = bare.get();
  known.emplace(bare->key, std::move(bare));
  SeriesState* g1 = known.at("lag{group=\"g1\",topic=\"t0\"}").get();
  const auto batches = PlanFitBatches(kJob, {b, g1}, known, 10);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].matchers[1].name, "group");
  EXPECT_EQ(batches[0].matchers[1].type, remote_read::MatchType::kRegexMatch);
  EXPECT_EQ(batches[0].matchers[1].value, "|g1");  // "" (no group label), then g1
  EXPECT_EQ(batches[0].expected, 2u);
}

TEST(FitBatchesTest, NothingWantedNoBatch) {
  const SeriesMap known = Estate(2, 2);
  EXPECT_TRUE(PlanFitBatches(kJob, {}, known, 10).empty());
}

}  // namespace
}  // namespace streamlens::engine
