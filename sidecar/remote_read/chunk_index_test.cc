#include "sidecar/remote_read/chunk_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>

#include "sidecar/remote_read/test_util.h"
#include "sidecar/remote_read/xor_chunk.h"

namespace streamlens::remote_read {
namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Adds one series whose samples are t = first, first + step, ... (n of them, value t / 10),
// cut into chunks of `per_chunk`.
void AddSeries(ChunkIndex* index, const Labels& labels, int64_t first, int64_t step, int n,
               int per_chunk) {
  ASSERT_TRUE(index->BeginSeries(labels).ok());
  for (int i = 0; i < n; i += per_chunk) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (int k = i; k < std::min(n, i + per_chunk); ++k) {
      ts.push_back(first + k * step);
      vs.push_back(static_cast<double>(first + k * step) / 10);
    }
    ASSERT_TRUE(index->AddChunk(ts.front(), ts.back(), EncodeXorChunk(ts, vs), 1).ok());
  }
}

DecodeOptions Range(int64_t start, int64_t end) {
  DecodeOptions o;
  o.start_ms = start;
  o.end_ms = end;
  return o;
}

TEST(ChunkIndexTest, JoinsSubQueriesTrimmingEachToItsOwnRange) {
  // Three sub-queries [0,999], [1000,1999], [2000,2999] answered by a server that does not trim:
  // the first and second also send the chunk that runs into the next range.
  std::vector<ChunkIndex> parts;
  parts.emplace_back(Range(0, 999));
  AddSeries(&parts.back(), {{"__name__", "m"}, {"g", "b"}}, 0, 10, 120, 60);
  AddSeries(&parts.back(), {{"__name__", "m"}, {"g", "only-first"}}, 500, 10, 10, 60);
  parts.emplace_back(Range(1000, 1999));
  AddSeries(&parts.back(), {{"g", "a"}, {"__name__", "m"}}, 1500, 10, 30, 60);
  AddSeries(&parts.back(), {{"__name__", "m"}, {"g", "b"}}, 960, 10, 120, 60);
  parts.emplace_back(Range(2000, 2999));
  AddSeries(&parts.back(), {{"__name__", "m"}, {"g", "b"}}, 2000, 10, 100, 60);
  AddSeries(&parts.back(), {{"__name__", "m"}, {"g", "gone"}}, 5000, 10, 5, 60);  // no samples
  EXPECT_EQ(parts[2].num_series(), 2u);
  EXPECT_EQ(parts[2].num_chunks(), 2u);  // the chunk past the range is not kept

  auto set = DecodeChunkIndexes(std::move(parts));
  ASSERT_TRUE(set.ok()) << set.status().message();
  ASSERT_EQ(set->size(), 3u);
  EXPECT_EQ(set->SeriesName(0), "m{g=\"a\"}");
  EXPECT_EQ(set->SeriesName(1), "m{g=\"b\"}");
  EXPECT_EQ(set->SeriesName(2), "m{g=\"only-first\"}");
  auto ts = set->timestamps(1);
  auto vs = set->values(1);
  ASSERT_EQ(ts.size(), 300u);  // 0, 10, ..., 2990 once each
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(ts[i], static_cast<int64_t>(i) * 10);
    EXPECT_EQ(vs[i], static_cast<double>(i));
  }
  EXPECT_EQ(set->timestamps(0).size(), 30u);
  EXPECT_EQ(set->timestamps(2).size(), 10u);
  EXPECT_EQ(set->num_samples(), 340u);
}

// Indexes n_series x n_samples in chunks of 120 and checks the decoded answer against the
// builder fed the same samples.
void ExpectAnswerEqualsTheBuilder(int n_series, int n_samples) {
  auto series = testing::MakeSeries(n_series, n_samples, 1'700'000'000'000, 15'000);
  std::vector<ChunkIndex> parts(1);
  SeriesSetBuilder want_builder;
  size_t n = 0;
  for (const auto& s : series) {
    Labels labels(s.labels.begin(), s.labels.end());
    ASSERT_TRUE(parts[0].BeginSeries(labels).ok());
    ASSERT_TRUE(want_builder.BeginSeries(labels).ok());
    for (size_t i = 0; i < s.ts.size(); i += 120) {
      size_t e = std::min(s.ts.size(), i + 120);
      std::span<const int64_t> ts(s.ts.data() + i, e - i);
      std::span<const double> vs(s.vs.data() + i, e - i);
      ASSERT_TRUE(parts[0].AddChunk(ts.front(), ts.back(), EncodeXorChunk(ts, vs), 1).ok());
      for (size_t k = 0; k < ts.size(); ++k) want_builder.Append(ts[k], vs[k]);
    }
    n += s.ts.size();
  }
  EXPECT_EQ(parts[0].sample_bound(), n);
  auto got = DecodeChunkIndexes(std::move(parts));
  auto want = want_builder.Finish();
  ASSERT_TRUE(got.ok() && want.ok());
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < got->size(); ++i) {
    EXPECT_EQ(got->SeriesName(i), want->SeriesName(i));
    EXPECT_TRUE(std::ranges::equal(got->timestamps(i), want->timestamps(i)));
    EXPECT_TRUE(std::ranges::equal(got->values(i), want->values(i)));
  }
  // 16 bytes per sample plus labels and offsets: the arrays were sized once, not grown.
  EXPECT_LT(got->MemoryBytes(), n * 16 + 128 * series.size() + 4096);
}

TEST(ChunkIndexTest, AnswerEqualsTheBuilderAndIsAllocatedOnce) {
  ExpectAnswerEqualsTheBuilder(20, 1000);
}

// 2.4 MB per array: another thread faults in the second halves while the decoder fills the
// first (run under ThreadSanitizer by scripts/test).
TEST(ChunkIndexTest, LargeAnswerIsTheSameWhilePagesAreFaultedInAlongside) {
  ExpectAnswerEqualsTheBuilder(150, 2000);
}

TEST(ChunkIndexTest, DropsStaleMarkersUnlessKept) {
  std::vector<int64_t> ts = {1000, 2000, 3000, 4000};
  std::vector<double> vs = {1, std::bit_cast<double>(kStaleNaNBits), 3, 4};
  for (bool keep : {false, true}) {
    DecodeOptions o;
    o.keep_stale_markers = keep;
    std::vector<ChunkIndex> parts;
    parts.emplace_back(o);
    ASSERT_TRUE(parts[0].BeginSeries(Labels{{"__name__", "up"}}).ok());
    ASSERT_TRUE(parts[0].AddChunk(1000, 4000, EncodeXorChunk(ts, vs), 1).ok());
    auto set = DecodeChunkIndexes(std::move(parts));
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->num_samples(), keep ? 4u : 3u);
  }
}

TEST(ChunkIndexTest, RejectsOverlapsNamingSeriesAndChunk) {
  {
    std::vector<ChunkIndex> parts(1);
    AddSeries(&parts[0], {{"__name__", "m"}}, 0, 10, 10, 10);
    AddSeries(&parts[0], {{"__name__", "m"}}, 90, 10, 10, 10);  // resumed, going back in time
    auto set = DecodeChunkIndexes(std::move(parts));
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.status().message().find("series {__name__=\"m\"}: chunk [90,180] overlaps the "
                                          "previous chunk (timestamp 90 after 90)"),
              std::string::npos)
        << set.status().message();
  }
  {
    std::vector<ChunkIndex> parts;
    parts.emplace_back(Range(0, 100));
    AddSeries(&parts.back(), {{"__name__", "m"}}, 0, 10, 11, 20);
    parts.emplace_back(Range(50, 200));  // a second range that overlaps the first
    AddSeries(&parts.back(), {{"__name__", "m"}}, 50, 10, 10, 20);
    auto set = DecodeChunkIndexes(std::move(parts));
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.status().message().find("samples of consecutive sub-queries overlap"),
              std::string::npos)
        << set.status().message();
  }
}

TEST(ChunkIndexTest, RejectsBadLabelsAndShortChunks) {
  ChunkIndex index;
  EXPECT_FALSE(index.BeginSeries(Labels{{"a", "1"}, {"a", "2"}}).ok());
  EXPECT_FALSE(index.BeginSeries(Labels{{"", "1"}}).ok());
  ASSERT_TRUE(index.BeginSeries(Labels{{"a", "1"}}).ok());
  Status st = index.AddChunk(0, 10, "x", 1);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("shorter than its 2-byte header"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::remote_read
