// The Server in-process, over a SpoolWriter whose Env fails on purpose: a
// full disk answers 507, a failed fdatasync 503, and neither ever a 2xx.
#include "libcore/http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::http {
namespace {

class FailingEnv : public Env {
 public:
  ssize_t Write(int fd, const void* data, size_t size) override {
    if (fail_writes) {
      errno = ENOSPC;
      return -1;
    }
    return Env::Write(fd, data, size);
  }
  int DataSync(int fd) override {
    if (fail_syncs) {
      errno = EIO;
      return -1;
    }
    return Env::DataSync(fd);
  }
  bool fail_writes = false;
  bool fail_syncs = false;
};

std::string Post(const std::string& body) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A server on a free port, run on its own thread until the test ends.
class ServerTest : public ::testing::Test {
 protected:
  void Start(bool fsync) {
    auto spool = spool::Spool::Open(dir_.Path("spool"), {.shards = 1, .create = true});
    ASSERT_TRUE(spool.ok()) << spool.status().message();
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = fsync}, &env_);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    writer_ = std::move(*writer);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.handle_signals = false;
    auto server = Server::Create(options, chain_, *writer_);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    const std::string address = server_->local_address();
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
    thread_ = std::thread([this] { run_status_ = server_->Run(); });
  }

  void TearDown() override {
    if (!server_) return;
    server_->Stop();
    thread_.join();
    EXPECT_TRUE(run_status_.ok()) << run_status_.message();
  }

  testing::TempDir dir_;
  FailingEnv env_;
  chain::LiveChain chain_{std::move(chain::Chain::Build(chain::ChainConfig{}).value())};
  std::unique_ptr<spool::SpoolWriter> writer_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Status run_status_;
  int port_ = 0;
};

TEST_F(ServerTest, FullDiskAnswers507ThenRecovers) {
  Start(false);
  env_.fail_writes = true;
  std::string raw;
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1)));
  EXPECT_EQ(client.ReadResponse(&raw), 507);
  EXPECT_NE(raw.find("No space left"), std::string::npos) << raw;
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 0u);
  env_.fail_writes = false;
  client.Send(Post(testing::EventJson(2)));
  EXPECT_EQ(client.ReadResponse(), 201);  // same connection: kept alive
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 1u);
}

TEST_F(ServerTest, FailedSyncAnswers503NeverACreated) {
  Start(true);
  env_.fail_syncs = true;
  testing::Client client(port_);
  client.Send(Post(testing::EventJson(1)));
  std::string raw;
  EXPECT_EQ(client.ReadResponse(&raw), 503);
  EXPECT_NE(raw.find("cannot sync"), std::string::npos) << raw;
  // The failure is sticky for that file: later requests are refused too.
  client.Send(Post("[" + testing::EventJson(2) + "]"));
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

// Under ThreadSanitizer too (scripts/test.sh): the chain is replaced while
// keep-alive clients on several I/O threads send events it routes, or not.
TEST_F(ServerTest, ChainReplacedUnderLoadNoRequestFailsNoConnectionDrops) {
  Start(false);
  chain::ChainConfig with_route;
  with_route.routes = {"signup=signups"};
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
        std::move(chain::Chain::Build(swap % 2 == 0 ? with_route : chain::ChainConfig{}).value()));
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
  chain_.Replace(std::move(chain::Chain::Build(with_route).value()));
  client.Send(Post(testing::EventJson(2, "signup")));
  EXPECT_EQ(client.ReadResponse(), 201) << "the next request, on the same connection";
}

}  // namespace
}  // namespace logroute::http
