// Decoding throughput on one core: XOR chunks alone, the whole streamed-reply path (frames,
// CRC32C, protobuf, chunks), SAMPLES replies (snappy + protobuf; hand-written decoder vs the
// generated protobuf parser), both paths on many short labelled series (label interning), and
// query API JSON.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "sidecar/remote_read/query_json.h"
#include "sidecar/remote_read/test_util.h"
#include "sidecar/remote_read/wire_decoder.h"
#include "sidecar/remote_read/xor_chunk.h"

namespace rr = streamlens::remote_read;

namespace {

// Realistic scraped data: 15 s interval with occasional jitter, values of a given shape.
enum Shape { kConstant, kCounter, kGaugeInt, kGaugeFloat, kMixed };

rr::testing::TestSeries MakeSeries(Shape shape, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  rr::testing::TestSeries s;
  s.labels = {{"__name__", "m"}, {"s", std::to_string(seed)}};
  int64_t t = 1'700'000'000'000;
  double v = 100;
  for (size_t i = 0; i < n; ++i) {
    t += 15'000 + (rng() % 20 == 0 ? static_cast<int64_t>(rng() % 7) - 3 : 0);
    Shape sh = shape == kMixed ? static_cast<Shape>(rng() % 4) : shape;
    switch (sh) {
      case kConstant:
        break;
      case kCounter:
        v += static_cast<double>(rng() % 1000);
        break;
      case kGaugeInt:
        v = static_cast<double>(static_cast<int64_t>(v) + static_cast<int64_t>(rng() % 21) - 10);
        break;
      default:
        v = 50.0 + static_cast<double>(rng() % 1'000'000) / 997.0;
        break;
    }
    s.ts.push_back(t);
    s.vs.push_back(v);
  }
  return s;
}

void BM_XorDecode(benchmark::State& state) {
  auto shape = static_cast<Shape>(state.range(0));
  // 1000 chunks of 120 samples (Prometheus' target chunk size).
  std::vector<std::string> chunks;
  for (int c = 0; c < 1000; ++c) {
    auto s = MakeSeries(shape, 120, c + 1);
    chunks.push_back(rr::EncodeXorChunk(s.ts, s.vs));
  }
  size_t bytes = 0;
  for (const auto& c : chunks) bytes += c.size();
  std::vector<int64_t> ts(120);
  std::vector<double> vs(120);
  for (auto _ : state) {
    for (const auto& c : chunks) {
      auto n = rr::DecodeXorChunkInto(c, ts.data(), vs.data(), 120);
      benchmark::DoNotOptimize(n);
      benchmark::DoNotOptimize(vs.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * 120'000);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["bits_per_sample"] = bytes * 8.0 / 120'000;
}
BENCHMARK(BM_XorDecode)
    ->Arg(kConstant)
    ->Arg(kCounter)
    ->Arg(kGaugeInt)
    ->Arg(kGaugeFloat)
    ->Arg(kMixed)
    ->ArgName("shape");

std::vector<rr::testing::TestSeries> ManySeries(size_t n_series, size_t n_samples) {
  std::vector<rr::testing::TestSeries> out;
  for (size_t i = 0; i < n_series; ++i) out.push_back(MakeSeries(kMixed, n_samples, i + 1));
  return out;
}

// Each iteration feeds a streamed reply in 16 KiB reads and decodes its index into a SeriesSet.
void DecodeStreamedReply(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    rr::ChunkIndex index;
    rr::StreamedReadDecoder d(1 << 24, &index);
    for (size_t off = 0; off < body.size(); off += 16384) {
      if (!d.Feed(std::string_view(body).substr(off, 16384)).ok()) state.SkipWithError("feed");
    }
    if (!d.Finish().ok()) state.SkipWithError("finish");
    std::vector<rr::ChunkIndex> parts;
    parts.push_back(std::move(index));
    auto set = rr::DecodeChunkIndexes(std::move(parts));
    benchmark::DoNotOptimize(set);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}

// Each iteration decodes a snappy-compressed SAMPLES reply into a SeriesSet.
void DecodeSamplesReply(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    auto raw = rr::SnappyDecode(body, size_t{1} << 30);
    rr::SeriesSetBuilder b;
    if (!rr::DecodeReadResponse(*raw, rr::DecodeOptions{}, &b).ok()) state.SkipWithError("decode");
    auto set = b.Finish();
    benchmark::DoNotOptimize(set);
  }
}

void BM_StreamedReply(benchmark::State& state) {
  auto series = ManySeries(200, 2880);  // 200 series x 12 h at 15 s
  DecodeStreamedReply(state, rr::testing::StreamedBody(series, 120));
  state.SetItemsProcessed(state.iterations() * 200 * 2880);
}
BENCHMARK(BM_StreamedReply)->Unit(benchmark::kMillisecond);

void BM_SamplesReplyHandWritten(benchmark::State& state) {
  auto series = ManySeries(200, 2880);
  DecodeSamplesReply(state, rr::SnappyEncode(rr::testing::SamplesMessage(series)));
  state.SetItemsProcessed(state.iterations() * 200 * 2880);
}
BENCHMARK(BM_SamplesReplyHandWritten)->Unit(benchmark::kMillisecond);

// Many short series with Kafka exporter labels (20,000 series x 120 samples, 7 labels each):
// label checking and interning and the per-series bookkeeping weigh here, not sample decoding.
std::vector<rr::testing::TestSeries> ManyLabelledSeries() {
  std::vector<rr::testing::TestSeries> out;
  for (size_t i = 0; i < 20'000; ++i) {
    auto s = MakeSeries(kMixed, 120, i + 1);
    s.labels = {{"__name__", "kafka_consumergroup_lag"},
                {"cluster", "prod-" + std::to_string(i % 3)},
                {"consumergroup", "group-" + std::to_string(i / 50)},
                {"instance", "kafka-exporter:9308"},
                {"job", "kafka"},
                {"partition", std::to_string(i % 50)},
                {"topic", "topic-" + std::to_string(i / 200)}};
    out.push_back(std::move(s));
  }
  return out;
}

void BM_StreamedReplyManySeries(benchmark::State& state) {
  DecodeStreamedReply(state, rr::testing::StreamedBody(ManyLabelledSeries(), 120));
  state.SetItemsProcessed(state.iterations() * 20'000);
  state.SetLabel("items = series");
}
BENCHMARK(BM_StreamedReplyManySeries)->Unit(benchmark::kMillisecond);

void BM_SamplesReplyManySeries(benchmark::State& state) {
  DecodeSamplesReply(state, rr::SnappyEncode(rr::testing::SamplesMessage(ManyLabelledSeries())));
  state.SetItemsProcessed(state.iterations() * 20'000);
  state.SetLabel("items = series");
}
BENCHMARK(BM_SamplesReplyManySeries)->Unit(benchmark::kMillisecond);

// The generated protobuf parser, plus copying into the same columnar form, for comparison.
void BM_SamplesReplyGeneratedProtobuf(benchmark::State& state) {
  auto series = ManySeries(200, 2880);
  std::string body = rr::SnappyEncode(rr::testing::SamplesMessage(series));
  for (auto _ : state) {
    auto raw = rr::SnappyDecode(body, size_t{1} << 30);
    prometheus::ReadResponse resp;
    if (!resp.ParseFromString(*raw)) state.SkipWithError("parse");
    rr::SeriesSetBuilder b;
    for (const auto& ts : resp.results(0).timeseries()) {
      std::vector<rr::Label> labels;
      for (const auto& l : ts.labels()) labels.push_back({l.name(), l.value()});
      if (!b.BeginSeries(labels).ok()) state.SkipWithError("labels");
      for (const auto& s : ts.samples()) b.Append(s.timestamp(), s.value());
    }
    auto set = b.Finish();
    benchmark::DoNotOptimize(set);
  }
  state.SetItemsProcessed(state.iterations() * 200 * 2880);
}
BENCHMARK(BM_SamplesReplyGeneratedProtobuf)->Unit(benchmark::kMillisecond);

void BM_QueryJson(benchmark::State& state) {
  auto series = ManySeries(200, 2880);
  std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[)";
  char buf[64];
  for (size_t i = 0; i < series.size(); ++i) {
    if (i) body += ",";
    body += R"({"metric":{"__name__":"m","s":")" + series[i].labels[1].second + R"("},"values":[)";
    for (size_t k = 0; k < series[i].ts.size(); ++k) {
      std::snprintf(buf, sizeof(buf), "%s[%lld.%03lld,\"%.17g\"]", k ? "," : "",
                    static_cast<long long>(series[i].ts[k] / 1000),
                    static_cast<long long>(series[i].ts[k] % 1000), series[i].vs[k]);
      body += buf;
    }
    body += "]}";
  }
  body += "]}}";
  for (auto _ : state) {
    rr::SeriesSetBuilder b;
    if (!rr::DecodeQueryJson(body, INT64_MIN, INT64_MAX, &b).ok()) state.SkipWithError("json");
    auto set = b.Finish();
    benchmark::DoNotOptimize(set);
  }
  state.SetItemsProcessed(state.iterations() * 200 * 2880);
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_QueryJson)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
