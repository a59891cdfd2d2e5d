// The man pages: each tool's page documents exactly the options of its
// --help, with the same defaults (as does packaging/logroute.conf), every
// page renders without a warning, and `cmake --install` puts them,
// compressed, under share/man.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
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

// The text of each item of the OPTIONS section, by the first long option its
// .TP line names, with the roff markup taken out ("(default\n.BR info )." reads
// "(default info ).").
std::map<std::string, std::string> PageItems(const std::string& page) {
  std::map<std::string, std::string> items;
  std::istringstream lines(page);
  bool in_options = false, after_tp = false;
  std::string* item = nullptr;
  static const std::regex kLongOption(R"(\\-\\-([a-z][a-z0-9\\-]*))");
  static const std::regex kMacro(R"(^\.(B|I|BR|BI|IR|RB|RI|IB)( |$))");
  static const std::regex kEscape(R"(\\f[BIRP]|\\c|")");
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(".SH", 0) == 0) in_options = line == ".SH OPTIONS";
    if (!in_options || line.rfind(".SH", 0) == 0 || line.rfind(".SS", 0) == 0 || line == ".TP") {
      item = nullptr;
      after_tp = line == ".TP";
      continue;
    }
    if (after_tp) {
      after_tp = false;
      std::smatch m;
      if (!std::regex_search(line, m, kLongOption)) continue;
      std::string name = m[1];
      name.erase(std::remove(name.begin(), name.end(), '\\'), name.end());
      item = &items[name];
    }
    if (item == nullptr) continue;
    line = std::regex_replace(std::regex_replace(line, kMacro, ""), kEscape, "");
    for (size_t at; (at = line.find("\\-")) != std::string::npos;) line.replace(at, 2, "-");
    *item += line + " ";
  }
  return items;
}

// "2" for "... (default 2)." in `text`, the first word of what follows
// "(default"; nullopt when the text names no default.
std::optional<std::string> StatedDefault(const std::string& text) {
  static const std::regex kDefault(R"(\(default\s+([^\s)]+))");
  std::smatch m;
  if (!std::regex_search(text, m, kDefault)) return std::nullopt;
  std::string value = m[1];
  while (!value.empty() && (value.back() == ':' || value.back() == ',')) value.pop_back();
  return value;
}

// Every option's default in the page's item is the one of --help, and an
// option without a default in --help names none in the page.
void ExpectPageDefaultsMatchHelp(const std::string& tool, const std::string& page,
                                 const std::string& page_name) {
  const std::map<std::string, std::string> help = HelpDefaults(tool);
  ASSERT_GE(help.size(), 2u) << "could not read the defaults of " << tool << " --help";
  for (const auto& [name, text] : PageItems(page)) {
    const auto in_help = help.find(name);
    const std::optional<std::string> stated = StatedDefault(text);
    if (in_help == help.end()) {
      EXPECT_EQ(stated, std::nullopt) << "--" << name << " has no default in " << tool
                                      << " --help, but man/" << page_name << " says: " << text;
    } else {
      EXPECT_EQ(stated, in_help->second)
          << "--" << name << ": man/" << page_name << " says: " << text;
    }
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

TEST(ManPagesTest, DefaultsInThePagesAreThoseOfHelp) {
  ExpectPageDefaultsMatchHelp(kRecv, Page("logroute-recv.1"), "logroute-recv.1");
  ExpectPageDefaultsMatchHelp(kFlush, Page("logroute-flush.1"), "logroute-flush.1");
  ExpectPageDefaultsMatchHelp(kStat, Page("logroute-stat.1"), "logroute-stat.1");
}

TEST(ManPagesTest, TheDefaultsComparisonSeesAWrongOne) {
  const std::map<std::string, std::string> items = PageItems(Page("logroute-recv.1"));
  EXPECT_EQ(StatedDefault(items.at("threads")), "2") << items.at("threads");
  EXPECT_EQ(StatedDefault(items.at("unrouted-table")), "unrouted_events");
  EXPECT_EQ(StatedDefault(items.at("token-file")), std::nullopt);
  std::string page = Page("logroute-recv.1");
  const size_t at = page.find("1 to 256 (default 2)");
  ASSERT_NE(at, std::string::npos);
  page.replace(at, 20, "1 to 256 (default 3)");
  EXPECT_EQ(StatedDefault(PageItems(page).at("threads")), "3");
}

// packaging/logroute.conf shows each option commented out ("#threads = 2"):
// with its default where --help has one (false for a flag), else an example.
TEST(ManPagesTest, DefaultsInLogrouteConfAreThoseOfHelp) {
  std::map<std::string, std::string> conf;
  std::istringstream lines(ReadFileOrDie(kSource + "/packaging/logroute.conf"));
  static const std::regex kCommented(R"(^#([a-z_]+) = (.*)$)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kCommented)) conf.emplace(m[1], m[2]);
  }
  ASSERT_GE(conf.size(), 20u);
  int compared = 0;
  for (const std::string& tool : {kRecv, kFlush, kStat}) {
    const std::map<std::string, std::string> defaults = HelpDefaults(tool);
    for (const std::string& name : HelpOptions(tool)) {
      std::string key = name;
      std::replace(key.begin(), key.end(), '-', '_');
      const auto line = conf.find(key);
      if (line == conf.end()) continue;  // modes stay out (config_test.cc checks the rest)
      const auto in_help = defaults.find(name);
      if (in_help != defaults.end()) {
        EXPECT_EQ(line->second, in_help->second) << "#" << key << " in logroute.conf";
        ++compared;
      } else if (line->second == "false" || line->second == "true") {
        EXPECT_EQ(line->second, "false") << "#" << key << ": a flag is off by default";
      }
    }
  }
  EXPECT_GE(compared, 15);
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
