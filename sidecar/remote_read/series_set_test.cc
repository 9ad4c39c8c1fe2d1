#include "sidecar/remote_read/series_set.h"

#include <gtest/gtest.h>

namespace streamlens::remote_read {
namespace {

TEST(SeriesSetTest, SortsSeriesByLabelsAndInternsStrings) {
  SeriesSetBuilder b;
  ASSERT_TRUE(b.BeginSeries({{"__name__", "m"}, {"topic", "b"}}).ok());
  b.Append(1, 1.0);
  ASSERT_TRUE(b.BeginSeries({{"topic", "a"}, {"__name__", "m"}}).ok());
  b.Append(2, 2.0);
  b.Append(3, 3.0);
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->num_samples(), 3u);
  EXPECT_EQ(s->SeriesName(0), "m{topic=\"a\"}");
  EXPECT_EQ(s->SeriesName(1), "m{topic=\"b\"}");
  EXPECT_EQ(s->timestamps(0).size(), 2u);
  EXPECT_EQ(s->values(0)[1], 3.0);
  EXPECT_EQ(s->label_value(1, "topic"), "b");
  // "__name__", "m", "topic", "b", "a": five distinct strings, each stored once.
  EXPECT_EQ(s->labels(0)[0].name, s->labels(1)[0].name);
  EXPECT_EQ(s->labels(0)[0].value, s->labels(1)[0].value);
}

TEST(SeriesSetTest, MergesResumedSeriesInOrderAndDropsEmptyOnes) {
  SeriesSetBuilder b;
  ASSERT_TRUE(b.BeginSeries({{"a", "1"}}).ok());
  b.Append(1, 1);
  ASSERT_TRUE(b.BeginSeries({{"a", "2"}}).ok());  // no samples: dropped
  ASSERT_TRUE(b.BeginSeries({{"a", "1"}}).ok());
  b.Append(5, 5);
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ(std::vector<int64_t>(s->timestamps(0).begin(), s->timestamps(0).end()),
            (std::vector<int64_t>{1, 5}));
}

TEST(SeriesSetTest, RejectsOverlappingRunsAndDuplicateLabels) {
  SeriesSetBuilder b;
  ASSERT_TRUE(b.BeginSeries({{"a", "1"}}).ok());
  b.Append(10, 1);
  ASSERT_TRUE(b.BeginSeries({{"a", "1"}}).ok());
  b.Append(10, 2);
  auto s = b.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("overlap"), std::string::npos);
  SeriesSetBuilder c;
  EXPECT_FALSE(c.BeginSeries({{"a", "1"}, {"a", "2"}}).ok());
}

// Builds a set from (labels, [(t, v)...]) rows.
SeriesSet Make(
    const std::vector<std::pair<std::vector<Label>, std::vector<std::pair<int64_t, double>>>>&
        rows) {
  SeriesSetBuilder b;
  for (const auto& [labels, samples] : rows) {
    EXPECT_TRUE(b.BeginSeries(labels).ok());
    for (const auto& [t, v] : samples) b.Append(t, v);
  }
  auto s = b.Finish();
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

TEST(SeriesSetTest, ConcatenateInTimeJoinsSeriesAcrossPartsLikeTheBuilder) {
  // Three consecutive time pieces with different symbol tables: a series present in all, one
  // that starts in the second piece, one only in the first, and labels first seen late.
  std::vector<SeriesSet> parts;
  parts.push_back(Make({{{{"__name__", "m"}, {"g", "b"}}, {{1, 1}, {2, 2}}},
                        {{{"__name__", "m"}, {"g", "z"}}, {{1, 9}}}}));
  parts.push_back(Make(
      {{{{"g", "a"}, {"__name__", "m"}}, {{3, 30}}}, {{{"__name__", "m"}, {"g", "b"}}, {{3, 3}}}}));
  parts.push_back(Make({{{{"__name__", "m"}, {"g", "b"}}, {{5, 5}}},
                        {{{"__name__", "m"}, {"g", "a"}, {"x", "new"}}, {{6, 6}}}}));
  SeriesSetBuilder ref;
  for (const SeriesSet& p : parts) ASSERT_TRUE(ref.AppendSet(p).ok());
  auto want = ref.Finish();
  ASSERT_TRUE(want.ok());
  auto got = ConcatenateInTime(std::move(parts));
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), want->size());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ(got->num_samples(), 7u);
  for (size_t i = 0; i < got->size(); ++i) {
    EXPECT_EQ(got->SeriesName(i), want->SeriesName(i));
    EXPECT_EQ(std::vector<int64_t>(got->timestamps(i).begin(), got->timestamps(i).end()),
              std::vector<int64_t>(want->timestamps(i).begin(), want->timestamps(i).end()));
    EXPECT_EQ(std::vector<double>(got->values(i).begin(), got->values(i).end()),
              std::vector<double>(want->values(i).begin(), want->values(i).end()));
  }
  EXPECT_EQ(got->SeriesName(2), "m{g=\"b\"}");
  EXPECT_EQ(got->values(2).size(), 4u);
  EXPECT_EQ(got->values(2)[3], 5.0);
  EXPECT_EQ(got->label_value(1, "x"), "new");
  EXPECT_EQ(got->Find({{"g", "z"}, {"__name__", "m"}}), 3);
}

TEST(SeriesSetTest, ConcatenateInTimeRejectsOverlappingPartsNamingTheSeries) {
  std::vector<SeriesSet> parts;
  parts.push_back(Make({{{{"__name__", "m"}, {"g", "b"}}, {{1, 1}, {5, 5}}}}));
  parts.push_back(Make({{{{"__name__", "m"}, {"g", "b"}}, {{5, 6}}}}));
  auto got = ConcatenateInTime(std::move(parts));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("m{g=\"b\"}"), std::string::npos) << got.status().message();
  EXPECT_TRUE(ConcatenateInTime({}).ok());
  EXPECT_EQ(ConcatenateInTime({}).value().size(), 0u);
}

TEST(SeriesSetTest, QuotesLikeGo) {
  std::string out;
  AppendQuoted(&out, "a\"b\\c\nd\x01\xff");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\x01\\xff\"");
}

}  // namespace
}  // namespace streamlens::remote_read
