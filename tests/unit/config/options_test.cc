// Option checks shared by the tools (libcore/config/options.h).
#include "libcore/config/options.h"

#include <gtest/gtest.h>

#include <cstdio>
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

}  // namespace
}  // namespace logroute::config
