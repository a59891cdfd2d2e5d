#include "libcore/http/http_status.h"

#include <gtest/gtest.h>

namespace logroute::http {
namespace {

TEST(HttpStatusOfTest, OnlyAFullDiskIsInsufficientStorage) {
  EXPECT_EQ(HttpStatusOf(Status::NoSpace("no space left on device")), 507u);
  // The issue 12 case: every shard locked by other processes passes, yet is no lack of storage.
  EXPECT_EQ(HttpStatusOf(Status::Busy("every shard is locked by another process")), 503u);
  EXPECT_EQ(HttpStatusOf(Status::TempFail("x")), 503u);
  EXPECT_EQ(HttpStatusOf(Status::IoError("input/output error")), 503u);
  EXPECT_EQ(HttpStatusOf(Status::NoPermission("permission denied")), 503u);
}

}  // namespace
}  // namespace logroute::http
