// Cost of turning one broker's bulk Jolokia reply into metric families, for a reply of N MBeans
// shaped like a big Kafka broker (per-topic meters, per-request timers, per-partition log sizes).
//
//   BM_CopyOnly        memcpy of the reply: the floor any parser pays
//   BM_ParseOnly       rapidjson insitu DOM parse, nothing else
//   BM_ParseAndMap     parse + rule mapping with a warm mapping cache (every cycle after the 1st)
//   BM_ParseAndMapCold the first cycle: every match string runs through the regex rules
//   BM_FullCycle       warm parse + map + building the prometheus::MetricFamily vector
// There is no peer tool to run on the same input here (jmx_exporter is not packaged in Debian);
// the ratios to BM_ParseOnly/BM_CopyOnly say how much the mapping adds over parsing.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <cstring>
#include <string>

#include "exporter/jolokia/bulk_reply.h"
#include "exporter/jolokia/config.h"
#include "exporter/jolokia/metric_mapper.h"

namespace streamlens::exporter::jolokia {
namespace {

std::string Meter(int i) {
  return "{\"Count\":" + std::to_string(1000 + i) +
         ",\"MeanRate\":12.5,\"OneMinuteRate\":13.25,\"FiveMinuteRate\":14.5,"
         "\"FifteenMinuteRate\":15.75}";
}
std::string Timer(int i) {
  return "{\"Count\":" + std::to_string(500 + i) +
         ",\"MeanRate\":2.5,\"OneMinuteRate\":3.25,\"FiveMinuteRate\":4.5,\"FifteenMinuteRate\":"
         "5.75,\"Mean\":10.5,\"50thPercentile\":9.0,\"75thPercentile\":11.0,\"95thPercentile\":"
         "20.0,\"98thPercentile\":25.0,\"99thPercentile\":31.0,\"999thPercentile\":80.5}";
}

// A reply to the default config's reads with about `mbeans` MBeans.
std::string BigReply(const JolokiaConfig& config, int mbeans) {
  const int topics = mbeans / 8;  // 5 meters per topic + 3 log partitions per topic
  std::string r = "[";
  for (size_t i = 0; i < config.mbeans.size(); ++i) {
    const std::string& m = config.mbeans[i].mbean;
    if (i) r += ",";
    r += "{\"request\":{\"type\":\"read\"},\"status\":200,\"timestamp\":1,\"value\":{";
    bool first = true;
    auto add = [&](const std::string& name, const std::string& value) {
      if (!first) r += ",";
      first = false;
      r += "\"" + name + "\":" + value;
    };
    if (m == "kafka.server:type=BrokerTopicMetrics,*") {
      for (int t = 0; t < topics; ++t) {
        for (const char* n : {"MessagesInPerSec", "BytesInPerSec", "BytesOutPerSec",
                              "ReplicationBytesInPerSec", "ReplicationBytesOutPerSec"}) {
          add(std::string("kafka.server:type=BrokerTopicMetrics,name=") + n + ",topic=topic-" +
                  std::to_string(t),
              Meter(t));
        }
      }
    } else if (m == "kafka.network:type=RequestMetrics,*") {
      int k = 0;
      for (const char* req : {"Produce", "FetchConsumer", "FetchFollower", "Metadata",
                              "OffsetCommit", "OffsetFetch", "JoinGroup", "Heartbeat"}) {
        for (const char* n : {"TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs",
                              "ResponseQueueTimeMs", "ResponseSendTimeMs"}) {
          add(std::string("kafka.network:type=RequestMetrics,name=") + n + ",request=" + req,
              Timer(k++));
        }
        add(std::string("kafka.network:type=RequestMetrics,name=RequestsPerSec,request=") + req +
                ",version=9",
            Meter(k++));
      }
    } else if (m == "kafka.log:type=Log,name=Size,*") {
      for (int t = 0; t < topics; ++t) {
        for (int p = 0; p < 3; ++p) {
          add("kafka.log:type=Log,name=Size,topic=topic-" + std::to_string(t) +
                  ",partition=" + std::to_string(p),
              "{\"Value\":" + std::to_string(1048576L * (t + 1) + p) + "}");
        }
      }
    } else if (m == "kafka.server:type=ReplicaManager,*") {
      add("kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions", "{\"Value\":0}");
      add("kafka.server:type=ReplicaManager,name=IsrShrinksPerSec", Meter(1));
    } else if (m == "java.lang:type=Memory,*") {
      add("java.lang:type=Memory",
          "{\"HeapMemoryUsage\":{\"init\":1,\"committed\":2,\"max\":3,\"used\":4},"
          "\"NonHeapMemoryUsage\":{\"init\":1,\"committed\":2,\"max\":3,\"used\":4}}");
    } else {
      add("kafka.controller:type=KafkaController,name=ActiveControllerCount", "{\"Value\":1}");
    }
    r += "}}";
  }
  r += "]";
  return r;
}

struct Setup {
  std::shared_ptr<const JolokiaConfig> config;
  std::string reply;
  explicit Setup(int mbeans) {
    auto c = DefaultJolokiaConfig();
    if (!c.ok()) std::abort();
    config = std::make_shared<const JolokiaConfig>(std::move(*c));
    reply = BigReply(*config, mbeans);
  }
};

void Counters(benchmark::State& state, const Setup& s, size_t values) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.reply.size()));
  state.counters["reply_bytes"] = static_cast<double>(s.reply.size());
  if (values) state.counters["values"] = static_cast<double>(values);
}

void BM_CopyOnly(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  std::string buf;
  for (auto _ : state) {
    buf.assign(s.reply);
    benchmark::DoNotOptimize(buf.data());
  }
  Counters(state, s, 0);
}

void BM_ParseOnly(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  std::string buf;
  for (auto _ : state) {
    buf.assign(s.reply);
    rapidjson::Document doc;
    doc.ParseInsitu<rapidjson::kParseFullPrecisionFlag>(buf.data());
    if (doc.HasParseError()) state.SkipWithError("parse error");
    benchmark::DoNotOptimize(doc.Size());
  }
  Counters(state, s, 0);
}

void BM_ParseAndMap(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  MetricMapper mapper(s.config);
  BulkReplyParser parser;
  std::string buf;
  size_t values = 0;
  mapper.BeginCycle();
  buf.assign(s.reply);
  if (!parser.Parse(&buf, *s.config, &mapper).ok()) state.SkipWithError("parse error");
  for (auto _ : state) {
    buf.assign(s.reply);
    mapper.BeginCycle();
    auto stats = parser.Parse(&buf, *s.config, &mapper);
    values = stats.ok() ? stats->values : 0;
  }
  Counters(state, s, values);
}

void BM_ParseAndMapCold(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  std::string buf;
  size_t values = 0;
  for (auto _ : state) {
    MetricMapper mapper(s.config);
    BulkReplyParser parser;
    buf.assign(s.reply);
    mapper.BeginCycle();
    auto stats = parser.Parse(&buf, *s.config, &mapper);
    values = stats.ok() ? stats->values : 0;
  }
  Counters(state, s, values);
}

void BM_FullCycle(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  MetricMapper mapper(s.config);
  BulkReplyParser parser;
  std::string buf;
  size_t series = 0;
  for (auto _ : state) {
    buf.assign(s.reply);
    mapper.BeginCycle();
    (void)parser.Parse(&buf, *s.config, &mapper);
    std::vector<prometheus::MetricFamily> families;
    FamilyMerger merger(&families);
    series = mapper.AppendFamilies("broker-1", &merger);
    benchmark::DoNotOptimize(families.data());
  }
  Counters(state, s, 0);
  state.counters["series"] = static_cast<double>(series);
}

BENCHMARK(BM_CopyOnly)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseOnly)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAndMap)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAndMapCold)->Arg(5000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullCycle)->Arg(5000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace streamlens::exporter::jolokia

BENCHMARK_MAIN();
