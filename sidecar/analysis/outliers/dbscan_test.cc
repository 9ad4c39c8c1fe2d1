#include "sidecar/analysis/outliers/dbscan.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sidecar/analysis/decompose/test_csv.h"

namespace streamlens::analysis {
namespace {

// Fixtures from scikit-learn (scripts/fixtures/dbscan_fixtures.py): eps/min_samples per file.
TEST(DbscanTest, SameLabelsAsScikitLearn) {
  struct Case {
    const char* file;
    double eps;
    int min_samples;
  };
  for (const Case& c : {Case{"dbscan_small.csv", 0.25, 5}, Case{"dbscan_dense.csv", 0.3, 10}}) {
    testing::Table t;
    ASSERT_TRUE(testing::ReadTable(
        testing::SourcePath(std::string("sidecar/analysis/outliers/testdata/") + c.file), &t))
        << c.file;
    const size_t n = t.num["label"].size();
    std::vector<double> rows;
    for (size_t i = 0; i < n; ++i) {
      for (const char* col : {"x0", "x1", "x2", "x3"}) rows.push_back(t.num[col][i]);
    }
    auto r = Dbscan(rows, 4, {c.eps, c.min_samples});
    ASSERT_TRUE(r.ok()) << r.status().message();
    int mismatches = 0, noise = 0;
    for (size_t i = 0; i < n; ++i) {
      mismatches += r->labels[i] != static_cast<int>(t.num["label"][i]);
      noise += r->labels[i] == -1;
    }
    EXPECT_EQ(mismatches, 0) << c.file;
    EXPECT_GT(r->clusters, 1) << c.file;
    EXPECT_GT(noise, 0) << c.file;
  }
}

TEST(DbscanTest, BorderPointJoinsLowestNumberedClusterAndNoiseIsMinusOne) {
  // Two 1-D cores groups {0, 0.1, 0.2} and {2.0, 2.1, 2.2}, a border point at 1.1 within eps of
  // both groups' edges, and a lone point at 10.
  std::vector<double> x = {2.0, 2.1, 2.2, 1.1, 0.0, 0.1, 0.2, 10.0};
  auto r = Dbscan(x, 1, {0.9, 3});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->clusters, 2);
  EXPECT_EQ(r->labels, (std::vector<int>{0, 0, 0, 0, 1, 1, 1, -1}));
  EXPECT_FALSE(r->is_core[3]);
}

TEST(DbscanTest, RejectsBadInput) {
  std::vector<double> x = {1, 2, 3};
  EXPECT_FALSE(Dbscan(x, 2, {}).ok());
  EXPECT_FALSE(Dbscan(x, 1, {0.0, 3}).ok());
  EXPECT_FALSE(Dbscan(x, 1, {0.5, 0}).ok());
  x[1] = std::nan("");
  auto r = Dbscan(x, 1, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 1"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::analysis
