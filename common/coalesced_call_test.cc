#include "common/coalesced_call.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace streamlens {
namespace {

TEST(CoalescedCallTest, ConcurrentCallersShareAtMostTwoRuns) {
  std::atomic<int> running{0}, max_running{0};
  CoalescedCall call([&] {
    int now = ++running;
    max_running = std::max(max_running.load(), now);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    --running;
    return Status::Ok();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { EXPECT_TRUE(call.Run().ok()); });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(call.runs(), 1u);
  EXPECT_LE(call.runs(), 2u);
  EXPECT_EQ(max_running.load(), 1);
  // A later call runs again: it must see inputs changed after the earlier runs.
  const uint64_t before = call.runs();
  EXPECT_TRUE(call.Run().ok());
  EXPECT_EQ(call.runs(), before + 1);
}

TEST(CoalescedCallTest, ReturnsTheErrorOfTheSharedRun) {
  int n = 0;
  CoalescedCall call([&] { return ++n == 1 ? Status::Error("bad key") : Status::Ok(); });
  EXPECT_EQ(call.Run().message(), "bad key");
  EXPECT_TRUE(call.Run().ok());
}

}  // namespace
}  // namespace streamlens
