// logroute-recv --listen reloads its config file on SIGHUP: under load, with
// keep-alive connections open, a route added or removed takes effect from the
// next request, no connection is dropped and no request fails; a config that
// does not validate is refused and logged, and serving goes on as it was.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

std::string Post(const std::string& body) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Waits until the server's log holds `what` `count` times; false after 20 s.
bool WaitForLog(const RecvServer& server, const std::string& what, size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Occurrences(server.log(), what) >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Records of the spool routed to `table`.
size_t RecordsFor(const std::string& spool, const std::string& table) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(spool)) {
    const std::string name = entry.path().filename().string();
    if (name != "active" && !name.starts_with("seg-")) continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);)
      n += line.find("\t" + table + "\t") != line.npos;
  }
  return n;
}

// Keep-alive clients that post login events until stopped, each on one
// connection; any answer but 201, or a closed connection, is a failure.
class Load {
 public:
  Load(int port, int clients) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, port, c] {
        Client client(port);
        for (long i = 0; !stop_.load() && i < 100000; ++i) {
          if (!client.Send(Post(EventJson(c * 100000 + i))) || client.ReadResponse() != 201) {
            ++failed_;
            return;
          }
          ++created_;
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  int created() const { return created_.load(); }
  int failed() const { return failed_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> created_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

class RecvReloadTest : public ::testing::Test {
 protected:
  void Configure(const std::string& text) { WriteFileOrDie(config_, text); }
  void Reload() { ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0); }
  int Send(Client& client, const std::string& name) {
    static long user = 0;
    if (!client.Send(Post(EventJson(++user, name)))) return -1;
    return client.ReadResponse();
  }
  void Start(const std::string& config) {
    Configure(config);
    server_ = std::make_unique<RecvServer>(dir_.Path("spool"),
                                           std::vector<std::string>{"--config", config_});
    ASSERT_TRUE(server_->started()) << server_->log();
  }

  TempDir dir_;
  const std::string config_ = dir_.Path("recv.conf");
  std::unique_ptr<RecvServer> server_;
};

TEST_F(RecvReloadTest, ARouteAddedOrRemovedTakesEffectFromTheNextRequestUnderLoad) {
  Start("unrouted = reject\n");
  Load load(server_->port(), 4);
  Client early(server_->port());  // open across both reloads
  ASSERT_EQ(Send(early, "signup"), 422);

  Configure("unrouted = reject\nroute = [\"signup=signups\"]\n");
  Reload();
  ASSERT_TRUE(WaitForLog(*server_, "Reloaded the configuration", 1)) << server_->log();
  EXPECT_EQ(Send(early, "signup"), 201) << "the next request on an old connection";
  Client fresh(server_->port());
  EXPECT_EQ(Send(fresh, "signup"), 201) << "and on a new one";

  Configure("unrouted = reject\n");
  Reload();
  ASSERT_TRUE(WaitForLog(*server_, "Reloaded the configuration", 2)) << server_->log();
  EXPECT_EQ(Send(early, "signup"), 422);
  EXPECT_EQ(Send(fresh, "login"), 201);

  load.Stop();
  EXPECT_EQ(load.failed(), 0) << server_->log();
  EXPECT_GT(load.created(), 0);
  EXPECT_EQ(RecordsFor(dir_.Path("spool"), "signups"), 2u);
  EXPECT_NE(server_->log().find("route signup -> signups"), std::string::npos)
      << "the log names the new chain\n"
      << server_->log();
  EXPECT_EQ(server_->Signal(SIGTERM), 0) << server_->log();
}

TEST_F(RecvReloadTest, ABadConfigIsRefusedAndLoggedWhileServingGoesOn) {
  Start("route = [\"signup=signups\"]\n");
  Load load(server_->port(), 2);
  Client client(server_->port());

  Configure("route = [\"signup=bad table\"]\n");
  Reload();
  ASSERT_TRUE(WaitForLog(*server_, "Reload refused", 1)) << server_->log();
  const std::string log = server_->log();
  EXPECT_NE(log.find("still serving with the previous configuration"), std::string::npos) << log;
  EXPECT_NE(log.find("signup=bad table"), std::string::npos) << "names the value\n" << log;
  EXPECT_NE(log.find(config_ + ":1"), std::string::npos) << "and where it came from\n" << log;
  EXPECT_EQ(Send(client, "signup"), 201) << "the previous routes still hold";

  Configure("route = [\"signup=signups\"]\nroutes = [\"x=y\"]\n");
  Reload();
  ASSERT_TRUE(WaitForLog(*server_, "Reload refused", 2)) << server_->log();
  EXPECT_NE(server_->log().find(config_ + ":2: unknown key 'routes'"), std::string::npos)
      << server_->log();
  EXPECT_EQ(Send(client, "signup"), 201);

  load.Stop();
  EXPECT_EQ(load.failed(), 0) << server_->log();
  EXPECT_EQ(server_->Signal(SIGTERM), 0) << server_->log();
}

TEST_F(RecvReloadTest, ASettingThatTakesARestartIsNamedAndLeftAsItIs) {
  Start("threads = 2\n");
  Configure("threads = 3\nroute = [\"signup=signups\"]\n");
  Reload();
  ASSERT_TRUE(WaitForLog(*server_, "Reloaded the configuration", 1)) << server_->log();
  EXPECT_NE(server_->log().find("Reload: 'threads = 3' (" + config_ +
                                ":1) takes a restart; still using 'threads = 2'"),
            std::string::npos)
      << server_->log();
  Client client(server_->port());
  EXPECT_EQ(Send(client, "signup"), 201) << "the routes were applied all the same";
}

}  // namespace
}  // namespace logroute::testing
