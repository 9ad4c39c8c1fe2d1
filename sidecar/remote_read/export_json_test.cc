#include "sidecar/remote_read/export_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace streamlens::remote_read {
namespace {

// What Debian's victoria-metrics 1.79.5 wrote for these series (values it wrote bare: +Inf,
// -Inf, and 2e300 as a 301-digit integer).
std::string Vm179Reply() {
  return R"({"metric":{"__name__":"m1","a":"y"},"values":[2)" + std::string(300, '0') +
         R"(],"timestamps":[1796655100000]}
{"metric":{"__name__":"m1","a":"x","b":"q\"z"},"values":[1.5],"timestamps":[1796655100000]}
{"metric":{"__name__":"m3"},"values":[+Inf,-Inf,0.00001],"timestamps":[1796655200000,1796655201000,1796655202000]}
)";
}

std::vector<int64_t> Ts(const SeriesSet& s, size_t i) {
  return {s.timestamps(i).begin(), s.timestamps(i).end()};
}

TEST(ExportJsonTest, DecodesVictoriaMetricsLines) {
  SeriesSetBuilder b;
  Status st = DecodeExportJson(Vm179Reply(), INT64_MIN, INT64_MAX, &b);
  ASSERT_TRUE(st.ok()) << st.message();
  auto s = b.Finish();
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ(s->SeriesName(0), "m1{a=\"x\",b=\"q\\\"z\"}");
  EXPECT_EQ(s->values(0)[0], 1.5);
  EXPECT_EQ(s->values(1)[0], 2e300);
  EXPECT_EQ(Ts(*s, 2), (std::vector<int64_t>{1796655200000, 1796655201000, 1796655202000}));
  EXPECT_TRUE(std::isinf(s->values(2)[0]) && s->values(2)[0] > 0);
  EXPECT_TRUE(std::isinf(s->values(2)[1]) && s->values(2)[1] < 0);
  EXPECT_EQ(s->values(2)[2], 0.00001);
}

TEST(ExportJsonTest, AnySplitOfTheStreamGivesTheSameSet) {
  const std::string body = Vm179Reply();
  SeriesSetBuilder whole;
  ASSERT_TRUE(DecodeExportJson(body, INT64_MIN, INT64_MAX, &whole).ok());
  auto want = whole.Finish();
  ASSERT_TRUE(want.ok());
  for (size_t piece : {size_t{1}, size_t{7}, size_t{64}}) {
    SeriesSetBuilder b;
    ExportJsonDecoder d(INT64_MIN, INT64_MAX, &b);
    for (size_t i = 0; i < body.size(); i += piece) {
      ASSERT_TRUE(d.Feed(std::string_view(body).substr(i, piece)).ok());
    }
    ASSERT_TRUE(d.Finish().ok());
    auto got = b.Finish();
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), want->size()) << piece;
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ(got->SeriesName(i), want->SeriesName(i));
      EXPECT_EQ(Ts(*got, i), Ts(*want, i));
    }
  }
}

TEST(ExportJsonTest, NewerSpellingsLastLineWithoutNewlineAndBlankLines) {
  SeriesSetBuilder b;
  Status st = DecodeExportJson(
      "\n{\"metric\":{},\"values\":[null,\"Infinity\",\"-Infinity\",\"3\"],"
      "\"timestamps\":[1,2,3,4]}\r\n\n{\"timestamps\":[5],\"values\":[7],\"metric\":{\"a\":\"b\"}}",
      INT64_MIN, INT64_MAX, &b);
  ASSERT_TRUE(st.ok()) << st.message();
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  EXPECT_TRUE(std::isnan(s->values(0)[0]));
  EXPECT_EQ(s->values(0)[1], INFINITY);
  EXPECT_EQ(s->values(0)[2], -INFINITY);
  EXPECT_EQ(s->values(0)[3], 3);
  EXPECT_EQ(s->label_value(1, "a"), "b");
  EXPECT_EQ(Ts(*s, 1), (std::vector<int64_t>{5}));
}

TEST(ExportJsonTest, TrimsToTheClosedRangeAndMergesRepeatedSeries) {
  SeriesSetBuilder b;
  ASSERT_TRUE(DecodeExportJson(R"({"metric":{"a":"1"},"values":[1,2,3],"timestamps":[10,20,30]}
{"metric":{"a":"2"},"values":[1],"timestamps":[40]}
{"metric":{"a":"1"},"values":[4,5],"timestamps":[31,35]}
)",
                               20, 31, &b)
                  .ok());
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);  // a=2 has nothing in range
  EXPECT_EQ(Ts(*s, 0), (std::vector<int64_t>{20, 30, 31}));
}

// The error for `body`, which must fail.
std::string ErrorOf(std::string_view body, const ExportDecodeLimits& limits = {}) {
  SeriesSetBuilder b;
  Status st = DecodeExportJson(body, INT64_MIN, INT64_MAX, &b, limits);
  return st.ok() ? "(no error)" : st.message();
}

TEST(ExportJsonTest, MalformedLinesNameTheLineAndWhat) {
  const std::string ok = R"({"metric":{"a":"1"},"values":[1],"timestamps":[1]})";
  struct Case {
    std::string body;
    std::string want;
  };
  const std::vector<Case> cases = {
      {ok + "\n" + R"({"metric":{"a":"1"},"values":[1,2],"timestamps":[1]})",
       "export reply line 2: malformed JSON reply at byte 52: 2 values but 1 timestamps"},
      {R"({"metric":{"a":"1"},"values":[1,2],"timestamps":[2,2]})", "do not increase (2 then 2)"},
      {R"({"metric":{"a":"1"},"values":[x],"timestamps":[1]})", "bad sample value \"x\""},
      {R"({"metric":{"a":"1"},"values":[1],"timestamps":[1.5]})",
       "bad timestamp \"1.5\" (expected integer milliseconds)"},
      {R"({"metric":{"a":"1"},"values":[1]})", "needs \"metric\", \"values\" and \"timestamps\""},
      {R"({"metric":{"a":"1","a":"2"},"values":[1],"timestamps":[1]})", "line 1:"},
      {R"({"metric":{"a":1},"values":[1],"timestamps":[1]})", "expected a string"},
      {ok + " x", "trailing data"},
      {ok.substr(0, 30), "export reply line 1: malformed JSON reply"},
      {R"({"metric":{"a":"1"},"values":[,],"timestamps":[1]})", "expected a value"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(ErrorOf(c.body).find(c.want), std::string::npos)
        << c.body << " -> " << ErrorOf(c.body);
  }
}

TEST(ExportJsonTest, LimitsStopTheDecodingWithTheirNames) {
  const std::string two = R"({"metric":{"a":"1"},"values":[1,2],"timestamps":[1,2]}
{"metric":{"a":"2"},"values":[1,2],"timestamps":[1,2]}
)";
  EXPECT_EQ(ErrorOf(two, {.max_series = 1}),
            "fetch stopped: limit max_series (1) exceeded: the reply has more series");
  EXPECT_EQ(ErrorOf(two, {.max_samples = 3}),
            "fetch stopped: limit max_samples (3) exceeded: the reply has more samples");
  // A line over the bound fails while it streams in, before its newline arrives.
  SeriesSetBuilder b;
  ExportJsonDecoder d(INT64_MIN, INT64_MAX, &b, {.max_line_bytes = 60});
  EXPECT_TRUE(d.Feed(std::string(40, ' ')).ok());
  Status st = d.Feed(std::string(40, ' '));
  EXPECT_EQ(st.message(),
            "fetch stopped: limit max_frame_bytes (60) exceeded: export reply line 1 is longer "
            "(80 bytes so far)");
  // Within the limits the same reply decodes.
  EXPECT_EQ(ErrorOf(two, {.max_series = 2, .max_samples = 4, .max_line_bytes = 60}), "(no error)");
}

TEST(ExportJsonTest, SeriesGoingBackInTimeAcrossLinesFailsAtFinish) {
  SeriesSetBuilder b;
  ASSERT_TRUE(DecodeExportJson(R"({"metric":{"a":"1"},"values":[1],"timestamps":[10]}
{"metric":{"a":"1"},"values":[1],"timestamps":[5]}
)",
                               INT64_MIN, INT64_MAX, &b)
                  .ok());
  EXPECT_FALSE(b.Finish().ok());
}

}  // namespace
}  // namespace streamlens::remote_read
