// The man pages: each tool's page documents exactly the options of its
// --help, every page renders without a warning, and `cmake --install` puts
// them, compressed, under share/man.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

const char* const kPages[] = {"logroute-recv.1", "logroute-flush.1", "logroute-stat.1",
                              "logroute.7"};

std::string Page(const std::string& name) { return ReadFileOrDie(kSource + "/man/" + name); }

// The long options that the OPTIONS section lists: the first line after each
// .TP names the item ("-BI \-\-spool " DIR"", ".BR \-h ", " \-\-help").
std::set<std::string> PageOptions(const std::string& page) {
  std::set<std::string> names;
  std::istringstream lines(page);
  bool in_options = false, after_tp = false;
  static const std::regex kLongOption(R"(\\-\\-([a-z][a-z0-9\\-]*))");
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(".SH", 0) == 0) in_options = line == ".SH OPTIONS";
    if (!in_options) continue;
    if (line == ".TP") {
      after_tp = true;
      continue;
    }
    if (!after_tp) continue;
    after_tp = false;
    for (std::sregex_iterator it(line.begin(), line.end(), kLongOption), end; it != end; ++it) {
      std::string name = (*it)[1];
      name.erase(std::remove(name.begin(), name.end(), '\\'), name.end());  // "no\-default"
      names.insert(name);
    }
  }
  return names;
}

void ExpectPageMatchesHelp(const std::string& tool, const std::string& page_name) {
  const std::set<std::string> help = HelpOptions(tool);
  const std::set<std::string> page = PageOptions(Page(page_name));
  ASSERT_GE(help.size(), 5u) << "could not read the options of " << tool << " --help";
  for (const std::string& name : help) {
    EXPECT_TRUE(page.count(name)) << "--" << name << " is in " << tool << " --help but not in "
                                  << "the OPTIONS of man/" << page_name;
  }
  for (const std::string& name : page) {
    EXPECT_TRUE(help.count(name)) << "--" << name << " is in the OPTIONS of man/" << page_name
                                  << " but not in " << tool << " --help";
  }
}

TEST(ManPagesTest, RecvPageListsEveryOptionOfItsHelp) {
  ExpectPageMatchesHelp(kRecv, "logroute-recv.1");
}

TEST(ManPagesTest, FlushPageListsEveryOptionOfItsHelp) {
  ExpectPageMatchesHelp(kFlush, "logroute-flush.1");
}

TEST(ManPagesTest, StatPageListsEveryOptionOfItsHelp) {
  ExpectPageMatchesHelp(kStat, "logroute-stat.1");
}

TEST(ManPagesTest, TheComparisonSeesAMissingOption) {
  // The check above is only worth something if it notices a gap.
  std::string page = Page("logroute-stat.1");
  const std::string item = ".TP\n.BI \\-\\-max\\-age \" SECONDS\"\n";
  const size_t at = page.find(item);
  ASSERT_NE(at, std::string::npos);
  page.erase(at, item.size());
  EXPECT_FALSE(PageOptions(page).count("max-age"));
  EXPECT_TRUE(PageOptions(Page("logroute-stat.1")).count("max-age"));
}

TEST(ManPagesTest, MandocLintFindsNoWarning) {
  ASSERT_TRUE(HaveCommand("mandoc")) << "scripts/install-deps.sh --test installs mandoc";
  for (const char* page : kPages) {
    RunResult r =
        Exec({"/usr/bin/env", "mandoc", "-Tlint", "-W", "warning", kSource + "/man/" + page});
    EXPECT_EQ(r.exit_code, 0) << page << ":\n" << r.out << r.err;
    EXPECT_EQ(r.out + r.err, "") << page;
  }
}

TEST(ManPagesTest, GroffRendersWithoutWarning) {
  ASSERT_TRUE(HaveCommand("groff")) << "scripts/install-deps.sh --test installs groff-base";
  for (const char* page : kPages) {
    RunResult r =
        Exec({"/usr/bin/env", "groff", "-man", "-t", "-ww", "-z", kSource + "/man/" + page});
    EXPECT_EQ(r.exit_code, 0) << page << ":\n" << r.err;
    EXPECT_EQ(r.err, "") << page;
  }
}

TEST(ManPagesTest, GroffWouldReportABrokenPage) {
  TempDir dir;
  WriteFileOrDie(dir.Path("bad.1"), Page("logroute-stat.1") + ".BOGUS macro\n\\fXoops\n");
  RunResult r = Exec({"/usr/bin/env", "groff", "-man", "-ww", "-z", dir.Path("bad.1")});
  EXPECT_NE(r.err, "");
}

TEST(ManPagesTest, CmakeInstallPutsThemInShareMan) {
  TempDir dir;
  RunResult r = Exec({"/usr/bin/env", "cmake", "--install", kBuild, "--prefix", "/usr"},
                     Clean({"DESTDIR=" + dir.path()}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* page : kPages) {
    const std::string section = std::string("man") + std::string(page).back();
    const std::string installed = dir.path() + "/usr/share/man/" + section + "/" + page + ".gz";
    EXPECT_TRUE(std::filesystem::exists(installed)) << installed;
  }
  // man(1) finds the installed page by name.
  RunResult man = Exec({"/usr/bin/env", "man", "-w", "logroute-recv"},
                       Clean({"MANPATH=" + dir.path() + "/usr/share/man"}));
  EXPECT_EQ(man.exit_code, 0) << man.err;
  EXPECT_NE(man.out.find(dir.path()), std::string::npos) << man.out;
}

}  // namespace
}  // namespace logroute::testing::ops
