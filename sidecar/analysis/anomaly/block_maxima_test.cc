#include "sidecar/analysis/anomaly/block_maxima.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace streamlens::analysis {
namespace {

constexpr int64_t kBlock = 1000;

// decay = 1 block: weights 1, 1/e, 1/e^2 for the newest three completed blocks.
TEST(BlockMaximaTest, UsualIsExceededOncePerBlockInWeightAndIgnoresTheBlockInProgress) {
  BlockMaxima b(kBlock, 1);
  EXPECT_TRUE(std::isnan(b.Usual()));
  b.Add(0, 5);
  EXPECT_EQ(b.Usual(), 5);  // young: the block in progress counts
  b.Add(1000, 2);
  EXPECT_EQ(b.completed(), 1);
  EXPECT_EQ(b.Usual(), 5);  // block 0 alone
  b.Add(1500, 100);
  EXPECT_EQ(b.Usual(), 5);  // block 1 in progress does not count, however large it grows
  b.Add(2000, 0);
  // Blocks 1 {100, 2} (weight 1) and 0 {5} (1/e): 100 alone weighs 1 < 1 + 1/e; with 5 it is
  // reached.
  EXPECT_EQ(b.Usual(), 5);
  b.Add(3000, 0);
  // A quiet block 2 (weight 1), 1 (1/e), 0 (1/e^2): above 0 weigh only 2/e + 1/e^2 < 1 + 1/e +
  // 1/e^2, so a value exceeded once per block is 0.
  EXPECT_EQ(b.Usual(), 0);
}

TEST(BlockMaximaTest, WhileYoungTheBlockInProgressCounts) {
  BlockMaxima b(kBlock, 7);
  b.Add(0, 4);
  EXPECT_EQ(b.Usual(), 4);  // one block, in progress
  b.Add(1000, 2);
  EXPECT_EQ(b.Usual(), 2);  // two blocks {4} and {2}: the 2nd largest
  b.Add(1500, 10);
  EXPECT_EQ(b.Usual(), 4);  // {4}, {10, 2}
}

TEST(BlockMaximaTest, SavesAndLoadsExactlyAndRejectsBadState) {
  BlockMaxima b(kBlock, 4);
  for (int i = 0; i < 50; ++i) b.Add(i * 137, (i * 7919) % 101);
  std::string bytes;
  StateWriter w(&bytes);
  b.Save(w);
  BlockMaxima c(kBlock, 4);
  StateReader r(bytes);
  ASSERT_TRUE(c.Load(r));
  EXPECT_EQ(c.Usual(), b.Usual());
  EXPECT_EQ(c.completed(), b.completed());
  b.Add(50 * 137, 1000);
  c.Add(50 * 137, 1000);
  EXPECT_EQ(c.Usual(), b.Usual());
  // A state of another block count, or truncated, is refused.
  BlockMaxima d(kBlock, 5);
  StateReader r2(bytes);
  EXPECT_FALSE(d.Load(r2));
  BlockMaxima e(kBlock, 4);
  StateReader r3(std::string_view(bytes).substr(0, bytes.size() - 3));
  EXPECT_FALSE(e.Load(r3));
}

}  // namespace
}  // namespace streamlens::analysis
