// --version: the tool's name, the version, the git revision the build was
// configured from ("unknown" from a source tarball) and the build type.
#include <gtest/gtest.h>

#include <regex>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

TEST(VersionTest, NameVersionRevisionAndBuildType) {
  RunResult head = Sh("git -C " + ShellQuote(kSource) + " rev-parse --short=12 HEAD", Clean());
  ASSERT_EQ(head.exit_code, 0) << "the tests run from a git checkout: " << head.err;
  const std::string revision = head.out.substr(0, head.out.find('\n'));
  for (const std::string& tool : {kRecv, kFlush, kStat}) {
    RunResult r = Exec({tool, "--version"}, Clean());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string name = tool.substr(tool.rfind('/') + 1);
    static const std::regex kLine(R"(^(logroute-[a-z]+) 0\.1\.0 \(revision ([0-9a-f]{12}), )"
                                  R"(([A-Za-z]+(\+[A-Za-z+]+)?) build\)\n$)");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(r.out, m, kLine)) << r.out;
    EXPECT_EQ(m[1], name);
    EXPECT_EQ(m[2], revision) << "configured from another commit? " << r.out;
    // --version answers even when the rest of the command line is wrong.
    EXPECT_EQ(Exec({tool, "--version", "--no-such-option"}, Clean()).out, r.out);
  }
}

// Sources without their .git (a release tarball; here the working tree's
// files), even unpacked inside another git checkout, say "unknown" rather
// than another project's commit.
TEST(VersionTest, ATarballSaysUnknown) {
  TempDir dir;
  const std::string outer = dir.Path("outer");
  RunResult made = Sh("set -e; git init -q " + ShellQuote(outer) + "; mkdir " +
                          ShellQuote(outer + "/logroute") + "; cd " + ShellQuote(kSource) +
                          "; git ls-files -co --exclude-standard -z | tar -c --null -T - |"
                          " tar -x -C " +
                          ShellQuote(outer + "/logroute"),
                      Clean());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  RunResult configured = Exec(
      {"/usr/bin/env", "cmake", "-S", outer + "/logroute", "-B", dir.Path("build"), "-G", "Ninja",
       "-DCMAKE_BUILD_TYPE=Release", "-DLOGROUTE_BUILD_TESTS=OFF", "-DLOGROUTE_BUILD_BENCH=OFF"},
      Clean());
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  const std::string version = ReadFileOrDie(dir.Path("build/libcore/version.cc"));
  EXPECT_NE(version.find("GitRevision() { return \"unknown\"; }"), std::string::npos) << version;
  EXPECT_NE(version.find("BuildType() { return \"Release\"; }"), std::string::npos) << version;
}

}  // namespace
}  // namespace logroute::testing::ops
