// What a decoder said about its input, for tests that assert the reason texts.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "libcore/base/status.h"

namespace logroute::testing {

// "ok", or the reason of `status`, which must then be a DataError.
inline std::string DataErrorReason(const Status& status) {
  if (status.ok()) return "ok";
  EXPECT_EQ(status.code(), Code::kDataError) << status.message();
  return status.message();
}

}  // namespace logroute::testing
