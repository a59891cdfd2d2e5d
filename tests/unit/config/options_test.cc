// Option checks shared by the tools (libcore/config/options.h).
#include "libcore/config/options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/logroute-recv/http_serve.h"

namespace logroute::config {
namespace {

std::string Check(const CLI::Validator& validator, std::string input) { return validator(input); }

TEST(RealRangeTest, TakesNumbersInTheRange) {
  const CLI::Validator range = RealRange(0.01, 3600);
  for (const char* good : {"0.01", "1", "2.5", "3600", "1e3", "0x10"}) {
    EXPECT_EQ(Check(range, good), "") << good;
  }
}

TEST(RealRangeTest, RefusesNanInfinitiesAndWhatIsOutside) {
  const CLI::Validator range = RealRange(0, 3600);
  for (const char* bad : {"nan", "NAN", "-nan", "inf", "-inf", "3600.5", "-1", "1e400", "x", ""}) {
    EXPECT_NE(Check(range, bad), "") << bad;
  }
}

// tests/fuzz/regressions/config/nan_timeout: a timeout of NaN seconds passed
// CLI::Range and reached the conversion to milliseconds (undefined behaviour).
TEST(RealRangeTest, RecvRefusesANanTimeout) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"recv", "--idle-timeout=nan"},
        std::vector<std::string>{"recv", "--shutdown-timeout", "-nan"}}) {
    CLI::App app{"recv"};
    CommandLine cli(app, "logroute-recv");
    recv::HttpOptions options;
    recv::DeclareHttpOptions(app, options);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (std::string& arg : copy) argv.push_back(arg.data());
    EXPECT_EQ(cli.Parse(static_cast<int>(argv.size()), argv.data()), 64) << args[1];
  }
}

// tests/fuzz/regressions/config/empty_list: `max_body = []` made CLI11 read
// the first of no values (undefined behaviour, a crash at best).
TEST(ConfigFileTest, AnEmptyListForAValueIsAUsageError) {
  const std::string path = ::testing::TempDir() + "/empty_list.conf";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("max_body = []\nroute = []\n", file);
    std::fclose(file);
  }
  CLI::App app{"recv"};
  CommandLine cli(app, "logroute-recv");
  recv::HttpOptions options;
  recv::DeclareHttpOptions(app, options);
  std::vector<std::string> routes;
  app.add_option("--route", routes, "NAME=TABLE");
  std::vector<std::string> copy = {"recv", "--config", path};
  std::vector<char*> argv;
  for (std::string& arg : copy) argv.push_back(arg.data());
  EXPECT_EQ(cli.Parse(static_cast<int>(argv.size()), argv.data()), 64);
  std::remove(path.c_str());
}

enum class Color { kRed, kGreen, kBlue };

// A tool with one enum option, --color, green by default.
struct ColorTool {
  ColorTool() {
    cli.AddEnumOption("--color", color,
                      {{"red", Color::kRed}, {"green", Color::kGreen}, {"blue", Color::kBlue}},
                      "A colour");
  }
  std::string SettingText() const {
    for (const CommandLine::Setting& setting : cli.Settings()) {
      if (setting.name == "color") return setting.text + " # " + setting.source;
    }
    return "no setting";
  }
  CLI::App app{"test"};
  CommandLine cli{app, "logroute-test"};
  Color color = Color::kGreen;
};

TEST(EnumOptionTest, ANameBecomesItsValueWhereverItComesFrom) {
  ColorTool flag;
  ASSERT_TRUE(flag.cli.Reparse({"--color", "blue"}).ok());
  EXPECT_EQ(flag.color, Color::kBlue);
  EXPECT_EQ(flag.SettingText(), "color = blue # the command line");

  ::setenv("LOGROUTE_COLOR", "red", 1);
  ColorTool environment;
  const Status parsed = environment.cli.Reparse({});
  ::unsetenv("LOGROUTE_COLOR");
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(environment.color, Color::kRed);
  EXPECT_EQ(environment.SettingText(), "color = red # LOGROUTE_COLOR");

  const std::string path = ::testing::TempDir() + "/color.conf";
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("color = \"blue\"\n", file);
  std::fclose(file);
  ColorTool config_file;
  ASSERT_TRUE(config_file.cli.Reparse({"--config", path}).ok());
  std::remove(path.c_str());
  EXPECT_EQ(config_file.color, Color::kBlue);
  EXPECT_EQ(config_file.SettingText(), "color = blue # " + path + ":1");
}

TEST(EnumOptionTest, TheDefaultIsShownByName) {
  ColorTool tool;
  ASSERT_TRUE(tool.cli.Reparse({}).ok());
  EXPECT_EQ(tool.color, Color::kGreen);
  EXPECT_EQ(tool.SettingText(), "color = green # default");
  EXPECT_NE(tool.app.help().find("--color TEXT:{red,green,blue}=green"), std::string::npos)
      << tool.app.help();
}

TEST(EnumOptionTest, AnyOtherWordIsAUsageErrorNamingTheChoices) {
  // "2" is what CLI11's transformer makes of "blue": not a name an operator may give.
  for (const char* bad : {"purple", "Blue", "2"}) {
    ColorTool tool;
    const Status parsed = tool.cli.Reparse({std::string("--color=") + bad});
    EXPECT_EQ(parsed.code(), Code::kUsage) << bad;
    EXPECT_EQ(parsed.message(), std::string("--color: ") + bad +
                                    " not in {red,green,blue} (--color from the command line)");
    EXPECT_EQ(tool.color, Color::kGreen) << bad;
  }
}

}  // namespace
}  // namespace logroute::config
