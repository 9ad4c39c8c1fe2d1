#include "sidecar/engine/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <new>
#include <stdexcept>
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

TEST(WorkerPoolTest, ParallelForReturnsThrowingIndicesAndRunsTheRest) {
  WorkerPool pool(2);
  std::vector<std::atomic<int>> hits(50);
  auto errors = pool.ParallelFor(hits.size(), [&](size_t i) {
    hits[i].fetch_add(1);
    if (i == 7) throw std::bad_alloc();
    if (i == 31) throw 42;
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].index, 7u);
  EXPECT_NE(errors[0].what.find("bad_alloc"), std::string::npos) << errors[0].what;
  EXPECT_EQ(errors[1].index, 31u);
  EXPECT_EQ(errors[1].what, "exception of unknown type");
}

TEST(WorkerPoolTest, ThrowingTaskIsCountedAndTheWorkerKeepsServing) {
  WorkerPool pool(1);
  pool.Submit([] { throw std::runtime_error("boom"); });
  std::promise<void> ran;
  pool.Submit([&] { ran.set_value(); });
  ran.get_future().wait();
  EXPECT_EQ(pool.uncaught_exceptions(), 1u);
}

TEST(WorkerPoolTest, ZeroThreadsMeansHardwareConcurrency) {
  WorkerPool pool(0);
  EXPECT_GE(pool.size(), 1u);
}

}  // namespace
}  // namespace streamlens::engine
