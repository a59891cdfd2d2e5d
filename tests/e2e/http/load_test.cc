// logroute-recv --listen under concurrent clients: exact counts in the spool,
// no acknowledged event lost across SIGTERM, --fsync always, idle and slow
// clients, and two processes sharing a port with --reuse-port.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

std::string PostRequest(const std::string& body, bool close = false) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         std::string(close ? "Connection: close\r\n" : "") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// `clients` threads, each sending `requests` events on one keep-alive
// connection (every tenth a batch of 10). Returns the events acknowledged.
size_t Hammer(int port, int clients, int requests) {
  std::atomic<size_t> acknowledged{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client(port);
      for (int i = 0; i < requests; ++i) {
        const bool batch = i % 10 == 9;
        std::string body = EventJson(c * 100000 + i);
        if (batch) {
          body = "[" + body;
          for (int k = 0; k < 9; ++k) body += ',' + EventJson(k);
          body += "]";
        }
        if (!client.Send(PostRequest(body))) return;
        const int status = client.ReadResponse();
        if (status == 201) acknowledged += 1;
        if (status == 202) acknowledged += 10;
        if (status != 201 && status != 202) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  return acknowledged.load();
}

TEST(HttpLoadTest, ConcurrentClientsExactCounts) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "4", "--segment-bytes", "65536"});
  ASSERT_TRUE(server.started()) << server.log();
  const size_t acknowledged = Hammer(server.port(), 16, 300);
  EXPECT_EQ(acknowledged, 16u * (270 + 30 * 10));
  EXPECT_EQ(CountSpoolRecords(spool), acknowledged);
  EXPECT_EQ(server.Signal(SIGTERM), 0);
}

TEST(HttpLoadTest, FsyncAlwaysExactCounts) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "2", "--fsync", "always"});
  ASSERT_TRUE(server.started()) << server.log();
  const size_t acknowledged = Hammer(server.port(), 8, 50);
  EXPECT_EQ(acknowledged, 8u * (45 + 5 * 10));
  EXPECT_EQ(CountSpoolRecords(spool), acknowledged);
  const CurlResult metrics = Curl({server.url("/metrics")});
  EXPECT_EQ(metrics.body.find("logroute_spool_syncs_total 0\n"), std::string::npos) << metrics.body;
}

TEST(HttpLoadTest, SigtermUnderLoadLosesNoAcknowledgedEvent) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "3"});
  ASSERT_TRUE(server.started()) << server.log();
  std::atomic<size_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < 12; ++c) {
    threads.emplace_back([&, c] {
      while (!stop) {  // reconnect until the server is gone
        Client client(server.port());
        if (!client.connected()) return;
        for (int i = 0; !stop; ++i) {
          if (!client.Send(PostRequest(EventJson(c * 1000000 + i)))) break;
          const int status = client.ReadResponse();
          if (status == 201)
            ++acknowledged;
          else
            break;
        }
      }
    });
  }
  while (acknowledged < 3000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server.Signal(SIGTERM), 0);
  stop = true;
  for (auto& t : threads) t.join();
  // Every 2xx a client got is in the spool, and nothing else: each request
  // the server read was answered before it exited.
  EXPECT_EQ(CountSpoolRecords(spool), acknowledged.load());
}

TEST(HttpLoadTest, SigtermFinishesARequestInFlight) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {});
  ASSERT_TRUE(server.started()) << server.log();
  Client idle(server.port());
  Client busy(server.port());
  // 100 Continue proves the server has read the header: the request is in flight.
  const std::string body = EventJson(5);
  ASSERT_TRUE(
      busy.Send("POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Expect: 100-continue\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n"));
  ASSERT_EQ(busy.ReadResponse(), 100);
  ASSERT_TRUE(idle.Send(PostRequest(EventJson(6))));
  ASSERT_EQ(idle.ReadResponse(), 201);
  ::kill(server.pid(), SIGTERM);
  EXPECT_TRUE(idle.WaitClosed(std::chrono::seconds(10)));  // between requests: closed
  ASSERT_TRUE(busy.Send(body));                            // mid-request: finished
  std::string raw;
  EXPECT_EQ(busy.ReadResponse(&raw), 201);
  EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw;
  EXPECT_EQ(server.Signal(0), 0);  // already exiting: wait for it
  EXPECT_EQ(CountSpoolRecords(spool), 2u);
}

TEST(HttpLoadTest, ThousandIdleConnectionsBlockNobodyAndPinNoThread) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--threads", "2"});
  ASSERT_TRUE(server.started()) << server.log();
  struct rlimit limit;  // this test process holds 1,000 sockets too
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = std::max<rlim_t>(limit.rlim_cur, std::min<rlim_t>(limit.rlim_max, 4096));
  ::setrlimit(RLIMIT_NOFILE, &limit);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<Client>(server.port()));
    ASSERT_TRUE(idle.back()->connected()) << i;
    if (i % 2 == 0) idle.back()->Send("POST /api/log HTTP/1.1\r\nHost: x\r\n");  // half a header
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(OneShot(server.port(), PostRequest(EventJson(i))), 201);
  std::ifstream status("/proc/" + std::to_string(server.pid()) + "/status");
  std::string line;
  int threads = 0;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) threads = std::stoi(line.substr(8));
  }
  EXPECT_GT(threads, 0);
  EXPECT_LE(threads, 4);  // the main thread and the second I/O thread (and no more per client)
  EXPECT_EQ(CountSpoolRecords(spool), 20u);
}

TEST(HttpLoadTest, SlowAndIdleClientsAreTimedOut) {
  TempDir dir;
  RecvServer server(dir.Path("spool"),
                    {"--idle-timeout", "0.3", "--header-timeout", "0.3", "--body-timeout", "0.3"});
  ASSERT_TRUE(server.started()) << server.log();
  Client idle(server.port());
  Client slow_header(server.port());
  slow_header.Send("POST /api/log HTTP/1.1\r\nHost: x\r\n");
  Client slow_body(server.port());
  slow_body.Send(
      "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"unix_ts\":");
  EXPECT_TRUE(idle.WaitClosed(std::chrono::seconds(20)));
  EXPECT_TRUE(slow_header.WaitClosed(std::chrono::seconds(20)));
  EXPECT_TRUE(slow_body.WaitClosed(std::chrono::seconds(20)));
  EXPECT_EQ(CountSpoolRecords(dir.Path("spool")), 0u);
}

TEST(HttpLoadTest, ReusePortLetsTwoProcessesShareAPort) {
  TempDir dir;
  // One spool each, so that the test can see which process took what.
  RecvServer first(dir.Path("a"), {"--reuse-port"});
  ASSERT_TRUE(first.started()) << first.log();
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  RecvServer second(dir.Path("b"), {"--reuse-port"}, listen);
  ASSERT_TRUE(second.started()) << second.log();
  EXPECT_EQ(second.port(), first.port());
  size_t acknowledged = 0;
  for (int i = 0; i < 200; ++i) {
    if (OneShot(first.port(), PostRequest(EventJson(i), true)) == 201) ++acknowledged;
  }
  EXPECT_EQ(acknowledged, 200u);
  // The kernel spreads new connections by their addresses: both take some
  // (all 200 on one side would have a chance of 2^-199).
  const size_t a = CountSpoolRecords(dir.Path("a"));
  const size_t b = CountSpoolRecords(dir.Path("b"));
  EXPECT_GT(a, 0u);
  EXPECT_GT(b, 0u);
  EXPECT_EQ(a + b, 200u);
  EXPECT_EQ(first.Signal(SIGTERM), 0);
  // The other still serves the port alone.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(OneShot(second.port(), PostRequest(EventJson(i), true)), 201);
  }
  EXPECT_EQ(second.Signal(SIGTERM), 0);
  EXPECT_EQ(CountSpoolRecords(dir.Path("b")), b + 10);
}

TEST(HttpLoadTest, WithoutReusePortTheSecondProcessIsRefused) {
  TempDir dir;
  RecvServer first(dir.Path("spool"), {});
  ASSERT_TRUE(first.started()) << first.log();
  RecvServer second(dir.Path("spool"), {}, "127.0.0.1:" + std::to_string(first.port()));
  EXPECT_FALSE(second.started());
}

}  // namespace
}  // namespace logroute::testing
