// The systemd units of packaging/systemd: `systemd-analyze verify` accepts
// them (with ExecStart pointed at the built binaries, and man:
// Documentation= resolved against man/), the sandbox is what the package
// promises, and the sysusers/tmpfiles snippets work in a scratch root.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

namespace fs = std::filesystem;

const std::string kUnits = kSource + "/packaging/systemd/";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Copies the units into `dir`, ExecStart pointed at the built binaries, and
// the man pages into dir/man/man{1,7} for --man=yes.
void StageUnits(const TempDir& dir) {
  for (const char* unit : {"logroute-recv.service", "logroute-flush.service",
                           "logroute-flush.timer", "logroute-stat.service", "logroute-stat.timer",
                           "logroute-purge-rejects.service", "logroute-purge-rejects.timer"}) {
    std::string text = ReadFileOrDie(kUnits + unit);
    text = Replace(text, "/usr/bin/logroute-recv", kRecv);
    text = Replace(text, "/usr/bin/logroute-flush", kFlush);
    text = Replace(text, "/usr/bin/logroute-stat", kStat);
    WriteFileOrDie(dir.Path(unit), text);
  }
  for (const char* page :
       {"logroute-recv.1", "logroute-flush.1", "logroute-stat.1", "logroute.7"}) {
    const std::string section = std::string("man") + std::string(page).back();
    fs::create_directories(dir.Path("man/" + section));
    fs::copy_file(kSource + "/man/" + page, dir.Path("man/" + section + "/" + page));
  }
}

RunResult Verify(const TempDir& dir) {
  return Sh(
      "cd " + ShellQuote(dir.path()) +
          " && systemd-analyze verify --man=yes ./logroute-recv.service"
          " ./logroute-flush.service ./logroute-flush.timer ./logroute-stat.service"
          " ./logroute-stat.timer ./logroute-purge-rejects.service ./logroute-purge-rejects.timer",
      Clean({"MANPATH=" + dir.Path("man"), "SYSTEMD_LOG_COLOR=0"}));
}

class SystemdUnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveCommand("systemd-analyze")) GTEST_SKIP() << "systemd-analyze is not installed";
  }
};

TEST_F(SystemdUnitsTest, VerifyAcceptsThemWithoutAWarning) {
  TempDir dir;
  StageUnits(dir);
  RunResult r = Verify(dir);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "") << "every line systemd-analyze prints is a finding";
}

TEST_F(SystemdUnitsTest, VerifyWouldCatchAnUnknownKeyOrAMissingBinary) {
  TempDir dir;
  StageUnits(dir);
  WriteFileOrDie(
      dir.Path("logroute-flush.timer"),
      Replace(ReadFileOrDie(dir.Path("logroute-flush.timer")), "AccuracySec=", "AccuracySecs="));
  WriteFileOrDie(
      dir.Path("logroute-recv.service"),
      Replace(ReadFileOrDie(dir.Path("logroute-recv.service")), kRecv, dir.Path("no-such-binary")));
  RunResult r = Verify(dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("AccuracySecs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no-such-binary"), std::string::npos) << r.err;
}

TEST(SystemdUnitsContentTest, RecvRunsSandboxedAsTheLogrouteUser) {
  const std::string unit = ReadFileOrDie(kUnits + "logroute-recv.service");
  for (const char* line :
       {"\nUser=logroute\n", "\nStateDirectory=logroute\n", "\nProtectSystem=strict\n",
        "\nNoNewPrivileges=yes\n", "\nPrivateTmp=yes\n", "\nProtectHome=yes\n",
        "\nCapabilityBoundingSet=\n", "\nExecStart=/usr/bin/logroute-recv --listen "}) {
    EXPECT_NE(unit.find(line), std::string::npos) << line;
  }
}

TEST(SystemdUnitsContentTest, FlushIsAOneshotTimedEveryThirtySeconds) {
  const std::string service = ReadFileOrDie(kUnits + "logroute-flush.service");
  EXPECT_NE(service.find("\nType=oneshot\n"), std::string::npos);
  EXPECT_NE(service.find("\nUser=logroute\n"), std::string::npos);
  EXPECT_NE(service.find("\nProtectSystem=strict\n"), std::string::npos);
  EXPECT_NE(service.find("\nSuccessExitStatus=75\n"), std::string::npos);
  const std::string timer = ReadFileOrDie(kUnits + "logroute-flush.timer");
  EXPECT_NE(timer.find("\nOnUnitActiveSec=30s\n"), std::string::npos);
  EXPECT_NE(timer.find("\nAccuracySec=1s\n"), std::string::npos);
  EXPECT_NE(timer.find("\nWantedBy=timers.target\n"), std::string::npos);
}

TEST(SystemdUnitsContentTest, RecvReloadsOnSystemctlReload) {
  const std::string unit = ReadFileOrDie(kUnits + "logroute-recv.service");
  EXPECT_NE(unit.find("\nExecReload=/bin/kill -HUP $MAINPID\n"), std::string::npos) << unit;
}

// The node_exporter recipe: --textfile (atomic, written also when a
// threshold is crossed, which is no failure here) into Debian's directory.
TEST(SystemdUnitsContentTest, StatFeedsNodeExporterEveryThirtySeconds) {
  const std::string service = ReadFileOrDie(kUnits + "logroute-stat.service");
  for (const char* line :
       {"\nType=oneshot\n", "\nGroup=logroute\n", "\nCapabilityBoundingSet=\n",
        "\nProtectSystem=strict\n", "\nReadWritePaths=/var/lib/prometheus/node-exporter\n",
        "\nConditionPathIsDirectory=/var/lib/prometheus/node-exporter\n",
        "\nExecStart=/usr/bin/logroute-stat --textfile "
        "/var/lib/prometheus/node-exporter/logroute-stat.prom\n",
        "\nSuccessExitStatus=1\n", "\nUMask=0022\n"}) {
    EXPECT_NE(service.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(service.find("--prometheus"), std::string::npos) << "no redirect-and-mv recipe";
  const std::string timer = ReadFileOrDie(kUnits + "logroute-stat.timer");
  EXPECT_NE(timer.find("\nOnUnitActiveSec=30s\n"), std::string::npos);
  EXPECT_NE(timer.find("\nWantedBy=timers.target\n"), std::string::npos);
}

TEST(SystemdUnitsContentTest, OldRejectsArePurgedDailyOnceTheFlushTimerIsEnabled) {
  const std::string service = ReadFileOrDie(kUnits + "logroute-purge-rejects.service");
  EXPECT_NE(service.find("\nType=oneshot\n"), std::string::npos);
  EXPECT_NE(service.find("\nUser=logroute\n"), std::string::npos);
  EXPECT_NE(service.find("\nProtectSystem=strict\n"), std::string::npos);
  EXPECT_NE(service.find("\nEnvironment=LOGROUTE_PURGE_REJECTS=30d\n"), std::string::npos);
  EXPECT_NE(service.find("\nExecStart=/usr/bin/logroute-flush --purge-rejects "
                         "${LOGROUTE_PURGE_REJECTS}\n"),
            std::string::npos);
  const std::string timer = ReadFileOrDie(kUnits + "logroute-purge-rejects.timer");
  EXPECT_NE(timer.find("\nOnCalendar=*-*-* 03:00:00\n"), std::string::npos);
  EXPECT_NE(timer.find("\nPersistent=true\n"), std::string::npos);
  EXPECT_NE(timer.find("\nWantedBy=timers.target\n"), std::string::npos);
  EXPECT_NE(
      ReadFileOrDie(kUnits + "logroute-flush.timer").find("\nAlso=logroute-purge-rejects.timer\n"),
      std::string::npos);
}

TEST(SystemdSnippetsTest, SysusersAndTmpfilesCreateUserAndSpoolInAScratchRoot) {
  if (!HaveCommand("systemd-sysusers") || !HaveCommand("systemd-tmpfiles")) {
    GTEST_SKIP() << "systemd-sysusers/systemd-tmpfiles are not installed";
  }
  TempDir root;
  fs::create_directories(root.Path("etc"));
  RunResult users = Exec(
      {"/usr/bin/env", "systemd-sysusers", "--root=" + root.path(), kUnits + "logroute.sysusers"},
      Clean());
  ASSERT_EQ(users.exit_code, 0) << users.err;
  const std::string passwd = ReadFileOrDie(root.Path("etc/passwd"));
  EXPECT_NE(passwd.find("logroute:x:"), std::string::npos) << passwd;
  EXPECT_NE(passwd.find(":/var/lib/logroute:/usr/sbin/nologin"), std::string::npos) << passwd;

  RunResult dirs = Exec({"/usr/bin/env", "systemd-tmpfiles", "--root=" + root.path(), "--create",
                         kUnits + "logroute.tmpfiles"},
                        Clean());
  ASSERT_EQ(dirs.exit_code, 0) << dirs.err;
  struct stat spool = {};
  ASSERT_EQ(::stat(root.Path("var/lib/logroute/spool").c_str(), &spool), 0);
  EXPECT_TRUE(S_ISDIR(spool.st_mode));
  EXPECT_EQ(spool.st_mode & 07777, 0750u);
  EXPECT_NE(spool.st_uid, 0u) << "owned by the logroute user, not root";
}

}  // namespace
}  // namespace logroute::testing::ops
