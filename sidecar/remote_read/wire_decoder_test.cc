#include "sidecar/remote_read/wire_decoder.h"

#include <gtest/gtest.h>

#include <random>

#include "sidecar/remote_read/test_util.h"

namespace streamlens::remote_read {
namespace {

using testing::MakeSeries;
using testing::TestSeries;

Result<SeriesSet> DecodeOne(ChunkIndex index) {
  std::vector<ChunkIndex> parts;
  parts.push_back(std::move(index));
  return DecodeChunkIndexes(std::move(parts));
}

void ExpectEqualSets(const SeriesSet& got, const std::vector<TestSeries>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    std::vector<Label> labels;
    for (const auto& [n, v] : want[i].labels) labels.push_back({n, v});
    ptrdiff_t k = got.Find(labels);
    ASSERT_GE(k, 0) << i;
    auto ts = got.timestamps(k);
    auto vs = got.values(k);
    ASSERT_EQ(ts.size(), want[i].ts.size());
    for (size_t j = 0; j < ts.size(); ++j) {
      EXPECT_EQ(ts[j], want[i].ts[j]);
      EXPECT_EQ(vs[j], want[i].vs[j]);
    }
  }
}

TEST(StreamedReadDecoderTest, DecodesFramesFedInAnySplit) {
  auto series = MakeSeries(5, 500, 1'700'000'000'000, 15'000);
  std::string body = testing::StreamedBody(series, 120);
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    ChunkIndex b;
    StreamedReadDecoder d(1 << 20, &b);
    size_t pos = 0;
    while (pos < body.size()) {
      size_t n = std::min<size_t>(body.size() - pos, 1 + rng() % (trial < 10 ? 7 : 5000));
      ASSERT_TRUE(d.Feed(std::string_view(body).substr(pos, n)).ok());
      pos += n;
    }
    ASSERT_TRUE(d.Finish().ok());
    EXPECT_EQ(d.frames(), 5u);
    EXPECT_EQ(d.chunks(), 25u);
    auto set = DecodeOne(std::move(b));
    ASSERT_TRUE(set.ok());
    ExpectEqualSets(*set, series);
  }
}

TEST(StreamedReadDecoderTest, SeriesSpanningFramesIsJoinedAndTrimmed) {
  auto series = MakeSeries(1, 300, 0, 1000);
  // Split the one series across two frames: chunks 0-1 then chunk 2.
  prometheus::ChunkedReadResponse a, b;
  testing::TestSeries first = series[0], second = series[0];
  first.ts.resize(240);
  first.vs.resize(240);
  second.ts.erase(second.ts.begin(), second.ts.begin() + 240);
  second.vs.erase(second.vs.begin(), second.vs.begin() + 240);
  testing::AddChunkedSeries(first, 120, a.add_chunked_series());
  testing::AddChunkedSeries(second, 120, b.add_chunked_series());
  std::string body = testing::Frame(a.SerializeAsString()) + testing::Frame(b.SerializeAsString());
  DecodeOptions opt;
  opt.start_ms = 50'000;
  opt.end_ms = 250'500;
  ChunkIndex index(opt);
  StreamedReadDecoder d(1 << 20, &index);
  ASSERT_TRUE(d.Feed(body).ok());
  ASSERT_TRUE(d.Finish().ok());
  auto set = DecodeOne(std::move(index));
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->size(), 1u);
  auto ts = set->timestamps(0);
  ASSERT_EQ(ts.size(), 201u);
  EXPECT_EQ(ts.front(), 50'000);
  EXPECT_EQ(ts.back(), 250'000);
  for (size_t i = 1; i < ts.size(); ++i) EXPECT_EQ(ts[i] - ts[i - 1], 1000);
}

TEST(StreamedReadDecoderTest, RejectsWrongCrcNamingTheFrame) {
  std::string body = testing::StreamedBody(MakeSeries(3, 10, 0, 1000), 120);
  body[body.size() - 3] ^= 0x40;  // corrupt the last frame's payload
  ChunkIndex b;
  StreamedReadDecoder d(1 << 20, &b);
  Status st = d.Feed(body);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("frame 3: CRC32C mismatch"), std::string::npos) << st.message();
  EXPECT_FALSE(d.Feed("x").ok());  // stays failed
}

TEST(StreamedReadDecoderTest, RejectsOversizedAndTruncatedFrames) {
  std::string body = testing::StreamedBody(MakeSeries(1, 200, 0, 1000), 120);
  {
    ChunkIndex b;
    StreamedReadDecoder d(64, &b);
    Status st = d.Feed(body);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("above the limit of 64"), std::string::npos) << st.message();
  }
  {
    ChunkIndex b;
    StreamedReadDecoder d(1 << 20, &b);
    ASSERT_TRUE(d.Feed(body.substr(0, body.size() - 1)).ok());
    Status st = d.Finish();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("ends inside frame 1"), std::string::npos) << st.message();
  }
}

TEST(StreamedReadDecoderTest, RejectsUnknownEncodingAndLyingChunkNamingTheSeries) {
  auto series = MakeSeries(1, 10, 0, 1000);
  prometheus::ChunkedReadResponse r;
  testing::AddChunkedSeries(series[0], 120, r.add_chunked_series());
  r.mutable_chunked_series(0)->mutable_chunks(0)->set_type(prometheus::Chunk::HISTOGRAM);
  ChunkIndex b;
  StreamedReadDecoder d(1 << 20, &b);
  Status st = d.Feed(testing::Frame(r.SerializeAsString()));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("idx=\"1000\""), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("encoding 2"), std::string::npos) << st.message();

  r.mutable_chunked_series(0)->mutable_chunks(0)->set_type(prometheus::Chunk::XOR);
  std::string* data = r.mutable_chunked_series(0)->mutable_chunks(0)->mutable_data();
  (*data)[1] = 40;  // claims 40 samples, holds 10: found when the samples are decoded
  ChunkIndex b2;
  StreamedReadDecoder d2(1 << 20, &b2);
  ASSERT_TRUE(d2.Feed(testing::Frame(r.SerializeAsString())).ok());
  ASSERT_TRUE(d2.Finish().ok());
  auto set = DecodeOne(std::move(b2));
  ASSERT_FALSE(set.ok());
  EXPECT_NE(
      set.status().message().find("frame 1: series {__name__=\"m\",idx=\"1000\"}: chunk [0,9000]"),
      std::string::npos)
      << set.status().message();
}

TEST(StreamedReadDecoderTest, RejectsChunkClaimingOneSampleTooFew) {
  auto series = MakeSeries(1, 10, 0, 1000);
  prometheus::ChunkedReadResponse r;
  testing::AddChunkedSeries(series[0], 120, r.add_chunked_series());
  (*r.mutable_chunked_series(0)->mutable_chunks(0)->mutable_data())[1] = 9;
  ChunkIndex b;
  StreamedReadDecoder d(1 << 20, &b);
  ASSERT_TRUE(d.Feed(testing::Frame(r.SerializeAsString())).ok());
  auto set = DecodeOne(std::move(b));
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("sample count wrong?"), std::string::npos)
      << set.status().message();
}

TEST(StreamedReadDecoderTest, RejectsGarbageProtobuf) {
  std::string garbage = "\x0a\xff\xff\x03zzzz";
  ChunkIndex b;
  StreamedReadDecoder d(1 << 20, &b);
  Status st = d.Feed(testing::Frame(garbage));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("malformed protobuf"), std::string::npos) << st.message();
}

TEST(ReadResponseTest, DecodesSamplesAndDropsStaleMarkers) {
  auto series = MakeSeries(3, 50, 1000, 1000);
  series[1].vs[10] = std::bit_cast<double>(kStaleNaNBits);
  SeriesSetBuilder b;
  ASSERT_TRUE(DecodeReadResponse(testing::SamplesMessage(series), DecodeOptions{}, &b).ok());
  auto set = b.Finish();
  ASSERT_TRUE(set.ok());
  series[1].ts.erase(series[1].ts.begin() + 10);
  series[1].vs.erase(series[1].vs.begin() + 10);
  ExpectEqualSets(*set, series);
}

TEST(ReadResponseTest, RejectsTruncatedMessage) {
  std::string msg = testing::SamplesMessage(MakeSeries(2, 20, 0, 1000));
  SeriesSetBuilder b;
  Status st = DecodeReadResponse(msg.substr(0, msg.size() - 5), DecodeOptions{}, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("malformed protobuf"), std::string::npos) << st.message();
}

TEST(SnappyTest, RoundTripsAndRejectsMalformedOrOversized) {
  std::string raw(100000, 'a');
  std::string c = SnappyEncode(raw);
  auto d = SnappyDecode(c, 1 << 20);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, raw);
  auto big = SnappyDecode(c, 1000);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("above the limit"), std::string::npos);
  auto bad = SnappyDecode(c.substr(0, c.size() / 2), 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("malformed snappy"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::remote_read
