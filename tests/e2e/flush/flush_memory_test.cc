// Memory stays bounded whatever the backlog: flush streams segments and sends
// rows in chunks. A backlog of several hundred MB is flushed and the flush
// process's peak RSS (wait4's ru_maxrss) must stay under 64 MiB.
#include <sys/resource.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

constexpr long kMaxRssKib = 64 << 10;

#if defined(__SANITIZE_ADDRESS__)
// ASan's shadow memory and quarantine multiply every allocation: a smaller
// backlog (still many segments), and the bound checked on the plain build only.
constexpr uint64_t kBacklogBytes = 48 << 20;
constexpr bool kCheckRss = false;
#else
constexpr uint64_t kBacklogBytes = 320 << 20;
constexpr bool kCheckRss = true;
#endif

class FlushMemory : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushMemory, ::testing::Values("sqlite", "mariadb"));

TEST_P(FlushMemory, PeakRssStaysUnder64MiBForABigBacklog) {
  TempDir dir;
  const std::unique_ptr<TargetDb> db = CreateTargetDb(GetParam(), dir.path());
  const std::string spool = dir.Path("spool");
  // Long names make big records: bytes, not only rows, must not pile up.
  // Records average about 180 bytes (a third are short ones).
  const std::string long_name(200, 'x');
  const size_t rows = kBacklogBytes / 180;
  const Contents expected = WriteGeneratedBacklog(
      spool, rows, 1, {long_name + "a", long_name + "b", "login"}, "logs", 16 << 20);
  // A child started by posix_spawn (vfork) inherits the parent's peak RSS in
  // ru_maxrss: the measure means something only while this process is small.
  rusage self = {};
  ::getrusage(RUSAGE_SELF, &self);
  if (kCheckRss) {
    ASSERT_LT(self.ru_maxrss, kMaxRssKib / 2) << "the test process itself is too big";
  }
  const SpoolTotals before = StatTotals(spool);
  ASSERT_GE(before.bytes, kBacklogBytes * 8 / 10);

  RunResult r = Flush(spool, db->Dsn(), {}, db->Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf("%s: flushed %.0f MiB (%zu rows), peak RSS %ld KiB\n%s", GetParam().c_str(),
              static_cast<double>(before.bytes) / (1 << 20), rows, r.max_rss_kib, r.err.c_str());
  if (kCheckRss) {
    EXPECT_LT(r.max_rss_kib, kMaxRssKib);
  }
  EXPECT_GT(r.max_rss_kib, 0);

  EXPECT_EQ(StatTotals(spool), SpoolTotals{});
  EXPECT_EQ(db->Read({"logs"}), expected);
}

}  // namespace
}  // namespace logroute::testing::flush
