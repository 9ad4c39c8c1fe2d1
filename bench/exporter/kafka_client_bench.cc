// Google Benchmark of the librdkafka calls one collection is made of, against an in-process mock
// cluster (3 brokers, 100 topics x 100 partitions): metadata, watermarks batched per leader, and
// committed offsets with explicit partition lists of different sizes.
#include <benchmark/benchmark.h>

#include <sstream>

#include "exporter/kafka/kafka_client.h"
#include "exporter/kafka/kafka_options.h"
#include "exporter/loadgen/kafka_driver.h"
#include "exporter/loadgen/mock_cluster.h"

namespace streamlens::exporter {
namespace {

struct Env {
  std::unique_ptr<loadgen::MockCluster> mock;
  std::unique_ptr<kafka::KafkaClient> client;
  kafka::ClusterMetadata md;
  std::vector<kafka::TopicPartitions> all;
  std::ostringstream log;
  Env() {
    mock = loadgen::MockCluster::Start(3).value();
    for (int t = 0; t < 100; ++t) (void)mock->CreateTopic("topic-" + std::to_string(t), 100, 3);
    auto committer = loadgen::OffsetCommitter::Create(mock->bootstrap(), "group-0").value();
    std::vector<loadgen::OffsetToCommit> offs;
    for (int p = 0; p < 100; ++p) offs.push_back({"topic-0", p, 0});
    (void)committer->Commit(offs);
    kafka::KafkaOptions o;
    o.servers = {mock->bootstrap()};
    client = kafka::KafkaClient::Create(kafka::ToRdkafkaConfig(o).value(),
                                        Logger(&log, LogLevel::kError, LogFormat::kLogfmt))
                 .value();
    md = client->FetchMetadata(std::chrono::seconds(10)).value();
    for (const auto& t : md.topics) {
      kafka::TopicPartitions tp{t.name, {}};
      for (const auto& p : t.partitions) tp.partitions.push_back(p.id);
      all.push_back(tp);
    }
  }
};

Env& GetEnv() {
  static Env* env = new Env();
  return *env;
}

void BM_Metadata10kPartitions(benchmark::State& state) {
  Env& e = GetEnv();
  for (auto _ : state) {
    auto md = e.client->FetchMetadata(std::chrono::seconds(10));
    benchmark::DoNotOptimize(md);
  }
}
BENCHMARK(BM_Metadata10kPartitions)->Unit(benchmark::kMillisecond)->UseRealTime();

// Watermarks of all 10,000 partitions, requests cut at range(0) partitions.
void BM_Watermarks10kPartitions(benchmark::State& state) {
  Env& e = GetEnv();
  e.client->set_watermark_chunk(static_cast<size_t>(state.range(0)));
  std::vector<std::vector<kafka::Watermarks>> out;
  for (auto _ : state) {
    size_t failed = e.client->FetchWatermarks(e.md, e.all, std::chrono::seconds(10), &out);
    if (failed) state.SkipWithError("unreadable partitions");
  }
}
BENCHMARK(BM_Watermarks10kPartitions)
    ->Arg(100000)
    ->Arg(1000)
    ->Arg(500)
    ->Arg(200)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One group, an explicit list of `range(0)` partitions (whole topics), requests cut at
// range(1) partitions.
void BM_GroupOffsetsExplicit(benchmark::State& state) {
  Env& e = GetEnv();
  e.client->set_offsets_chunk(static_cast<size_t>(state.range(1)));
  const size_t topics = static_cast<size_t>(state.range(0)) / 100;
  std::vector<std::optional<std::vector<kafka::TopicPartitions>>> req = {
      std::vector<kafka::TopicPartitions>(e.all.begin(), e.all.begin() + topics)};
  for (auto _ : state) {
    auto r = e.client->ListGroupOffsets({"group-0"}, req, std::chrono::seconds(30));
    if (!r[0].status.ok()) state.SkipWithError(r[0].status.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GroupOffsetsExplicit)
    ->Args({100, 100000})
    ->Args({4000, 100000})
    ->Args({10000, 500})
    ->Args({10000, 250})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A first collection against the mock: `range(0)` groups each scanned over all 10,000
// partitions (the mock cannot answer "all partitions"), requests cut at range(1) partitions.
void BM_FullScanGroups(benchmark::State& state) {
  Env& e = GetEnv();
  e.client->set_offsets_chunk(static_cast<size_t>(state.range(1)));
  std::vector<std::string> groups;
  for (int g = 0; g < state.range(0); ++g) groups.push_back("group-" + std::to_string(g));
  std::vector<std::optional<std::vector<kafka::TopicPartitions>>> req(groups.size(), e.all);
  for (auto _ : state) {
    auto r = e.client->ListGroupOffsets(groups, req, std::chrono::seconds(30));
    if (!r[0].status.ok()) state.SkipWithError(r[0].status.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 10000);
}
BENCHMARK(BM_FullScanGroups)
    ->Args({20, 500})
    ->Args({20, 200})
    ->Args({20, 100})
    ->Args({20, 50})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace streamlens::exporter

BENCHMARK_MAIN();
