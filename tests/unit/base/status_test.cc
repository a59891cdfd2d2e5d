#include "libcore/base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "libcore/base/exit_code.h"
#include "libcore/base/result.h"

namespace logroute {
namespace {

TEST(StatusTest, OkIsExitZero) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ExitCode(ok), 0);
}

// The exit statuses the tools document (logroute(7)), one per category.
TEST(StatusTest, ExitCodesAreSysexits) {
  EXPECT_EQ(ExitCode(Status::Usage("x")), 64);
  EXPECT_EQ(ExitCode(Status::DataError("x")), 65);
  EXPECT_EQ(ExitCode(Status::NotFound("x")), 66);
  EXPECT_EQ(ExitCode(Status::NoHost("x")), 68);
  EXPECT_EQ(ExitCode(Status::Unavailable("x")), 69);
  EXPECT_EQ(ExitCode(Status::Internal("x")), 70);
  EXPECT_EQ(ExitCode(Status::CannotCreate("x")), 73);
  EXPECT_EQ(ExitCode(Status::IoError("x")), 74);
  EXPECT_EQ(ExitCode(Status::NoSpace("x")), 75);
  EXPECT_EQ(ExitCode(Status::Busy("x")), 75);
  EXPECT_EQ(ExitCode(Status::TempFail("x")), 75);
  EXPECT_EQ(ExitCode(Status::NoPermission("x")), 77);
  EXPECT_EQ(ExitCode(Status(Code::kPartial, "x")), 79);
}

TEST(StatusTest, OnlyFailuresThatPassAreRetryable) {
  EXPECT_TRUE(Status::NoSpace("x").retryable());
  EXPECT_TRUE(Status::Busy("x").retryable());
  EXPECT_TRUE(Status::TempFail("x").retryable());
  EXPECT_FALSE(Status::IoError("x").retryable());
  EXPECT_FALSE(Status::Unavailable("x").retryable());
  EXPECT_FALSE(Status(Code::kPartial, "x").retryable());
}

TEST(StatusTest, WrapKeepsCodeAndAddsContext) {
  Status wrapped = Status::IoError("disk on fire").Wrap("writing shard-03");
  EXPECT_EQ(wrapped.code(), Code::kIoError);
  EXPECT_EQ(wrapped.message(), "writing shard-03: disk on fire");
}

TEST(StatusTest, ErrnoMapsFullDiskAndBusyToTheirCategories) {
  EXPECT_EQ(ErrnoStatus("write", ENOSPC).code(), Code::kNoSpace);
  EXPECT_EQ(ErrnoStatus("write", EDQUOT).code(), Code::kNoSpace);
  EXPECT_EQ(ErrnoStatus("flock", EAGAIN).code(), Code::kBusy);
  EXPECT_EQ(ErrnoStatus("write", EINTR).code(), Code::kBusy);
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
