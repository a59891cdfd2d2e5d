#include "libcore/base/stop_signals.h"

#include <poll.h>
#include <signal.h>

#include <gtest/gtest.h>

namespace logroute {
namespace {

// One process-wide state: a single test sees it go from "no stop" to "stop".
TEST(StopSignalsTest, ASignalSetsTheFlagNamesItselfAndWakesAPoll) {
  ASSERT_TRUE(CatchStopSignals().ok());
  EXPECT_FALSE(StopRequested().load());
  EXPECT_EQ(StopSignal(), 0);
  pollfd wake = {StopWakeFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&wake, 1, 0), 0) << "readable before any signal";

  ASSERT_EQ(::raise(SIGTERM), 0);  // handled: the test goes on
  EXPECT_TRUE(StopRequested().load());
  EXPECT_EQ(StopSignal(), SIGTERM);
  EXPECT_EQ(::poll(&wake, 1, 0), 1);
  EXPECT_TRUE(wake.revents & POLLIN);
}

}  // namespace
}  // namespace logroute
