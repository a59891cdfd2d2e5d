// The exit statuses the man pages give for a spool that cannot be used: a
// full disk is 75 (EX_TEMPFAIL: run again once there is room), a spool the
// tool may not write or read is 77 (EX_NOPERM). Real file systems: a small
// tmpfs, a read-only bind mount, each in a private mount namespace (root,
// as in CI), and a spool only root may enter, used as nobody.
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

class SpoolExitStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "mount namespaces need root (CI runs as root)";
  }
  // Runs `script` with /bin/sh in a mount namespace of its own; $0 is recv,
  // $1 flush, $2 stat, $3 the test's directory.
  RunResult InNamespace(const std::string& script, const std::string& input = "") {
    return Exec({"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                 kRecv, kFlush, kStat, dir_.path()},
                Clean({}, input));
  }
  TempDir dir_;
};

TEST_F(SpoolExitStatusTest, RecvOnAFullDiskExits75) {
  RunResult r = InNamespace(
      "mkdir \"$3/small\" && mount -t tmpfs -o size=64k logroute-test \"$3/small\" &&"
      " \"$0\" --stdin --spool \"$3/small/spool\"",
      Events(5000));
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
}

TEST_F(SpoolExitStatusTest, RecvAndFlushOnAReadOnlySpoolExit77) {
  SpoolEvents(dir_.Path("spool"), 2);
  RunResult r = InNamespace(
      "mount --bind \"$3/spool\" \"$3/spool\" && mount -o remount,ro,bind \"$3/spool\" &&"
      " \"$0\" --stdin --spool \"$3/spool\"; echo \"recv=$?\";"
      " \"$1\" --spool \"$3/spool\" --db \"sqlite:$3/events.db\"; echo \"flush=$?\"",
      Events(1));
  EXPECT_NE(r.out.find("recv=77\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("flush=77\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
}

TEST_F(SpoolExitStatusTest, AToolThatMayNotEnterTheSpoolExits77) {
  SpoolEvents(dir_.Path("spool"), 2);
  ASSERT_EQ(::chmod(dir_.Path("spool").c_str(), 0700), 0);
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid", "65534",
                                              "--regid",          "65534",   "--clear-groups"};
  auto run = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), as_nobody.begin(), as_nobody.end());
    return Exec(argv, Clean({}, Events(1)));
  };
  RunResult stat = run({kStat, "--spool", dir_.Path("spool")});
  EXPECT_EQ(stat.exit_code, 77) << stat.err;
  EXPECT_NE(stat.err.find("Permission denied"), std::string::npos) << stat.err;
  EXPECT_EQ(run({kRecv, "--stdin", "--spool", dir_.Path("spool")}).exit_code, 77);
  EXPECT_EQ(run({kFlush, "--spool", dir_.Path("spool"), "--db", "sqlite:/tmp/x.db"}).exit_code, 77);
}

}  // namespace
}  // namespace logroute::testing::ops
