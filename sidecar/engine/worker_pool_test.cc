#include "sidecar/engine/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

namespace streamlens::engine {
namespace {

TEST(WorkerPoolTest, ParallelForVisitsEveryIndexOnce) {
  WorkerPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(WorkerPoolTest, NestedParallelForInsideEveryWorkerDoesNotDeadlock) {
  WorkerPool pool(2);
  std::atomic<int> sum{0};
  std::vector<std::promise<void>> done(4);
  for (int t = 0; t < 4; ++t) {
    pool.Submit([&, t] {
      pool.ParallelFor(100, [&](size_t i) { sum.fetch_add(static_cast<int>(i)); });
      done[t].set_value();
    });
  }
  for (auto& d : done) d.get_future().wait();
  EXPECT_EQ(sum.load(), 4 * 4950);
}

TEST(WorkerPoolTest, ZeroThreadsMeansHardwareConcurrency) {
  WorkerPool pool(0);
  EXPECT_GE(pool.size(), 1u);
}

}  // namespace
}  // namespace streamlens::engine
