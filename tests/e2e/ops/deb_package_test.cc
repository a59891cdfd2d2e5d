// The Debian package: `cpack -G DEB` builds logroute_<version>_amd64.deb with
// computed dependencies and maintainer scripts, and deb_package_test.sh
// installs it with dpkg -i, uses it, upgrades it to a second build (another
// version), removes and purges it, checking what the scripts ask of systemd. Changes the machine
// (label `machine`): it needs root and removes what it added (the package, and the logroute user
// and /var/lib/logroute when they were not there before).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

namespace fs = std::filesystem;

// Builds the package into `dir`; returns its path, or "" on failure. A
// `version` other than "" overrides the project's, for an upgrade to test.
std::string BuildPackage(const TempDir& dir, const std::string& version = "") {
  std::vector<std::string> argv = {"/usr/bin/env", "cpack",    "-G",
                                   "DEB",          "--config", kBuild + "/CPackConfig.cmake",
                                   "-B",           dir.path()};
  if (!version.empty()) argv.insert(argv.end(), {"-D", "CPACK_PACKAGE_VERSION=" + version});
  RunResult r = Exec(argv, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".deb") return entry.path().string();
  }
  ADD_FAILURE() << "no .deb in " << dir.path() << "\n" << r.out;
  return "";
}

TEST(DebPackageTest, CpackBuildsItWithComputedDependenciesAndScripts) {
  TempDir dir;
  const std::string deb = BuildPackage(dir);
  ASSERT_FALSE(deb.empty());
  EXPECT_EQ(fs::path(deb).filename().string().rfind("logroute_0.1.0_", 0), 0u) << deb;
  RunResult info = Exec({"/usr/bin/env", "dpkg-deb", "--field", deb, "Depends"}, Clean());
  ASSERT_EQ(info.exit_code, 0) << info.err;
  for (const char* dependency : {"libc6", "libstdc++6", "libsqlite3-0", "libmariadb3"}) {
    EXPECT_NE(info.out.find(dependency), std::string::npos) << "shlibdeps: " << info.out;
  }
  RunResult files = Exec({"/usr/bin/env", "dpkg-deb", "--contents", deb}, Clean());
  ASSERT_EQ(files.exit_code, 0) << files.err;
  for (const char* path :
       {"./usr/bin/logroute-recv", "./usr/bin/logroute-flush", "./usr/bin/logroute-stat",
        "./usr/share/man/man1/logroute-recv.1.gz", "./usr/share/man/man1/logroute-flush.1.gz",
        "./usr/share/man/man1/logroute-stat.1.gz", "./usr/share/man/man7/logroute.7.gz",
        "./usr/lib/systemd/system/logroute-recv.service",
        "./usr/lib/systemd/system/logroute-flush.service",
        "./usr/lib/systemd/system/logroute-flush.timer",
        "./usr/lib/systemd/system/logroute-stat.service",
        "./usr/lib/systemd/system/logroute-stat.timer",
        "./usr/lib/systemd/system/logroute-purge-rejects.service",
        "./usr/lib/systemd/system/logroute-purge-rejects.timer",
        "./usr/lib/sysusers.d/logroute.conf", "./usr/lib/tmpfiles.d/logroute.conf",
        "./etc/cron.d/logroute", "./etc/logroute/logroute.conf",
        "./usr/share/doc/logroute/examples/logroute.conf"}) {
    EXPECT_NE(files.out.find(std::string(path) + "\n"), std::string::npos) << path;
  }
  // The maintainer scripts, executable.
  RunResult listing =
      Exec({"/bin/bash", "-c", "set -o pipefail; dpkg-deb --ctrl-tarfile \"$0\" | tar -tvf -", deb},
           Clean());
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  for (const char* script : {"./prerm", "./postinst", "./postrm"}) {
    const size_t at = listing.out.find(std::string(" ") + script + "\n");
    ASSERT_NE(at, std::string::npos) << script << " is missing:\n" << listing.out;
    const size_t line = listing.out.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
    EXPECT_EQ(listing.out.substr(line, 10), "-rwxr-xr-x") << listing.out;
  }
}

TEST(DebPackageTest, InstallsUpgradesRemovesAndPurgesWithDpkg) {
  ASSERT_EQ(::geteuid(), 0u) << "dpkg -i needs root (CI runs as root)";
  ASSERT_TRUE(HaveCommand("unshare") && HaveCommand("runuser") && HaveCommand("man"));
  ASSERT_NE(
      Sh("dpkg-query -W -f='${Status}' logroute 2>/dev/null | grep -q 'ok installed'", Clean())
          .exit_code,
      0)
      << "a logroute package is already installed on this machine; the test leaves it alone";
  TempDir dir, newer_dir;
  const std::string deb = BuildPackage(dir);
  ASSERT_FALSE(deb.empty());
  const std::string newer_deb = BuildPackage(newer_dir, "0.1.99");
  ASSERT_FALSE(newer_deb.empty());
  EXPECT_NE(newer_deb.find("logroute_0.1.99_"), std::string::npos) << newer_deb;

  const bool had_user = Sh("getent passwd logroute >/dev/null", Clean()).exit_code == 0;
  const bool had_group = Sh("getent group logroute >/dev/null", Clean()).exit_code == 0;
  const bool had_state = fs::exists("/var/lib/logroute");
  const bool had_etc = fs::exists("/etc/logroute");
  const bool had_cron_d = fs::exists("/etc/cron.d");
  fs::create_directories("/etc/logroute");  // mount points of the script's namespace
  fs::create_directories("/etc/cron.d");

  RunResult r = Exec({"/usr/bin/env", "unshare", "--mount", "--propagation", "private", "bash",
                      kSource + "/tests/e2e/ops/deb_package_test.sh", deb, newer_deb},
                     Clean());

  if (!had_user) Sh("userdel logroute 2>/dev/null", Clean());
  if (!had_group) Sh("groupdel logroute 2>/dev/null", Clean());
  std::error_code ignored;
  if (!had_state) fs::remove_all("/var/lib/logroute", ignored);
  if (!had_etc) fs::remove("/etc/logroute", ignored);
  if (!had_cron_d) fs::remove("/etc/cron.d", ignored);

  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* check : {"ok: logroute-recv --version runs from the package",
                            "ok: man -w logroute-recv finds the installed page",
                            "ok: flush loads it with the packaged config",
                            "ok: install: nothing is started before the operator sets the database",
                            "ok: upgrade: the running units are restarted, the others left alone",
                            "ok: remove: recv, the timer and a flush in progress are stopped",
                            "ok: purge: the units' enablement state is forgotten",
                            "ok: no systemd: nothing is started, stopped or reloaded",
                            "ok: purge removes the binaries"}) {
    EXPECT_NE(r.out.find(check), std::string::npos) << check << "\n" << r.out << r.err;
  }
  EXPECT_NE(
      Sh("dpkg-query -W -f='${Status}' logroute 2>/dev/null | grep -q 'ok installed'", Clean())
          .exit_code,
      0)
      << "the package is gone";
  EXPECT_EQ(Sh("getent passwd logroute >/dev/null", Clean()).exit_code == 0, had_user);
}

}  // namespace
}  // namespace logroute::testing::ops
