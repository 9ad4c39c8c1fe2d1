// Test helpers: build remote-read replies with the generated protobuf code, the way Prometheus
// does, so the hand-written decoders are checked against an independent encoder.
#pragma once

#include <string>
#include <vector>

#include "sidecar/remote_read/crc32c.h"
#include "sidecar/remote_read/remote_read.pb.h"
#include "sidecar/remote_read/xor_chunk.h"

namespace streamlens::remote_read::testing {

struct TestSeries {
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<int64_t> ts;
  std::vector<double> vs;
};

// Adds `s` to `series` as XOR chunks of at most `per_chunk` samples.
inline void AddChunkedSeries(const TestSeries& s, size_t per_chunk,
                             prometheus::ChunkedSeries* series) {
  for (const auto& [n, v] : s.labels) {
    auto* l = series->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (size_t i = 0; i < s.ts.size(); i += per_chunk) {
    size_t e = std::min(s.ts.size(), i + per_chunk);
    auto* c = series->add_chunks();
    c->set_min_time_ms(s.ts[i]);
    c->set_max_time_ms(s.ts[e - 1]);
    c->set_type(prometheus::Chunk::XOR);
    c->set_data(
        EncodeXorChunk(std::span(s.ts).subspan(i, e - i), std::span(s.vs).subspan(i, e - i)));
  }
}

inline std::string Frame(const std::string& msg) {
  std::string out;
  uint64_t len = msg.size();
  while (len >= 0x80) {
    out.push_back(static_cast<char>(len | 0x80));
    len >>= 7;
  }
  out.push_back(static_cast<char>(len));
  uint32_t crc = Crc32c(msg);
  out.push_back(static_cast<char>(crc >> 24));
  out.push_back(static_cast<char>(crc >> 16));
  out.push_back(static_cast<char>(crc >> 8));
  out.push_back(static_cast<char>(crc));
  return out + msg;
}

// One frame per series (Prometheus packs up to 1 MiB per frame; tests vary it).
inline std::string StreamedBody(const std::vector<TestSeries>& all, size_t per_chunk) {
  std::string body;
  for (const TestSeries& s : all) {
    prometheus::ChunkedReadResponse r;
    AddChunkedSeries(s, per_chunk, r.add_chunked_series());
    body += Frame(r.SerializeAsString());
  }
  return body;
}

inline std::string SamplesMessage(const std::vector<TestSeries>& all) {
  prometheus::ReadResponse resp;
  auto* q = resp.add_results();
  for (const TestSeries& s : all) {
    auto* ts = q->add_timeseries();
    for (const auto& [n, v] : s.labels) {
      auto* l = ts->add_labels();
      l->set_name(n);
      l->set_value(v);
    }
    for (size_t i = 0; i < s.ts.size(); ++i) {
      auto* smp = ts->add_samples();
      smp->set_timestamp(s.ts[i]);
      smp->set_value(s.vs[i]);
    }
  }
  return resp.SerializeAsString();
}

inline std::vector<TestSeries> MakeSeries(int n_series, int n_samples, int64_t t0, int64_t step) {
  std::vector<TestSeries> out;
  for (int k = 0; k < n_series; ++k) {
    TestSeries s;
    s.labels = {{"__name__", "m"}, {"idx", std::to_string(1000 + k)}};
    for (int i = 0; i < n_samples; ++i) {
      s.ts.push_back(t0 + i * step);
      s.vs.push_back(k * 100.0 + i * 0.5);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace streamlens::remote_read::testing
