// IngestStream (recv --stdin's loop) in process, where a test Env can make the
// spool fail: the counts must only ever claim events that are in the spool.
#include "tools/logroute-recv/stdin_ingest.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>

#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "tests/support/faulty_env.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::recv {
namespace {

std::string Events(int n, int first = 0) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    out += R"({"unix_ts":1,"user_id":)" + std::to_string(i) + R"(,"event_name":"login"})" + "\n";
  }
  return out;
}

// Feeds `input` through a pipe (a writer thread, so any size fits) to
// IngestStream, in writes of at most `chunk` bytes.
Status Ingest(const std::string& input, spool::SpoolWriter& writer, const IngestOptions& options,
              IngestStats* stats, size_t chunk = SIZE_MAX) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread feeder([&] {
    size_t done = 0;
    while (done < input.size()) {
      const ssize_t n = ::write(fds[1], input.data() + done, std::min(chunk, input.size() - done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  Result<chain::Chain> chain = chain::Chain::Create(chain::ChainConfig{});
  EXPECT_TRUE(chain.ok());
  Status status = IngestStream(fds[0], *chain, writer, options, stats);
  ::close(fds[0]);  // unblocks the feeder if ingestion stopped early
  feeder.join();
  return status;
}

TEST(StdinIngestTest, CountsWhatIsSpooled) {
  logroute::testing::TempDir tmp;
  Result<spool::Spool> spool = spool::Spool::Open(tmp.Path("s"), {.shards = 2, .create = true});
  ASSERT_TRUE(spool.ok());
  Result<std::unique_ptr<spool::SpoolWriter>> writer = spool::SpoolWriter::Open(*spool, {});
  ASSERT_TRUE(writer.ok());
  IngestStats stats;
  IngestOptions options;
  options.batch_bytes = 4096;  // many batches
  ASSERT_TRUE(Ingest(Events(5000) + "bad\n", **writer, options, &stats).ok());
  EXPECT_EQ(stats.accepted, 5000u);
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.lines, 5001u);
  EXPECT_EQ(stats.Summary(),
            "accepted=5000 rejected=1 dropped=0 lines=5001 tables=logs:5000 last_line=5001");
}

// However the input is cut into reads, the outcome is the same: lines are
// only ever split at LF, an overlong line is counted once and skipped whole.
TEST(StdinIngestTest, OutcomeDoesNotDependOnHowReadsCutTheInput) {
  const std::string event = R"({"unix_ts":1,"user_id":1,"event_name":"login"})";
  const std::string long_line =
      R"({"unix_ts":1,"user_id":99,"event_name":"login","p":")" + std::string(300, 'p') + "\"}";
  const std::string input = event + "\n" + long_line + "\n" + Events(1, 2) + long_line +
                            "\r\n\r\n" + Events(1, 3).substr(0, Events(1, 3).size() - 1) + "\r\n" +
                            "bad\n" + long_line + "\n" + long_line + long_line + "\n" +
                            Events(1, 4).substr(0, Events(1, 4).size() - 1);
  for (size_t chunk :
       {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, size_t{101}, size_t{4096}}) {
    logroute::testing::TempDir tmp;
    Result<spool::Spool> spool = spool::Spool::Open(tmp.Path("s"), {.shards = 1, .create = true});
    ASSERT_TRUE(spool.ok());
    Result<std::unique_ptr<spool::SpoolWriter>> writer = spool::SpoolWriter::Open(*spool, {});
    ASSERT_TRUE(writer.ok());
    IngestStats stats;
    IngestOptions options;
    options.max_line_bytes = 100;
    options.batch_bytes = 64;
    ASSERT_TRUE(Ingest(input, **writer, options, &stats, chunk).ok()) << chunk;
    EXPECT_EQ(stats.Summary(),
              "accepted=4 rejected=5 dropped=0 lines=10 tables=logs:4 last_line=10")
        << "chunk " << chunk;
    std::string user_ids;
    for (const std::string& line : spool::testing::ReadLines(spool->ActivePath(0))) {
      const Result<spool::Record> record = spool::DecodeRecord(line);
      ASSERT_TRUE(record.ok()) << record.status().message();
      user_ids += std::to_string(record->user_id) + ",";
    }
    EXPECT_EQ(user_ids, "1,2,3,4,") << "chunk " << chunk;
  }
}

TEST(StdinIngestTest, AFullDiskIsRetryableAndNothingIsClaimedAccepted) {
  logroute::testing::TempDir tmp;
  logroute::testing::FaultyEnv env;
  env.write_mode = logroute::testing::FaultyEnv::WriteMode::kNoSpace;
  Result<spool::Spool> spool =
      spool::Spool::Open(tmp.Path("s"), {.shards = 1, .create = true, .env = &env});
  ASSERT_TRUE(spool.ok());
  Result<std::unique_ptr<spool::SpoolWriter>> writer = spool::SpoolWriter::Open(*spool, {});
  ASSERT_TRUE(writer.ok());
  IngestStats stats;
  Status status = Ingest(Events(100), **writer, IngestOptions{}, &stats);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.retryable()) << status.message();
  EXPECT_EQ(stats.accepted, 0u) << stats.Summary();
  EXPECT_EQ(stats.last_line, 0u) << "a resume must start from the first line";
  EXPECT_TRUE(stats.per_table.empty()) << stats.Summary();
  EXPECT_LE(spool::testing::FileSize(spool->ActivePath(0)), 0);
}

// IngestStream on a spool of one shard, with its input and its stop
// descriptor as pipes the test writes (and keeps open).
class StopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<spool::Spool> spool = spool::Spool::Open(tmp_.Path("s"), {.shards = 1, .create = true});
    ASSERT_TRUE(spool.ok());
    spool_ = *spool;
    Result<std::unique_ptr<spool::SpoolWriter>> writer = spool::SpoolWriter::Open(spool_, {});
    ASSERT_TRUE(writer.ok());
    writer_ = std::move(*writer);
    ASSERT_EQ(::pipe(input_), 0);
    ASSERT_EQ(::pipe(stop_), 0);
    options_.stop_fd = stop_[0];
  }
  void TearDown() override {
    for (int fd : {input_[0], input_[1], stop_[0], stop_[1]}) ::close(fd);
  }
  void Write(int fd, const std::string& data) {
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  Status Ingest() {
    Result<chain::Chain> chain = chain::Chain::Create(chain::ChainConfig{});
    EXPECT_TRUE(chain.ok());
    return IngestStream(input_[0], *chain, *writer_, options_, &stats_);
  }

  logroute::testing::TempDir tmp_;
  spool::Spool spool_;
  std::unique_ptr<spool::SpoolWriter> writer_;
  int input_[2] = {-1, -1};
  int stop_[2] = {-1, -1};
  IngestOptions options_;
  IngestStats stats_;
};

// The stop descriptor (recv's signal pipe): whatever was read is spooled, the
// run ends before the next read, and last_line names the resume point, even
// while the input stays open and nothing more comes.
TEST_F(StopTest, AStopEndsTheRunAfterTheLinesReadAndNamesTheLastOne) {
  Write(input_[1], Events(300) + "bad\n" + Events(2, 300));
  std::thread stopper([&] {
    // Once the lines are read (the pipe is empty), as a signal would come.
    while (spool::testing::FileSize(spool_.ActivePath(0)) <= 0) std::this_thread::yield();
    Write(stop_[1], "x");
  });
  Status status = Ingest();
  stopper.join();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(stats_.interrupted);
  EXPECT_EQ(stats_.Summary(),
            "accepted=302 rejected=1 dropped=0 lines=303 tables=logs:302 last_line=303");
  EXPECT_EQ(spool::testing::ReadLines(spool_.ActivePath(0)).size(), 302u);
}

TEST_F(StopTest, AStopBeforeAnyInputReadsNothing) {
  Write(stop_[1], "x");
  Write(input_[1], "x\n");  // waiting, never read
  ASSERT_TRUE(Ingest().ok());
  EXPECT_TRUE(stats_.interrupted);
  EXPECT_EQ(stats_.lines, 0u);
  EXPECT_EQ(stats_.last_line, 0u);
}

}  // namespace
}  // namespace logroute::recv
