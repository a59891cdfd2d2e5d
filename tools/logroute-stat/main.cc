// logroute-stat: the backlog of a spool, for people (table, --watch), scripts
// (--json) and monitoring (--prometheus, thresholds). Read-only; takes no lock.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "libcore/base/env.h"
#include "libcore/base/exit_code.h"
#include "libcore/base/stop_signals.h"
#include "libcore/base/tool_main.h"
#include "libcore/config/options.h"
#include "libcore/metrics/textfile.h"
#include "libcore/spool/spool.h"
#include "tools/logroute-stat/rejects_report.h"
#include "tools/logroute-stat/report.h"

namespace logroute::stat {
namespace {

struct Options {
  std::string spool_dir;
  bool json = false;
  bool prometheus = false;
  std::string textfile;
  bool rejects = false;
  double watch_seconds = -1;  // < 0: print once
  int64_t max_age = -1;
  int64_t max_events = -1;
};

void Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

Result<Report> Measure(const spool::Spool& spool) {
  Report report;
  LOGROUTE_ASSIGN_OR_RETURN(report.backlog,
                            spool::MeasureBacklog(spool, Env::Default()->NowSeconds()));
  LOGROUTE_ASSIGN_OR_RETURN(report.tables, MeasureTables(spool));
  return report;
}

Thresholds ThresholdsOf(const Options& o) {
  Thresholds thresholds;
  if (o.max_age >= 0) thresholds.max_age_seconds = o.max_age;
  if (o.max_events >= 0) thresholds.max_events = static_cast<uint64_t>(o.max_events);
  return thresholds;
}

// Redraws the table until SIGINT or SIGTERM. Thresholds are shown, not turned
// into an exit status: a watch is for a person, not for a check.
int Watch(const spool::Spool& spool, const Options& o) {
  if (Status caught = CatchStopSignals(); !caught.ok()) return ExitWith(caught);
  const std::atomic<bool>& stop = StopRequested();
  const auto interval = std::chrono::duration<double>(o.watch_seconds);
  while (!stop.load()) {
    Result<Report> report = Measure(spool);
    if (!report.ok()) return ExitWith(report.status());
    Print(FormatWatchScreen(*report, o.watch_seconds, ThresholdsOf(o)));
    // Sleep in short steps so that Ctrl-C answers at once.
    const auto until = std::chrono::steady_clock::now() + interval;
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  Print("\n");
  return 0;
}

// --rejects: a report of its own; the thresholds are about the backlog, not this.
int ReportRejects(const spool::Spool& spool, const Options& o) {
  Result<RejectsReport> report = MeasureRejects(spool, Env::Default()->NowSeconds());
  if (!report.ok()) return ExitWith(report.status());
  Print(o.json ? FormatRejectsJson(*report) : FormatRejectsTable(*report));
  return 0;
}

int Run(int argc, char** argv) {
  CLI::App app{"Show the backlog of a logroute spool", "logroute-stat"};
  config::CommandLine cli(app, "logroute-stat");
  Options o;
  app.add_option("--spool", o.spool_dir, "Spool directory")->required();
  auto* json = app.add_flag("--json", o.json, "Print JSON (doc/stat-json.md)");
  auto* prometheus =
      app.add_flag("--prometheus", o.prometheus, "Print Prometheus text (node_exporter textfile)")
          ->excludes(json);
  auto* textfile =
      app.add_option("--textfile", o.textfile,
                     "Write the Prometheus text to FILE atomically, for node_exporter's textfile "
                     "collector; print nothing else unless --json or --prometheus asks")
          ->type_name("FILE");
  auto* watch =
      app.add_option("--watch", o.watch_seconds,
                     "Redraw the table every SECONDS on a terminal until Ctrl-C (default 2)")
          ->type_name("[SECONDS]")
          ->expected(0, 1)
          ->default_str("2")
          ->check(config::RealRange(std::numeric_limits<double>::min(),
                                    std::numeric_limits<double>::max()))
          ->excludes(json)
          ->excludes(prometheus)
          ->excludes(textfile);
  app.add_flag("--rejects", o.rejects,
               "List the files of SPOOL/rejects/ with their counts and reasons (also --json)")
      ->excludes(prometheus)
      ->excludes(textfile)
      ->excludes(watch);
  app.add_option("--max-age", o.max_age, "Exit 1 if the oldest event waited longer (seconds)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-events", o.max_events, "Exit 1 if more events wait")
      ->check(CLI::NonNegativeNumber);
  cli.AddLogLevelOption();
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (cli.check_config()) return cli.PrintSettings();
  // A redrawn screen in a pipe or a log file is noise: refuse rather than
  // guess. Scripts want the one-shot table, --json or --prometheus.
  if (o.watch_seconds > 0 && ::isatty(STDOUT_FILENO) == 0) {
    spdlog::error(
        "--watch needs a terminal on standard output; run without --watch for one "
        "report");
    return ExitCode(Code::kUsage);
  }

  Result<spool::Spool> spool = spool::Spool::Open(o.spool_dir, {});
  if (!spool.ok()) return ExitWith(spool.status());
  if (o.watch_seconds > 0) return Watch(*spool, o);
  if (o.rejects) return ReportRejects(*spool, o);

  Result<Report> report = Measure(*spool);
  if (!report.ok()) return ExitWith(report.status());
  // The textfile is written whatever the thresholds say: when one is
  // crossed is when monitoring needs fresh numbers most.
  Status written = Status::Ok();
  if (!o.textfile.empty()) {
    written = metrics::WriteTextfile(o.textfile, FormatPrometheus(*report));
    if (!written.ok()) spdlog::error("{}", written.message());
  }
  if (o.json || o.prometheus || o.textfile.empty()) {
    Print(o.json         ? FormatJson(*report)
          : o.prometheus ? FormatPrometheus(*report)
                         : FormatTable(*report));
  }
  const std::string crossed = CheckThresholds(report->backlog, ThresholdsOf(o));
  if (!crossed.empty()) spdlog::warn("Threshold crossed: {}", crossed);
  // A failed write is the graver news: its own status, not the threshold's 1.
  if (!written.ok()) return ExitCode(written);
  return crossed.empty() ? 0 : 1;
}

}  // namespace
}  // namespace logroute::stat

int main(int argc, char** argv) {
  return logroute::ToolMain("logroute-stat", &logroute::stat::Run, argc, argv);
}
