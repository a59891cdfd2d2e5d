// The cron file of packaging/cron, end to end: a copy pointed at a temporary
// spool and SQLite database goes into /etc/cron.d, Debian's cron daemon runs
// it, and the test waits (at most 75 s: cron counts in minutes) until flush has
// landed the spooled events. Changes the machine: installs cron when it is
// missing (left installed: scripts/install-deps.sh --test lists it), starts a
// cron daemon when none runs, and removes its cron.d file and stops the daemon
// it started.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

namespace fs = std::filesystem;

const std::string kCronFile = kSource + "/packaging/cron/logroute";

// Replaces every `from` in `text`; returns how many there were.
int ReplaceAll(std::string* text, const std::string& from, const std::string& to) {
  int count = 0;
  for (size_t at = text->find(from); at != std::string::npos;
       at = text->find(from, at + to.size())) {
    text->replace(at, from.size(), to);
    ++count;
  }
  return count;
}

// The packaged file, pointed at `dir`'s spool, database, lock and textfile
// directory, run as root.
std::string CronFileFor(const TempDir& dir) {
  std::string text = ReadFileOrDie(kCronFile);
  EXPECT_EQ(ReplaceAll(&text, "test -x /usr/bin/logroute-stat", "test -x " + kStat), 1);
  EXPECT_EQ(ReplaceAll(&text, "/usr/bin/logroute-stat", kStat + " --spool " + dir.Path("spool")),
            1);
  EXPECT_EQ(ReplaceAll(&text, "/var/lib/prometheus/node-exporter", dir.Path("textfile")), 2);
  EXPECT_EQ(ReplaceAll(&text, "test -x /usr/bin/logroute-flush", "test -x " + kFlush), 3);
  EXPECT_EQ(ReplaceAll(
                &text, "/usr/bin/logroute-flush",
                kFlush + " --spool " + dir.Path("spool") + " --db sqlite:" + dir.Path("events.db")),
            3);
  EXPECT_EQ(ReplaceAll(&text, "/var/lib/logroute/flush.lock", dir.Path("flush.lock")), 2);
  EXPECT_EQ(ReplaceAll(&text, "  logroute  ", "  root  "), 3);
  return text;
}

// The command of the cron file's first entry whose schedule is `schedule`
// (after the five time fields and the user).
std::string FirstCommand(const std::string& cron_file, const std::string& schedule = "* * * * *") {
  std::istringstream lines(cron_file);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(schedule + "  ", 0) != 0) continue;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 6; ++i) fields >> field;
    std::string rest;
    std::getline(fields, rest);
    return rest.substr(rest.find_first_not_of(' '));
  }
  return "";
}

// The content of a /proc file, or "" when the process is gone.
std::string ReadIfThere(const fs::path& path) {
  std::string content;
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) content.append(buffer, n);
    std::fclose(file);
  }
  return content;
}

// Cron runs each job in a session of its own, so stopping the daemon leaves a
// job still in its `sleep 30`. Ends the processes whose command line names
// `dir` (only this test's jobs do), and their children.
void EndJobsNaming(const std::string& dir) {
  std::set<pid_t> jobs;
  std::map<pid_t, pid_t> parent;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    const std::string args = ReadIfThere(entry.path() / "cmdline");
    if (pid != ::getpid() && args.find(dir) != std::string::npos) jobs.insert(pid);
    const std::string line = ReadIfThere(entry.path() / "stat");
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(line.substr(paren + 2));
    std::string state;
    pid_t ppid = 0;
    fields >> state >> ppid;
    parent[pid] = ppid;
  }
  for (const auto& [pid, ppid] : parent) {
    if (jobs.count(ppid)) ::kill(pid, SIGTERM);
  }
  for (pid_t pid : jobs) ::kill(pid, SIGTERM);
}

std::string Rows(const TempDir& dir) {
  return Sh("sqlite3 " + ShellQuote(dir.Path("events.db")) + " 'SELECT count(*) FROM logs'" +
                " 2>/dev/null",
            Clean())
      .out;
}

TEST(CronFileTest, RunsFlushTwiceAMinuteUnderFlockIntoSyslog) {
  const std::string text = ReadFileOrDie(kCronFile);
  int entries = 0, after_sleep = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("* * * * *", 0) != 0 || line.find("logroute-stat") != std::string::npos) {
      continue;
    }
    ++entries;
    if (line.find(" logroute  sleep 30; ") != std::string::npos) ++after_sleep;
    EXPECT_NE(line.find("flock -n "), std::string::npos) << line;
    EXPECT_NE(line.find("2>&1 | logger -t logroute-flush"), std::string::npos) << line;
    EXPECT_NE(line.find("/usr/bin/logroute-flush"), std::string::npos) << line;
  }
  EXPECT_EQ(entries, 2);
  EXPECT_EQ(after_sleep, 1);
}

// The node_exporter recipe: stat --textfile once a minute, where the
// directory exists, and not while the systemd timer does the same.
TEST(CronFileTest, WritesStatsTextfileOnceAMinuteWhereNodeExporterLooks) {
  const std::string text = ReadFileOrDie(kCronFile);
  std::string stat_line;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("* * * * *", 0) == 0 && line.find("logroute-stat") != std::string::npos) {
      EXPECT_EQ(stat_line, "") << "one entry";
      stat_line = line;
    }
  }
  for (const char* part : {" root  ", "test -d /var/lib/prometheus/node-exporter || exit 0",
                           "systemctl is-enabled -q logroute-stat.timer",
                           "/usr/bin/logroute-stat --textfile "
                           "/var/lib/prometheus/node-exporter/logroute-stat.prom",
                           "2>&1 | logger -t logroute-stat"}) {
    EXPECT_NE(stat_line.find(part), std::string::npos) << part << " in " << stat_line;
  }
  EXPECT_EQ(stat_line.find(".tmp"), std::string::npos) << "no redirect-and-mv recipe";
}

TEST(CronFileTest, TheStatEntryWritesTheTextfileOnlyWhereTheDirectoryIs) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 4);
  const std::string cron = CronFileFor(dir);
  const std::string line = cron.substr(cron.rfind("* * * * *"));
  std::string command = line.substr(line.find("  root  ") + 8);
  command = command.substr(0, command.find('\n'));
  RunResult absent = Sh(command, Clean());
  EXPECT_EQ(absent.exit_code, 0) << absent.out << absent.err;
  EXPECT_FALSE(fs::exists(dir.Path("textfile"))) << "no directory, nothing written";
  fs::create_directories(dir.Path("textfile"));
  RunResult present = Sh(command, Clean());
  EXPECT_EQ(present.exit_code, 0) << present.out << present.err;
  const std::string metrics = ReadFileOrDie(dir.Path("textfile/logroute-stat.prom"));
  EXPECT_NE(metrics.find("logroute_spool_events{"), std::string::npos) << metrics;
}

TEST(CronFileTest, AnOverlappingRunExitsAtOnce) {
  // While another run holds the lock, the entry's command returns without
  // waiting for it and without flushing.
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 5);
  const std::string command = FirstCommand(CronFileFor(dir));
  ASSERT_NE(command.find("flock -n"), std::string::npos) << command;
  // The holder is one process (sh execs sleep with the locked descriptor), so
  // that killing it releases the lock.
  const pid_t holder =
      Spawn({"/bin/sh", "-c", "exec 9>\"$0\" && flock 9 && exec sleep 120", dir.Path("flush.lock")},
            dir.Path("holder.out"), dir.Path("holder.err"), Clean());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Sh("flock -n " + ShellQuote(dir.Path("flush.lock")) + " true", Clean()).exit_code == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the holder never took the lock";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  RunResult blocked = Sh(command, Clean());
  EXPECT_EQ(::kill(holder, 0), 0) << "the run returned while the holder still ran";
  EXPECT_EQ(Rows(dir), "") << "nothing was flushed by the overlapping run";
  ::kill(holder, SIGTERM);
  Wait(holder);
  RunResult free_run = Sh(command, Clean());
  EXPECT_EQ(Rows(dir), "5\n") << free_run.err;
}

TEST(CronFileTest, StandsDownWhileTheSystemdTimerIsEnabled) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 3);
  const std::string command = FirstCommand(CronFileFor(dir));
  // A systemctl that answers like systemd's when the timer is enabled.
  fs::create_directories(dir.Path("bin"));
  WriteFileOrDie(dir.Path("bin/systemctl"),
                 "#!/bin/sh\n[ \"$*\" = \"is-enabled -q logroute-flush.timer\" ]\n");
  ::chmod(dir.Path("bin/systemctl").c_str(), 0755);
  const char* path = std::getenv("PATH");
  Sh(command, Clean({"PATH=" + dir.Path("bin") + ":" + (path ? path : "/usr/bin:/bin")}));
  EXPECT_EQ(Rows(dir), "") << "the timer's host flushes through systemd, not cron";
  Sh(command, Clean());  // the real systemctl: no such timer enabled here
  EXPECT_EQ(Rows(dir), "3\n");
}

// The third entry: once a day, rejects files older than 30 days go, unless
// the systemd timer that does the same is enabled.
TEST(CronFileTest, PurgesRejectsOlderThanThirtyDaysDaily) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 1);
  const std::string command = FirstCommand(CronFileFor(dir), "17 4 * * *");
  ASSERT_NE(command.find("--purge-rejects 30d 2>&1 | logger -t logroute-flush"), std::string::npos)
      << command;
  const std::string old_file = dir.Path("spool/rejects/old.rej");
  const std::string new_file = dir.Path("spool/rejects/new.rej");
  WriteFileOrDie(old_file, "");
  WriteFileOrDie(new_file, "");
  ASSERT_EQ(Sh("touch -d '31 days ago' " + ShellQuote(old_file), Clean()).exit_code, 0);
  ASSERT_EQ(Sh("touch -d '29 days ago' " + ShellQuote(new_file), Clean()).exit_code, 0);

  fs::create_directories(dir.Path("bin"));
  WriteFileOrDie(dir.Path("bin/systemctl"),
                 "#!/bin/sh\n[ \"$*\" = \"is-enabled -q logroute-purge-rejects.timer\" ]\n");
  ::chmod(dir.Path("bin/systemctl").c_str(), 0755);
  const char* path = std::getenv("PATH");
  Sh(command, Clean({"PATH=" + dir.Path("bin") + ":" + (path ? path : "/usr/bin:/bin")}));
  EXPECT_TRUE(fs::exists(old_file)) << "the timer's host purges through systemd, not cron";
  RunResult purged = Sh(command, Clean());
  EXPECT_EQ(purged.exit_code, 0) << purged.err;
  EXPECT_FALSE(fs::exists(old_file));
  EXPECT_TRUE(fs::exists(new_file));
}

// Installs Debian's cron when it is missing. Returns an error text, or "".
std::string EnsureCronInstalled() {
  if (HaveCommand("cron")) return "";
  if (::geteuid() != 0) return "cron is missing and only root can install it";
  RunResult r = Sh(R"(
    set -u
    created=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then  # keep the package from starting its service
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      created=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    install() { apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 cron; }
    install || { apt-get update -qq -o DPkg::Lock::Timeout=300 && install; }
    rc=$?
    [ -n "$created" ] && rm -f /usr/sbin/policy-rc.d
    exit $rc)",
                   Clean());
  return r.exit_code == 0 ? "" : "cannot install cron: " + r.out + r.err;
}

TEST(CronE2eTest, TheCronDaemonRunsFlushFromCronD) {
  ASSERT_EQ(::geteuid(), 0u) << "writes /etc/cron.d: run as root (CI does)";
  ASSERT_EQ(EnsureCronInstalled(), "");
  ASSERT_TRUE(HaveCommand("sqlite3"));
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  SpoolEvents(dir.Path("spool"), 40);

  fs::create_directories("/etc/cron.d");
  const std::string installed = "/etc/cron.d/logroute-test-" + std::to_string(::getpid());
  WriteFileOrDie(installed, CronFileFor(dir));
  ::chmod(installed.c_str(), 0644);  // cron ignores group- or world-writable files

  pid_t daemon = -1;
  if (Sh("pgrep -x cron >/dev/null", Clean()).exit_code != 0) {
    daemon =
        Spawn({"/usr/bin/env", "cron", "-f"}, dir.Path("cron.out"), dir.Path("cron.err"), Clean());
  }
  std::string rows;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(75);
  while (std::chrono::steady_clock::now() < deadline) {
    rows = Rows(dir);
    if (rows == "40\n") break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  fs::remove(installed);
  if (daemon > 0) {
    ::kill(daemon, SIGTERM);
    Wait(daemon);
  }
  EndJobsNaming(dir.path());
  EXPECT_EQ(rows, "40\n") << "cron did not flush within 75 s; cron's stderr:\n"
                          << (daemon > 0 ? ReadFileOrDie(dir.Path("cron.err")) : "(not ours)");
  EXPECT_FALSE(fs::exists(installed));
}

}  // namespace
}  // namespace logroute::testing::ops
