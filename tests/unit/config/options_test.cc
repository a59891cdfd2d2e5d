// Option checks shared by the tools (libcore/config/options.h).
#include "libcore/config/options.h"

#include <gtest/gtest.h>

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
    SetupApp(app, "0");
    recv::HttpOptions options;
    recv::DeclareHttpOptions(app, options);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (std::string& arg : copy) argv.push_back(arg.data());
    EXPECT_EQ(ParseCommandLine(app, static_cast<int>(argv.size()), argv.data()), 64) << args[1];
  }
}

}  // namespace
}  // namespace logroute::config
