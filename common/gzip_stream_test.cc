#include "common/gzip_stream.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "common/gunzip_for_test.h"

namespace streamlens {
namespace {

std::string Join(const std::vector<std::shared_ptr<const std::string>>& pieces) {
  std::string s;
  for (const auto& p : pieces) s += *p;
  return s;
}

std::string ExpositionLike(size_t lines, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (size_t i = 0; i < lines; ++i) {
    s += "kafka_consumergroup_lag{consumergroup=\"g" + std::to_string(rng() % 100) +
         "\",partition=\"" + std::to_string(i % 100) + "\",topic=\"topic-" +
         std::to_string(rng() % 100) + "\"} " + std::to_string(rng()) + "\n";
  }
  return s;
}

TEST(GzipStreamTest, AssembledStreamDecompressesToTheConcatenation) {
  const std::string a = ExpositionLike(8000, 1);  // ~0.5 MB: several deflate blocks
  const std::string b = ExpositionLike(3, 2);
  const std::string tail = "# HELP up Up.\n# TYPE up gauge\nup 1\n";
  for (int level : {1, 6}) {
    const DeflateSegment sa = DeflateSegmentOf(a, level);
    const DeflateSegment sb = DeflateSegmentOf(b, level);
    ASSERT_NE(sa.bytes, nullptr);
    EXPECT_EQ(sa.length, a.size());
    EXPECT_EQ(sa.crc32, crc32(0, reinterpret_cast<const Bytef*>(a.data()), a.size()));
    EXPECT_LT(sa.bytes->size(), a.size() / 4) << "level " << level;
    const auto pieces = AssembleGzip({&sa, &sb}, tail, level);
    ASSERT_EQ(pieces.size(), 4u);
    EXPECT_EQ(pieces[1].get(), sa.bytes.get()) << "segments are shared, not copied";
    EXPECT_EQ(Gunzip(Join(pieces)), a + b + tail) << "level " << level;
    // Order is free: segments never refer back across their start.
    EXPECT_EQ(Gunzip(Join(AssembleGzip({&sb, &sa}, tail, level))), b + a + tail);
  }
}

TEST(GzipStreamTest, EmptySegmentsAndEmptyTail) {
  const DeflateSegment empty = DeflateSegmentOf("", 1);
  const DeflateSegment one = DeflateSegmentOf("x 1\n", 1);
  EXPECT_EQ(Gunzip(Join(AssembleGzip({&empty, &one, nullptr}, "", 1))), "x 1\n");
  EXPECT_EQ(Gunzip(Join(AssembleGzip({}, "", 1))), "");
  EXPECT_EQ(Gunzip(Join(AssembleGzip({}, "only tail\n", 1))), "only tail\n");
}

TEST(GzipStreamTest, SameSegmentServedTwiceInOneStream) {
  const std::string text = ExpositionLike(500, 3);
  const DeflateSegment s = DeflateSegmentOf(text, 1);
  EXPECT_EQ(Gunzip(Join(AssembleGzip({&s, &s}, "t\n", 1))), text + text + "t\n");
}

TEST(GzipStreamTest, SegmentWithoutBytesYieldsNoBody) {
  DeflateSegment broken;
  broken.length = 5;  // text but no compressed bytes (zlib allocation failure)
  EXPECT_TRUE(AssembleGzip({&broken}, "t\n", 1).empty());
}

}  // namespace
}  // namespace streamlens
