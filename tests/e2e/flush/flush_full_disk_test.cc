// A full disk, for real: the spool on a 4 MiB tmpfs filled to the last byte.
// Flush is what frees the space, so it must make progress there: every sealed
// segment drains, and the shard whose torn tail cannot be set aside yet is
// repaired by a later pass, once the unlinked segments made room. recv, on
// the same full disk, refuses (507 over HTTP, exit 75 on stdin) and leaves
// nothing of what it refused behind.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libcore/spool/record.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/e2e/http/http_test_util.h"
#include "tests/support/small_disk.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

// Every file under `dir` with its size: what "nothing changed" compares.
std::map<std::string, off_t> Tree(const std::string& dir) {
  std::map<std::string, off_t> files;
  for (const std::string& name : ListDir(dir)) {
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      for (const auto& [sub, size] : Tree(path)) files[name + "/" + sub] = size;
    } else {
      files[name] = st.st_size;
    }
  }
  return files;
}

class FlushFullDisk : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "mounts a tmpfs (CI runs as root)";
    disk_ = std::make_unique<SmallDisk>(dir_.Path("disk"), 4 << 20);
    ASSERT_TRUE(disk_->mounted());
    db_ = CreateTargetDb(GetParam(), dir_.path());  // the database is not on the full disk
    spool_ = disk_->path() + "/spool";
  }
  RunResult FlushNow() { return Flush(spool_, db_->Dsn(), {}, db_->Env()); }

  TempDir dir_;
  std::unique_ptr<SmallDisk> disk_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushFullDisk, ::testing::Values("sqlite", "mariadb"));

TEST_P(FlushFullDisk, FlushDrainsEverySealedSegmentAndRepairsTheTornTailOnceThereIsRoom) {
  Contents all = WriteGeneratedBacklog(spool_, 15000, 1, {"login", "logout"}, "logs", 32 << 10,
                                       /*shards=*/3);
  SealAll(spool_);  // the last batch too: only shard-00's `active` below waits
  {
    std::ofstream active(spool_ + "/shard-00/active", std::ios::app | std::ios::binary);
    for (const Ev& e : MakeEvents(30, 900000)) {
      std::string record;
      spool::AppendRecord({e.unix_ts, e.user_id, e.name}, "logs", 1700000000, &record);
      active << record;
      all.Add(e);
    }
    active << "0badc0de\t1700000000\tlogs\t1";  // a writer killed mid-record
  }
  ASSERT_GT(Segments(spool_).size(), 10u);
  disk_->Fill();

  RunResult r = FlushNow();
  EXPECT_EQ(r.exit_code, 75) << r.err;  // what is left is a temporary failure
  EXPECT_THAT(r.err, HasSubstr("shard-00"));
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_TRUE(Segments(spool_).empty()) << "every sealed segment drains on a full disk";
  EXPECT_EQ(db_->Read({"logs"}).count, all.count - 30);

  // The first pass freed room: the next one sets the torn tail aside and
  // flushes the records before it.
  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), all);
  EXPECT_EQ(StatTotals(spool_).events, 0u);
  EXPECT_EQ(StatTotals(spool_).reject_entries, 1u);
}

TEST_P(FlushFullDisk, RecvRefusesOnAFullDiskAndLeavesNothingBehind) {
  // Every shard has its files already, as on a spool in service (each recv
  // starts at a random shard).
  WriteGeneratedBacklog(spool_, 300, 1, {"login"}, "logs", 1 << 20, /*shards=*/2);
  uint64_t received = 300;
  for (int i = 0;
       i < 40 && Tree(spool_).count("shard-01/active") + Tree(spool_).count("shard-00/active") < 2;
       ++i) {
    received += Recv(spool_, MakeEvents(5, 1000 + 10 * i));
  }
  ASSERT_EQ(Tree(spool_).count("shard-01/active") + Tree(spool_).count("shard-00/active"), 2u);
  disk_->Fill();
  const auto before = Tree(spool_);
  const std::vector<Ev> batch = MakeEvents(300, 5000);  // more than a page

  RunResult r =
      testing::Run({LOGROUTE_RECV_BIN, "--spool", spool_, "--stdin"}, WithInput(Ndjson(batch)));
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_EQ(Tree(spool_), before);

  RecvServer server(spool_, {});
  ASSERT_TRUE(server.started()) << server.log();
  CurlResult posted = Curl({"-s", "-H", "Content-Type: application/x-ndjson", "--data-binary",
                            Ndjson(batch), server.url("/api/log")});
  EXPECT_EQ(posted.status, 507) << posted.body;
  EXPECT_EQ(server.Signal(SIGTERM), 0) << server.log();
  EXPECT_EQ(Tree(spool_), before);

  // Room again: the same batch goes in whole, once.
  disk_->Free();
  r = testing::Run({LOGROUTE_RECV_BIN, "--spool", spool_, "--stdin"}, WithInput(Ndjson(batch)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(FlushNow().exit_code, 0);
  EXPECT_EQ(db_->Read({"logs"}).count, received + batch.size());
}

}  // namespace
}  // namespace logroute::testing::flush
