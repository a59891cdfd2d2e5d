// The Server in-process, over a SpoolWriter whose Env fails on purpose: a
// full disk answers 507, a failed fdatasync 503, and neither ever a 2xx.
#include <gtest/gtest.h>

#include "tests/e2e/http/http_test_util.h"
#include "tests/unit/http/server_fixture.h"

namespace logroute::http {
namespace {

std::string Post(const std::string& body) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(ServerTest, FullDiskAnswers507ThenRecovers) {
  Start(false);
  env_.write_mode = testing::FaultyEnv::WriteMode::kNoSpace;
  std::string raw;
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1)));
  EXPECT_EQ(client.ReadResponse(&raw), 507);
  EXPECT_NE(raw.find("No space left"), std::string::npos) << raw;
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 0u);
  env_.write_mode = testing::FaultyEnv::WriteMode::kNormal;
  client.Send(Post(testing::EventJson(2)));
  EXPECT_EQ(client.ReadResponse(), 201);  // same connection: kept alive
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 1u);
}

TEST_F(ServerTest, FailedSyncAnswers503NeverACreated) {
  Start(true);
  env_.fail_sync = true;
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1)));
  std::string raw;
  EXPECT_EQ(client.ReadResponse(&raw), 503);
  EXPECT_NE(raw.find("cannot sync"), std::string::npos) << raw;
  // The failure is sticky for that file: later requests are refused too.
  client.Send(Post('[' + testing::EventJson(2) + "]"));
  EXPECT_EQ(client.ReadResponse(), 503);
}

TEST_F(ServerTest, SyncedRequestsAnswer2xx) {
  Start(true);
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1)));
  EXPECT_EQ(client.ReadResponse(), 201);
  EXPECT_GE(writer_->syncs(), 1u);
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 1u);
}

TEST_F(ServerTest, StopEndsRunWithIdleConnectionsOpen) {
  Start(false);
  testing::Client idle(port_);
  ASSERT_TRUE(idle.connected());
  server_->Stop();
  thread_.join();
  EXPECT_TRUE(run_status_.ok());
  EXPECT_TRUE(idle.WaitClosed(std::chrono::seconds(10)));
  server_.reset();
}

}  // namespace
}  // namespace logroute::http
