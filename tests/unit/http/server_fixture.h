// A Server in-process on a free port of 127.0.0.1, over a one-shard spool
// whose Env can fail on purpose (FaultyEnv), run on its own thread until the
// test ends.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "libcore/chain/live_chain.h"
#include "libcore/http/server.h"
#include "tests/support/faulty_env.h"
#include "tests/support/temp_dir.h"

namespace logroute::http {

class ServerTest : public ::testing::Test {
 protected:
  // Serves with `options` (its listen address and signal handling aside).
  void Start(bool fsync, ServerOptions options = {}) {
    auto spool =
        spool::Spool::Open(dir_.Path("spool"), {.shards = 1, .create = true, .env = &env_});
    ASSERT_TRUE(spool.ok()) << spool.status().message();
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = fsync});
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    writer_ = std::move(*writer);
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
  testing::FaultyEnv env_;
  chain::LiveChain chain_{std::move(chain::Chain::Create(chain::ChainConfig{}).value())};
  std::unique_ptr<spool::SpoolWriter> writer_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Status run_status_;
  int port_ = 0;
};

}  // namespace logroute::http
