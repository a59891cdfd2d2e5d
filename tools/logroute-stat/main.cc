// logroute-stat: the backlog of a spool, for people (table), scripts (--json)
// and monitoring (--prometheus, thresholds). Read-only; takes no lock.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "libcore/base/env.h"
#include "libcore/base/logging.h"
#include "libcore/config/options.h"
#include "libcore/spool/spool.h"
#include "tools/logroute-stat/report.h"

namespace logroute::stat {
namespace {

struct Options {
  std::string spool_dir;
  bool json = false;
  bool prometheus = false;
  int64_t max_age = -1;
  int64_t max_events = -1;
  std::string log_level = "info";
};

int Run(int argc, char** argv) {
  CLI::App app{"Show the backlog of a logroute spool", "logroute-stat"};
  config::SetupApp(app, LOGROUTE_VERSION);
  Options o;
  app.add_option("--spool", o.spool_dir, "Spool directory")->required();
  auto* json = app.add_flag("--json", o.json, "Print JSON (doc/stat-json.md)");
  app.add_flag("--prometheus", o.prometheus, "Print Prometheus text (node_exporter textfile)")
      ->excludes(json);
  app.add_option("--max-age", o.max_age, "Exit 1 if the oldest event waited longer (seconds)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-events", o.max_events, "Exit 1 if more events wait")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  try {
    config::ParseCommandLine(app, argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(Code::kUsage);
  }
  InitLogging("logroute-stat", o.log_level);

  Result<spool::Spool> spool = spool::Spool::Open(o.spool_dir, {});
  if (!spool.ok()) {
    spdlog::error("{}", spool.status().message());
    return spool.status().exit_code();
  }
  Result<spool::Backlog> backlog = spool::MeasureBacklog(*spool, Env::Default()->NowSeconds());
  if (!backlog.ok()) {
    spdlog::error("{}", backlog.status().message());
    return backlog.status().exit_code();
  }
  const std::string text = o.json         ? FormatJson(*backlog)
                           : o.prometheus ? FormatPrometheus(*backlog)
                                          : FormatTable(*backlog);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);

  Thresholds thresholds;
  if (o.max_age >= 0) thresholds.max_age_seconds = o.max_age;
  if (o.max_events >= 0) thresholds.max_events = static_cast<uint64_t>(o.max_events);
  const std::string crossed = CheckThresholds(*backlog, thresholds);
  if (!crossed.empty()) {
    spdlog::warn("Threshold crossed: {}", crossed);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace logroute::stat

int main(int argc, char** argv) {
  try {
    return logroute::stat::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logroute-stat: internal error: %s\n", e.what());
    return static_cast<int>(logroute::Code::kInternal);
  }
}
