#include "libcore/base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "libcore/base/result.h"

namespace logroute {
namespace {

TEST(StatusTest, OkIsExitZero) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.exit_code(), 0);
}

TEST(StatusTest, CodesAreSysexits) {
  EXPECT_EQ(Status::Usage("x").exit_code(), 64);
  EXPECT_EQ(Status::DataError("x").exit_code(), 65);
  EXPECT_EQ(Status::Unavailable("x").exit_code(), 69);
  EXPECT_EQ(Status::CannotCreate("x").exit_code(), 73);
  EXPECT_EQ(Status::IoError("x").exit_code(), 74);
  EXPECT_EQ(Status::TempFail("x").exit_code(), 75);
  EXPECT_TRUE(Status::TempFail("x").retryable());
  EXPECT_FALSE(Status::IoError("x").retryable());
}

TEST(StatusTest, WrapKeepsCodeAndAddsContext) {
  Status wrapped = Status::IoError("disk on fire").Wrap("writing shard-03");
  EXPECT_EQ(wrapped.code(), Code::kIoError);
  EXPECT_EQ(wrapped.message(), "writing shard-03: disk on fire");
}

TEST(StatusTest, ErrnoMapsFullDiskToRetryable) {
  EXPECT_TRUE(ErrnoStatus("write", ENOSPC).retryable());
  EXPECT_EQ(ErrnoStatus("open", EACCES).code(), Code::kNoPermission);
  EXPECT_EQ(ErrnoStatus("read", EIO).code(), Code::kIoError);
  EXPECT_NE(ErrnoStatus("write", ENOSPC).message().find("write: "), std::string::npos);
}

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::DataError(std::to_string(n) + " is odd");
  return n / 2;
}

Status Quarter(int n, int* out) {
  LOGROUTE_ASSIGN_OR_RETURN(int half, Half(n));
  LOGROUTE_ASSIGN_OR_RETURN(*out, Half(half));
  return Status::Ok();
}

TEST(ResultTest, AssignOrReturnPropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status odd = Quarter(6, &out);
  EXPECT_EQ(odd.code(), Code::kDataError);
  EXPECT_EQ(odd.message(), "3 is odd");
}

}  // namespace
}  // namespace logroute
