// A writer killed in the middle of its write(2), at a chosen byte: the kernel
// cuts a write at page boundaries, so the cut may fall right after a line end
// and leave whole records of a batch that did not land whole. A child process
// appends one batch through libcore's SpoolWriter with an Env whose write stops
// at the cut and SIGKILLs the process; then the real recv appends more and the
// real flush loads the spool into SQLite. None of the cut batch may reach the
// table (a batch lands whole or not at all, doc/guarantees.md), all of it must
// be in rejects/ as a torn tail, and what came before and after is loaded once.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "libcore/base/env.h"
#include "libcore/event/event.h"
#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "libcore/spool/writer.h"
#include "tests/e2e/crash/crash_util.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/faulty_env.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

// Writes the first `cut` bytes of the first write, then dies as a SIGKILL would leave it.
class DyingEnv : public FaultyEnv {
 public:
  explicit DyingEnv(size_t cut) : cut_(cut) {}
  Result<size_t> OnWrite(File& real, std::string_view data) override {
    if (cut_ > 0) (void)real.Write(data.substr(0, std::min(cut_, data.size())));
    ::raise(SIGKILL);
    return Status::Internal("not reached");
  }

 private:
  size_t cut_;
};

std::string Records(int64_t first, int64_t count) {
  std::string out;
  for (int64_t id = first; id < first + count; ++id) {
    spool::AppendRecord(event::Event{UnixTsFor(id), id, NameFor(id)}, "logs", 1700000000, &out);
  }
  return out;
}

// Appends records of ids first..first+count-1 as one batch in a child that is
// killed after `cut` bytes; returns the child's exit status.
int AppendAndDie(const std::string& dir, int64_t first, int64_t count, size_t cut) {
  const std::string batch = Records(first, count);
  const pid_t pid = ::fork();
  if (pid == 0) {
    DyingEnv env(cut);
    Result<spool::Spool> opened = spool::Spool::Open(dir, {.env = &env});
    if (!opened.ok()) ::_exit(1);
    auto writer = spool::SpoolWriter::Open(*opened, {});
    if (!writer.ok()) ::_exit(2);
    (void)(*writer)->Append(batch);
    ::_exit(3);  // not reached: the write kills the process
  }
  return Wait(pid);
}

// The byte count of the first `lines` records of ids first...
size_t LinesBytes(int64_t first, int64_t lines) { return Records(first, lines).size(); }

struct Case {
  const char* name;
  bool at_line_end;  // the cut falls right after a record's LF
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class PartialBatch : public ::testing::TestWithParam<Case> {};

INSTANTIATE_TEST_SUITE_P(Cuts, PartialBatch,
                         ::testing::Values(Case{"AtLineEnd", true}, Case{"MidRecord", false}),
                         [](const auto& test) { return std::string(test.param.name); });

TEST_P(PartialBatch, KilledWriterLeavesNothingOfItsBatch) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  const std::string db_path = dir.Path("events.db");
  const std::vector<std::string> recv = {LOGROUTE_RECV_BIN, "--spool",  spool,
                                         "--stdin",         "--shards", "1"};
  RunResult r = testing::Run(recv, flush::WithInput(Ndjson(1, 10)));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Ids 100..149 in one batch, cut after 20 whole records (plus 7 bytes of the 21st).
  const size_t cut = LinesBytes(100, 20) + (GetParam().at_line_end ? 0 : 7);
  ASSERT_EQ(AppendAndDie(spool, 100, 50, cut), 128 + SIGKILL);

  r = testing::Run(recv, flush::WithInput(Ndjson(200, 10)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = flush::Flush(spool, "sqlite:" + db_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const std::unordered_map<int64_t, int> rows = CheckRows(ReadRows(db_path));
  EXPECT_EQ(CountPresent(rows, {1, 10}), 10);
  EXPECT_EQ(CountPresent(rows, {100, 50}), 0) << "a part of a batch that did not land whole";
  EXPECT_EQ(CountPresent(rows, {200, 10}), 10);
  EXPECT_EQ(rows.size(), 20u);

  const std::vector<RejectEntry> rejects = ReadRejects(spool);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].source, "shard-00/active");
  EXPECT_EQ(rejects[0].reason.rfind("torn tail", 0), 0u) << rejects[0].reason;
  std::string escaped;
  spool::AppendEscapedBytes(Records(100, 50).substr(0, cut), &escaped);
  EXPECT_EQ(rejects[0].data, escaped);
}

}  // namespace
}  // namespace logroute::testing::crash
