#include "sidecar/remote_read/query_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace streamlens::remote_read {
namespace {

TEST(QueryJsonTest, DecodesMatrixWithExactMillisecondsAndSpecialValues) {
  std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"m","job":"a\u00e9"},"values":[[1700000000.123,"1.5"],[1700000001,"+Inf"],
      [1700000002.5,"NaN"],[1700000003.01,"-2e-300"]]},
    {"values":[[1,"0.1"]],"metric":{}}]}})";
  SeriesSetBuilder b;
  Status st = DecodeQueryJson(body, INT64_MIN, INT64_MAX, &b);
  ASSERT_TRUE(st.ok()) << st.message();
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2u);
  // Sorted by labels: {} first.
  EXPECT_EQ(s->timestamps(0)[0], 1000);
  EXPECT_EQ(s->values(0)[0], 0.1);
  EXPECT_EQ(s->label_value(1, "job"), "a\xc3\xa9");
  auto ts = s->timestamps(1);
  auto vs = s->values(1);
  EXPECT_EQ(std::vector<int64_t>(ts.begin(), ts.end()),
            (std::vector<int64_t>{1700000000123, 1700000001000, 1700000002500, 1700000003010}));
  EXPECT_EQ(vs[0], 1.5);
  EXPECT_TRUE(std::isinf(vs[1]) && vs[1] > 0);
  EXPECT_TRUE(std::isnan(vs[2]));
  EXPECT_EQ(vs[3], -2e-300);
}

TEST(QueryJsonTest, TrimsToRange) {
  std::string body = R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"a":"b"},"values":[[1,"1"],[2,"2"],[3,"3"]]}]}})";
  SeriesSetBuilder b;
  ASSERT_TRUE(DecodeQueryJson(body, 2000, 2000, &b).ok());
  auto s = b.Finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->num_samples(), 1u);
  EXPECT_EQ(s->values(0)[0], 2.0);
}

TEST(QueryJsonTest, SurfacesApiErrorsAndBadInput) {
  SeriesSetBuilder b;
  Status st = DecodeQueryJson(
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\""})", 0, 1,
      &b);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "query failed: bad_data: invalid parameter \"query\"");
  st = DecodeQueryJson(R"({"status":"success","data":{"resultType":"scalar","result":[1,"1"]}})", 0,
                       1, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("\"scalar\""), std::string::npos);
  st = DecodeQueryJson(
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}})",
      0, 1, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("bad sample value \"x\""), std::string::npos) << st.message();
  st = DecodeQueryJson(R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{)",
                       0, 1, &b);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("malformed JSON reply at byte"), std::string::npos) << st.message();
  EXPECT_FALSE(DecodeQueryJson(std::string(1000, '['), 0, 1, &b).ok());
}

}  // namespace
}  // namespace streamlens::remote_read
