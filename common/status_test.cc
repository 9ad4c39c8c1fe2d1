#include "common/status.h"

#include <gtest/gtest.h>

namespace streamlens {
namespace {

Status Fails() { return Status::Error("boom"); }
Status Propagates() {
  STREAMLENS_RETURN_IF_ERROR(Fails());
  return Status::Ok();
}

TEST(StatusTest, DefaultIsOkAndErrorsCarryMessages) {
  EXPECT_TRUE(Status().ok());
  Status e = Status::Error("bad input");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.message(), "bad input");
  EXPECT_EQ(e.WithContext("file x").message(), "file x: bad input");
  EXPECT_EQ(Status::Error("").message(), "unknown error");
}

TEST(StatusTest, ReturnIfErrorPropagates) { EXPECT_EQ(Propagates().message(), "boom"); }

TEST(ResultTest, HoldsValueOrError) {
  Result<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  Result<int> e = Status::Error("nope");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "nope");
}

}  // namespace
}  // namespace streamlens
