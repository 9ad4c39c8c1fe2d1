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

TEST(SeriesSetTest, QuotesLikeGo) {
  std::string out;
  AppendQuoted(&out, "a\"b\\c\nd\x01\xff");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\x01\\xff\"");
}

}  // namespace
}  // namespace streamlens::remote_read
