// libcore/config: option parsing (config::CommandLine) with a config file
// of arbitrary content (libcore/config/config_file.h) and arbitrary arguments.
//
// Input: the config file up to the first NUL, then up to 16 arguments
// separated by NULs. The options are recv's HTTP options (DeclareHttpOptions,
// as declared by the tool) and one of each other kind the tools declare.
// Oracles: CommandLine::Parse returns (it never throws); nullopt only with
// every value within its check (a range, a set); otherwise 0 or 64.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "libcore/config/options.h"
#include "tests/fuzz/fuzz_support.h"
#include "tools/logroute-recv/http_serve.h"

namespace logroute::config {
namespace {

struct Options {
  std::string spool;
  std::vector<std::string> routes;
  std::string unrouted = "reject";
  int shards = 0;
  uint64_t segment_bytes = 16 << 20;
  double max_seconds = 0;
  bool strict = false;
  recv::HttpOptions http;
};

bool Within(double value, double low, double high) { return value >= low && value <= high; }

void Check(std::string_view config, const std::vector<std::string>& args) {
  static const std::string path = fuzz::ScratchDir() + "/logroute.conf";
  fuzz::WriteFileOrDie(path, config);

  CLI::App app{"fuzz", "config_fuzzer"};
  CommandLine cli(app, "logroute-recv");
  Options o;
  app.add_option("--spool", o.spool, "Spool directory")->required();
  app.add_option("--route", o.routes, "NAME=TABLE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--unrouted", o.unrouted, "reject, store or drop")
      ->check(CLI::IsMember({"reject", "store", "drop"}));
  app.add_option("--shards", o.shards, "Shards")->check(CLI::Range(1, 256));
  app.add_option("--segment-bytes", o.segment_bytes, "Bytes")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 32));
  app.add_option("--max-seconds", o.max_seconds, "Seconds")
      ->check(RealRange(0, std::numeric_limits<double>::max()));
  app.add_flag("--strict", o.strict, "Stop at the first bad line");
  recv::DeclareHttpOptions(app, o.http);

  std::vector<std::string> argv_text = {"config_fuzzer", "--config", path};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  std::optional<int> exit_code = cli.Parse(static_cast<int>(argv.size()), argv.data());

  std::string what = "config " + fuzz::Printable(config) + ", arguments";
  for (const std::string& arg : args) what += " " + fuzz::Printable(arg);
  if (exit_code) {
    FUZZ_CHECK(*exit_code == 0 || *exit_code == 64,
               "exit status " + std::to_string(*exit_code) + " for " + what);
    return;
  }
  const http::ServerOptions& s = o.http.server;
  FUZZ_CHECK(o.unrouted == "reject" || o.unrouted == "store" || o.unrouted == "drop",
             "--unrouted " + o.unrouted + " passed, " + what);
  FUZZ_CHECK(o.shards == 0 || Within(o.shards, 1, 256), "--shards out of range, " + what);
  FUZZ_CHECK(Within(static_cast<double>(o.segment_bytes), 4096, 4294967296.0),
             "--segment-bytes out of range, " + what);
  FUZZ_CHECK(o.max_seconds >= 0 && std::isfinite(o.max_seconds),
             "--max-seconds " + std::to_string(o.max_seconds) + " passed, " + what);
  FUZZ_CHECK(Within(static_cast<double>(s.max_body), 64, 1 << 30) &&
                 Within(static_cast<double>(s.max_header), 1024, 1 << 20) &&
                 Within(s.threads, 1, 256) && Within(s.sync_threads, 1, 64),
             "an HTTP size or count out of range, " + what);
  FUZZ_CHECK(
      Within(o.http.idle_timeout, 0.01, 86400) && Within(o.http.header_timeout, 0.01, 3600) &&
          Within(o.http.body_timeout, 0.01, 3600) && Within(o.http.shutdown_timeout, 0, 3600),
      "a timeout out of range (idle " + std::to_string(o.http.idle_timeout) + ", header " +
          std::to_string(o.http.header_timeout) + ", body " + std::to_string(o.http.body_timeout) +
          ", shutdown " + std::to_string(o.http.shutdown_timeout) + "), " + what);
}

}  // namespace
}  // namespace logroute::config

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The environment is an input of CommandLine::Parse: none of ours may leak in.
  std::vector<std::string> ours;
  for (char** var = environ; *var != nullptr; ++var) {
    const std::string_view entry = *var;
    if (entry.starts_with("LOGROUTE_")) ours.emplace_back(entry.substr(0, entry.find('=')));
  }
  for (const std::string& name : ours) ::unsetenv(name.c_str());
  // CLI11 prints usage errors and --help: keep the fuzzer's output readable.
  std::cout.rdbuf(nullptr);
  std::cerr.rdbuf(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  const std::string_view config = input.TakeUntil('\0');
  std::vector<std::string> args;
  while (!input.empty() && args.size() < 16) args.emplace_back(input.TakeUntil('\0'));
  config::Check(config, args);
  return 0;
}
