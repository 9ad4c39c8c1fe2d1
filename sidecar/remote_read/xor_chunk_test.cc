#include "sidecar/remote_read/xor_chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

namespace streamlens::remote_read {
namespace {

void ExpectRoundTrip(const std::vector<int64_t>& ts, const std::vector<double>& vs) {
  std::string chunk = EncodeXorChunk(ts, vs);
  std::vector<int64_t> got_t(ts.size());
  std::vector<double> got_v(vs.size());
  auto n = DecodeXorChunkInto(chunk, got_t.data(), got_v.data(), got_t.size());
  ASSERT_TRUE(n.ok()) << n.status().message();
  ASSERT_EQ(*n, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(got_t[i], ts[i]) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(got_v[i]), std::bit_cast<uint64_t>(vs[i])) << i;
  }
}

TEST(XorChunkTest, KnownBytesFromPrometheusLayout) {
  // Two samples: t=1000 (zigzag varint 2000 = d0 0f), v=1.0; t=1060 (delta 60), v=1.0 -> bit 0.
  std::string chunk = EncodeXorChunk(std::vector<int64_t>{1000, 1060}, std::vector<double>{1, 1});
  std::string want("\x00\x02\xd0\x0f\x3f\xf0\x00\x00\x00\x00\x00\x00\x3c\x00", 14);
  EXPECT_EQ(chunk, want);
}

TEST(XorChunkTest, RoundTripsEveryDodBucketAndValueShape) {
  std::vector<int64_t> ts = {
      -5000,   0,         60'000,     120'000,    180'001,       240'000,      260'000,
      900'000, 1'000'000, 10'000'000, 10'000'001, 5'000'000'000, 5'000'060'000};
  std::vector<double> vs = {0.0,
                            -0.0,
                            1.5,
                            1.5,
                            1e300,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::bit_cast<double>(kStaleNaNBits),
                            3.0,
                            3.0000001,
                            -std::numeric_limits<double>::infinity(),
                            42,
                            42,
                            1e-300};
  ExpectRoundTrip(ts, vs);
}

TEST(XorChunkTest, RoundTripsRandomSeries) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    size_t n = 1 + rng() % 300;
    std::vector<int64_t> ts(n);
    std::vector<double> vs(n);
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000ull);
    for (size_t i = 0; i < n; ++i) {
      int kind = rng() % 10;
      t += kind < 6 ? 15'000 : kind < 8 ? 1 + rng() % 20'000 : 1 + rng() % 100'000'000;
      ts[i] = t;
      int vk = rng() % 4;
      vs[i] = vk == 0   ? (i ? vs[i - 1] : 0.0)
              : vk == 1 ? static_cast<double>(rng() % 1000)
              : vk == 2 ? std::bit_cast<double>(rng())
                        : (i ? vs[i - 1] : 0.0) + 0.25;
    }
    ExpectRoundTrip(ts, vs);
  }
}

TEST(XorChunkTest, AppendTrimsToRangeAndDropsStaleMarkers) {
  std::vector<int64_t> ts = {100, 200, 300, 400, 500};
  std::vector<double> vs = {1, 2, std::bit_cast<double>(kStaleNaNBits), 4, 5};
  std::string chunk = EncodeXorChunk(ts, vs);
  std::vector<int64_t> t = {7};
  std::vector<double> v = {7.0};
  auto n = AppendXorChunk(chunk, 200, 400, false, &t, &v);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(t, (std::vector<int64_t>{7, 200, 400}));
  EXPECT_EQ(v, (std::vector<double>{7, 2, 4}));
  n = AppendXorChunk(chunk, 0, 1000, true, &t, &v);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(t.size(), 8u);
}

TEST(XorChunkTest, RejectsTruncatedChunkNamingTheSample) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 120; ++i) {
    ts.push_back(1'700'000'000'000 + i * 15'000);
    vs.push_back(i * 1.37);
  }
  std::string chunk = EncodeXorChunk(ts, vs);
  std::vector<int64_t> t(120);
  std::vector<double> v(120);
  for (size_t cut = 2; cut < chunk.size(); cut += 7) {
    auto n = DecodeXorChunkInto(chunk.substr(0, cut), t.data(), v.data(), 120);
    ASSERT_FALSE(n.ok()) << "cut " << cut;
    EXPECT_NE(n.status().message().find("120"), std::string::npos) << n.status().message();
  }
}

TEST(XorChunkTest, RejectsSampleCountThatLies) {
  std::vector<int64_t> ts = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000};
  std::vector<double> vs = {1, 2, 3, 4, 5, 6, 7, 8};
  std::string chunk = EncodeXorChunk(ts, vs);
  std::vector<int64_t> t(70000);
  std::vector<double> v(70000);
  std::string fewer = chunk;
  fewer[1] = 3;  // claims 3 of 8 samples: whole bytes would remain
  auto n = DecodeXorChunkInto(fewer, t.data(), v.data(), t.size());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("sample count wrong"), std::string::npos)
      << n.status().message();
  std::string more = chunk;
  more[0] = '\x01';  // claims 264 samples
  n = DecodeXorChunkInto(more, t.data(), v.data(), t.size());
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("264"), std::string::npos) << n.status().message();
}

TEST(XorChunkTest, RejectsTimestampsGoingBackwards) {
  // A dod that makes the delta negative: encode increasing, then flip the delta sign by hand.
  std::vector<int64_t> ts = {1000, 1001};
  std::string chunk = EncodeXorChunk(ts, std::vector<double>{1, 1});
  chunk[12] = 0;  // delta varint 1 -> 0: second sample at the same time
  std::vector<int64_t> t(2);
  std::vector<double> v(2);
  auto n = DecodeXorChunkInto(chunk, t.data(), v.data(), 2);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("does not increase"), std::string::npos)
      << n.status().message();
}

TEST(XorChunkTest, RejectsTimestampWrappingPastInt64Max) {
  // Found by fuzz_xor_chunk: positive deltas whose sum overflows int64 (kept in
  // fuzz/regressions/xor_chunk/crash-timestamp-wraps-past-int64-max).
  const std::string chunk(
      "\x00\x05\x09\x3f\xe0\x00\x00\x00\x00\x7f\xfe\xbf\xa0\xe2\xbc\x7e\x43\xc8\x3d"
      "\x80\x07\x59\xf8\xe9\x2a\x00\x00\x00\x00",
      29);
  std::vector<int64_t> t(5);
  std::vector<double> v(5);
  auto n = DecodeXorChunkInto(chunk, t.data(), v.data(), 5);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("sample 5 of 5: timestamp does not increase"),
            std::string::npos)
      << n.status().message();
}

TEST(XorChunkTest, RejectsTooShortHeader) {
  std::vector<int64_t> t(1);
  std::vector<double> v(1);
  EXPECT_FALSE(DecodeXorChunkInto(std::string_view("\x00", 1), t.data(), v.data(), 1).ok());
  auto n = DecodeXorChunkInto(std::string_view("\x00\x00", 2), t.data(), v.data(), 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

}  // namespace
}  // namespace streamlens::remote_read
