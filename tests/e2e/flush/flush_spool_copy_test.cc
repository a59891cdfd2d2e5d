// A copied or restored spool (a VM clone, a restored backup, `cp -a` to
// "move" it) shares its identity and sequence numbers with the spool it came
// from. Flush must never take one of its segments for one already committed
// unless the ledger's row count and checksum match, must refuse a shard whose
// sequence numbers the ledger has already seen, and `--new-spool-id` gives the
// copy its own identity so that everything goes in exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

constexpr int kPartialExit = 79;

class FlushSpoolCopy : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { db_ = CreateTargetDb(GetParam(), dir_.path()); }

  RunResult FlushNow(const std::string& spool, const std::vector<std::string>& extra = {}) {
    return Flush(spool, db_->Dsn(), extra, db_->Env());
  }

  void Copy(const std::string& from, const std::string& to) {
    RunResult copied = testing::Run({"/bin/cp", "-a", from, to});
    ASSERT_EQ(copied.exit_code, 0) << copied.err;
  }

  static std::string SpoolId(const std::string& spool) {
    Result<spool::Spool> opened = spool::Spool::Open(spool, {});
    return opened.ok() ? opened->id() : "";
  }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushSpoolCopy, ::testing::Values("sqlite", "mariadb"));

// The reproduction: before the fix, the copy's event was taken for
// the original's (same key) and deleted.
TEST_P(FlushSpoolCopy, ACopyIsRefusedLoudlyAndLosesNothing) {
  const std::string a = dir_.Path("a"), b = dir_.Path("b");
  const std::vector<Ev> first = MakeEvents(1, 100), to_a = MakeEvents(1, 200),
                        to_b = MakeEvents(1, 300);
  ASSERT_EQ(Recv(a, first, {"--shards", "1"}), 1u);
  RunResult r = FlushNow(a);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Copy(a, b);
  ASSERT_EQ(Recv(a, to_a), 1u);
  ASSERT_EQ(Recv(b, to_b), 1u);

  r = FlushNow(a);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = FlushNow(b);
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("shard-00"));
  EXPECT_THAT(r.err, HasSubstr("copy or a restored backup"));
  EXPECT_THAT(r.err, HasSubstr("--new-spool-id"));
  EXPECT_EQ(StatTotals(b).events, 1u) << "the copy's event must stay in its spool";

  Contents expected;
  expected.Add(first);
  expected.Add(to_a);
  EXPECT_EQ(db_->Read({"logs"}), expected);

  // The documented remedy, then an ordinary pass: every event exactly once.
  const std::string old_id = SpoolId(b);
  r = FlushNow(b, {"--new-spool-id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(SpoolId(b), old_id);
  EXPECT_EQ(SpoolId(a), old_id);
  r = FlushNow(b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expected.Add(to_b);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(StatTotals(b).events, 0u);
  r = FlushNow(a);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

// The copy sealed its own segment under a number the original commits first:
// the key is in the ledger, but its checksum is another's. The segment stays.
TEST_P(FlushSpoolCopy, ALedgerHitWithAnotherChecksumKeepsTheSegment) {
  const std::string a = dir_.Path("a"), b = dir_.Path("b");
  const std::vector<Ev> first = MakeEvents(5, 100), to_a = MakeEvents(5, 200),
                        to_b = MakeEvents(7, 300);
  ASSERT_EQ(Recv(a, first, {"--shards", "1"}), first.size());
  ASSERT_EQ(FlushNow(a).exit_code, 0);
  Copy(a, b);
  ASSERT_EQ(Recv(b, to_b), to_b.size());
  SealAll(b);  // seg 2 of the copy, and its counter moves on to 3
  ASSERT_EQ(Recv(a, to_a), to_a.size());
  ASSERT_EQ(FlushNow(a).exit_code, 0);  // the original's seg 2

  RunResult r = FlushNow(b);
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("shard-00/seg-00000000000000000002"));
  EXPECT_THAT(r.err, HasSubstr("checksum"));
  EXPECT_THAT(r.err, HasSubstr("--new-spool-id"));
  EXPECT_EQ(Segments(b).size(), 1u);
  EXPECT_EQ(StatTotals(b).events, to_b.size());

  ASSERT_EQ(FlushNow(b, {"--new-spool-id"}).exit_code, 0);
  r = FlushNow(b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Contents expected;
  expected.Add(first);
  expected.Add(to_a);
  expected.Add(to_b);
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

// A segment sealed before the copy is in both spools: whichever flushes it
// first commits it; the other finds the same key with the same count and
// checksum, and removes its copy without inserting it again.
TEST_P(FlushSpoolCopy, ASegmentBothCopiesHoldGoesInOnce) {
  const std::string a = dir_.Path("a"), b = dir_.Path("b");
  const std::vector<Ev> shared = MakeEvents(50, 100);
  ASSERT_EQ(Recv(a, shared, {"--shards", "1"}), shared.size());
  SealAll(a);
  Copy(a, b);
  ASSERT_EQ(FlushNow(b).exit_code, 0);
  RunResult r = FlushNow(a);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("already_committed=1"));
  Contents expected;
  expected.Add(shared);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_TRUE(Segments(a).empty());
}

// --new-spool-id drops what the ledger verifiably holds (a segment both
// copies share, committed by the original) before changing the identity, so
// that it does not go in a second time under the new one.
TEST_P(FlushSpoolCopy, NewSpoolIdDropsSegmentsTheLedgerHoldsAndKeepsTheRest) {
  const std::string a = dir_.Path("a"), b = dir_.Path("b");
  const std::vector<Ev> shared = MakeEvents(40, 100), own = MakeEvents(30, 500);
  WriteBacklog(a, shared, "logs", 512, /*shards=*/4);
  SealAll(a);
  const size_t shared_segments = Segments(a).size();
  ASSERT_GE(shared_segments, 2u);
  Copy(a, b);
  ASSERT_EQ(FlushNow(a).exit_code, 0);
  WriteBacklog(b, own, "logs", 512, /*shards=*/4);
  SealAll(b);
  const size_t own_segments = Segments(b).size() - shared_segments;
  ASSERT_GE(own_segments, 1u);

  RunResult r = FlushNow(b, {"--new-spool-id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("removed " + std::to_string(shared_segments) +
                               " segments already committed"));
  EXPECT_EQ(Segments(b).size(), own_segments);
  r = FlushNow(b);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Contents expected;
  expected.Add(shared);
  expected.Add(own);
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

}  // namespace
}  // namespace logroute::testing::flush
