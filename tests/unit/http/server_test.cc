// The Server in-process, over a SpoolWriter whose Env fails on purpose: a
// full disk answers 507, a failed fdatasync 503, and neither ever a 2xx.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

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

TEST_F(ServerTest, HeadIsAnsweredWithoutABodyAndTheConnectionGoesOn) {
  Start(false);
  testing::Client client(port_);
  client.Send("HEAD /api/log HTTP/1.1\r\nHost: x\r\n\r\n" + Post(testing::EventJson(1, "login")));
  std::string raw;
  EXPECT_EQ(client.ReadHeadResponse(&raw), 405);
  EXPECT_NE(raw.find("Allow: POST"), std::string::npos) << raw;
  EXPECT_EQ(client.ReadResponse(&raw), 201) << "the next answer begins with: " << raw;
  client.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + Post(testing::EventJson(2, "login")));
  EXPECT_EQ(client.ReadHeadResponse(&raw), 405);
  EXPECT_EQ(client.ReadResponse(&raw), 201) << "the next answer begins with: " << raw;
}

// Under ThreadSanitizer too (scripts/test.sh): the chain is replaced while
// keep-alive clients on several I/O threads send events it routes, or not.
TEST_F(ServerTest, ChainReplacedUnderLoadNoRequestFailsNoConnectionDrops) {
  Start(false);
  chain::ChainConfig with_route;
  with_route.SetList("route", {"signup=signups"});
  constexpr int kClients = 4, kRequests = 150;
  std::atomic<int> created{0}, refused{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      testing::Client client(port_);
      for (int i = 0; i < kRequests; ++i) {
        if (!client.Send(Post(testing::EventJson(c * kRequests + i, "signup")))) {
          ++failed;
          return;
        }
        const int status = client.ReadResponse();
        if (status == 201) {
          ++created;
        } else if (status == 422) {
          ++refused;
        } else {
          ++failed;  // 0: the connection closed
          return;
        }
      }
    });
  }
  for (int swap = 0; swap < 200; ++swap) {
    chain_.Replace(
        std::move(chain::Chain::Create(swap % 2 == 0 ? with_route : chain::ChainConfig{}).value()));
    std::this_thread::yield();
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load() + refused.load(), kClients * kRequests);
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), static_cast<size_t>(created.load()));
  // The last chain (200 swaps: the one without the route) judges from now on.
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1, "signup")));
  EXPECT_EQ(client.ReadResponse(), 422);
  chain_.Replace(std::move(chain::Chain::Create(with_route).value()));
  client.Send(Post(testing::EventJson(2, "signup")));
  EXPECT_EQ(client.ReadResponse(), 201) << "the next request, on the same connection";
}

}  // namespace
}  // namespace logroute::http
