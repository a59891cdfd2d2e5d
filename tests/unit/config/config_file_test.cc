// The config file's syntax (libcore/config/config_file.h): what each line
// becomes, and the line every error names.
#include "libcore/config/config_file.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace logroute::config {
namespace {

std::vector<ConfigEntry> ParseOk(std::string_view text) {
  Result<std::vector<ConfigEntry>> entries = ParseConfigText(text, "t.conf");
  EXPECT_TRUE(entries.ok()) << entries.status().message();
  return entries.ok() ? std::move(entries).value() : std::vector<ConfigEntry>{};
}

std::string ErrorOf(std::string_view text) {
  Result<std::vector<ConfigEntry>> entries = ParseConfigText(text, "t.conf");
  EXPECT_FALSE(entries.ok()) << text;
  if (entries.ok()) return "";
  EXPECT_EQ(entries.status().code(), Code::kUsage);
  return entries.status().message();
}

TEST(ConfigFileTest, KeysValuesCommentsAndLines) {
  const std::vector<ConfigEntry> entries = ParseOk(
      "# comment\n"
      "; another\n"
      "\n"
      "spool = /var/lib/logroute/spool\n"
      "  max_events=10  \r\n"
      "db = sqlite:/a b/c.db\n"
      "table =\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].key, "spool");
  EXPECT_EQ(entries[0].values, std::vector<std::string>{"/var/lib/logroute/spool"});
  EXPECT_EQ(entries[0].line, 4);
  EXPECT_FALSE(entries[0].is_list);
  EXPECT_EQ(entries[1].key, "max_events");
  EXPECT_EQ(entries[1].values, std::vector<std::string>{"10"});  // CRLF line, spaces trimmed
  EXPECT_EQ(entries[1].line, 5);
  EXPECT_EQ(entries[2].values, std::vector<std::string>{"sqlite:/a b/c.db"});
  EXPECT_EQ(entries[3].values, std::vector<std::string>{""});
}

TEST(ConfigFileTest, QuotedValues) {
  const std::vector<ConfigEntry> entries = ParseOk(
      "a = \"x # not a comment\"  # a comment\n"
      "b = 'C:\\path\\n'\n"
      "c = \"tab\\there \\\"q\\\" back\\\\slash\"\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].values[0], "x # not a comment");
  EXPECT_EQ(entries[1].values[0], "C:\\path\\n");  // single quotes: literal
  EXPECT_EQ(entries[2].values[0], "tab\there \"q\" back\\slash");
}

TEST(ConfigFileTest, Lists) {
  const std::vector<ConfigEntry> entries = ParseOk(
      "route = [\"signup=signups\", 'a b=t', bare=x]\n"
      "empty = []\n"
      "long = [\n"
      "  \"one=t1\",   # first\n"
      "\n"
      "  \"two=t2\",\n"
      "]\n"
      "after = 1\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_TRUE(entries[0].is_list);
  EXPECT_EQ(entries[0].values, (std::vector<std::string>{"signup=signups", "a b=t", "bare=x"}));
  EXPECT_TRUE(entries[1].is_list);
  EXPECT_TRUE(entries[1].values.empty());
  EXPECT_EQ(entries[2].values, (std::vector<std::string>{"one=t1", "two=t2"}));
  EXPECT_EQ(entries[2].line, 3);
  EXPECT_EQ(entries[3].line, 8);
}

TEST(ConfigFileTest, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(ErrorOf("a = 1\nnot a key value\n"),
            "t.conf:2: expected 'key = value' (a key holds letters, digits, '_' and '-')");
  EXPECT_EQ(ErrorOf("\n\n[logroute-recv]\n"),
            "t.conf:3: sections ([...]) are not used: one file serves every tool, and each "
            "tool takes the keys of its own options");
  EXPECT_EQ(ErrorOf("a = \"open\n"), "t.conf:1: no closing \" on this line");
  EXPECT_EQ(ErrorOf("a = \"x\" y\n"), "t.conf:1: unexpected text after the value");
  EXPECT_EQ(ErrorOf("a = \"\\q\"\n"),
            "t.conf:1: unknown escape \\q (use \\\" \\\\ \\t or \\n, or single quotes)");
  EXPECT_EQ(ErrorOf("x = 1\nroute = [\"a=b\",\n\"c=d\"\n"),
            "t.conf:2: the list opened here has no closing ']'");
  EXPECT_EQ(ErrorOf("route = [\"a=b\" \"c=d\"]\n"), "t.conf:1: expected ',' or ']' in a list");
  EXPECT_EQ(ErrorOf("route = [a=b,,c=d]\n"), "t.conf:1: an empty item in a list");
  EXPECT_EQ(ErrorOf("= 5\n"),
            "t.conf:1: expected 'key = value' (a key holds letters, digits, '_' and '-')");
}

TEST(ConfigFileTest, AKeySetTwiceIsAnErrorWhateverItsSpelling) {
  EXPECT_EQ(ErrorOf("max_age = 1\n\nmax-age = 2\n"),
            "t.conf:3: key 'max-age' is already set on line 1");
}

TEST(ConfigFileTest, ReadsAFileAndNamesAMissingOne) {
  testing::TempDir dir;
  testing::WriteFileOrDie(dir.Path("a.conf"), "threads = 4\n");
  Result<std::vector<ConfigEntry>> entries = ReadConfigFile(dir.Path("a.conf"));
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  EXPECT_EQ((*entries)[0].values[0], "4");
  Result<std::vector<ConfigEntry>> missing = ReadConfigFile(dir.Path("none.conf"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kUsage);
  EXPECT_NE(missing.status().message().find(dir.Path("none.conf")), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace logroute::config
