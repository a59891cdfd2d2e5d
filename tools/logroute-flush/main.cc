// logroute-flush: one drain-and-bulk-insert pass (or --loop), exactly once,
// into MySQL/MariaDB or SQLite. Made for cron or a systemd timer every 30 s.
// This file maps options, signals and progress; the protocol is flush_pass.cc.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "libcore/base/env.h"
#include "libcore/base/exit_code.h"
#include "libcore/base/file_util.h"
#include "libcore/base/stop_signals.h"
#include "libcore/base/tool_main.h"
#include "libcore/chain/table_name.h"
#include "libcore/config/options.h"
#include "libcore/flush/flush_pass.h"
#include "libcore/flush/new_identity.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"
#include "tools/logroute-flush/purge_rejects.h"
#include "tools/logroute-flush/textfile.h"

namespace logroute::flush {
namespace {

// When to show the progress line: on a terminal (auto), always, never.
enum class Progress { kAuto, kAlways, kNever };

struct Options {
  std::string spool_dir;
  std::string db;
  std::string table;
  std::vector<std::string> dedupe;
  double max_seconds = 0;
  bool loop = false;
  bool new_spool_id = false;
  std::string purge_rejects;
  double interval = 30;
  std::string password_file;
  Progress progress = Progress::kAuto;
  size_t chunk_rows = 20000;
  std::string textfile;
};

void DeclareOptions(config::CommandLine& cli, CLI::App& app, Options& o) {
  app.add_option("--spool", o.spool_dir, "Spool directory")->required();
  // Required but with --purge-rejects, which needs no database (CheckOptions).
  app.add_option("--db", o.db,
                 "Target database: " + sink::DsnForms() + "; required but with --purge-rejects");
  app.add_option("--table", o.table, "Insert every row into this table instead of its route's");
  app.add_option("--dedupe", o.dedupe,
                 "Create TABLE, when missing, with an event_id column under a unique key, so "
                 "that events with ids land once (repeatable; doc/operations.md)")
      ->type_name("TABLE");
  app.add_option("--max-seconds", o.max_seconds,
                 "Start no new segment after this many seconds (0: no bound)")
      ->capture_default_str()
      ->check(config::RealRange(0, std::numeric_limits<double>::max()));
  auto* loop =
      app.add_flag("--loop", o.loop, "Repeat passes every --interval seconds until SIGTERM");
  app.add_flag("--new-spool-id", o.new_spool_id,
               "Give a copied or restored spool its own identity, after removing the segments the "
               "ledger holds already (doc/operations.md); then exit")
      ->excludes(loop);
  app.add_option("--purge-rejects", o.purge_rejects,
                 "Delete the files of SPOOL/rejects/ and rejects/replayed/ older than AGE (30d, "
                 "12h; units s, m, h, d, w), then exit; no database needed")
      ->type_name("AGE")
      ->excludes(loop)
      ->excludes("--new-spool-id");
  app.add_option("--interval", o.interval, "Seconds between the starts of passes with --loop")
      ->capture_default_str()
      ->check(config::RealRange(0.1, 86400));
  app.add_option("--password-file", o.password_file,
                 "Read the MySQL password from this file (else MYSQL_PWD or the option files)");
  cli.AddEnumOption(
      "--progress", o.progress,
      {{"auto", Progress::kAuto}, {"always", Progress::kAlways}, {"never", Progress::kNever}},
      "Show progress: auto (on a terminal), always, never");
  app.add_option("--chunk-rows", o.chunk_rows, "Rows per insert statement")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--textfile", o.textfile,
                 "After each pass, write its metrics to FILE atomically, for node_exporter's "
                 "textfile collector")
      ->type_name("FILE");
  cli.AddLogLevelOption();
}

// A one-line progress display on a terminal: rows, rows/s, time left.
void ShowProgress(const FlushStats& stats, uint64_t bytes_left, uint64_t bytes_done) {
  const double rate = stats.seconds > 0 ? static_cast<double>(stats.rows) / stats.seconds : 0;
  const double bytes_rate = stats.seconds > 0 ? static_cast<double>(bytes_done) / stats.seconds : 0;
  const double left = bytes_rate > 0 ? static_cast<double>(bytes_left) / bytes_rate : 0;
  std::fprintf(stderr, "\r%llu rows, %.0f rows/s, %llu segments, about %.0f s left   ",
               static_cast<unsigned long long>(stats.rows), rate,
               static_cast<unsigned long long>(stats.segments), left);
}

// Quiet when there was nothing to do: under a 30 s timer an idle pass would
// otherwise log 2,880 lines a day.
void ReportPass(const std::string& target, const FlushStats& stats, const Status& status) {
  if (!status.ok()) {
    spdlog::error("Incomplete pass into {}: {}", target, stats.Summary());
  } else if (stats.Idle()) {
    spdlog::debug("Flushed to {}: {}", target, stats.Summary());
  } else {
    spdlog::info("Flushed to {}: {}", target, stats.Summary());
  }
}

// The spool and the connected database of one run. --loop opens them again
// for each pass, so that a spool created meanwhile, or given a new id, is
// taken as it is now.
struct Target {
  spool::Spool spool;
  std::unique_ptr<sink::Sink> sink;
};

Result<Target> OpenTarget(const Options& o) {
  LOGROUTE_ASSIGN_OR_RETURN(spool::Spool spool, spool::Spool::Open(o.spool_dir, {}));
  LOGROUTE_ASSIGN_OR_RETURN(
      std::unique_ptr<sink::Sink> sink,
      sink::CreateSink(o.db, {.password_file = o.password_file,
                              .dedupe_tables = {o.dedupe.begin(), o.dedupe.end()}}));
  LOGROUTE_RETURN_IF_ERROR(sink->Open());
  return Target{std::move(spool), std::move(sink)};
}

// *spool_id is set once the spool is open.
Status OnePass(const Options& o, bool progress, FlushStats* pass_stats, std::string* spool_id) {
  LOGROUTE_ASSIGN_OR_RETURN(Target target, OpenTarget(o));
  *spool_id = target.spool.id();
  FlushOptions options;
  options.table_override = o.table;
  options.max_seconds = o.max_seconds;
  options.chunk_rows = o.chunk_rows;
  options.stop = &StopRequested();
  uint64_t first_left = 0;
  bool have_first = false;
  if (progress) {
    options.on_progress = [&](const FlushStats& stats, uint64_t left) {
      if (!have_first) {
        first_left = left;  // bytes done is measured against the first reading
        have_first = true;
      }
      ShowProgress(stats, left, first_left > left ? first_left - left : 0);
    };
  }
  Status status = RunFlushPass(target.spool, *target.sink, options, pass_stats);
  if (progress && have_first) std::fprintf(stderr, "\n");
  ReportPass(target.sink->Describe(), *pass_stats, status);
  return status;
}

// One pass, then its metrics into --textfile. A pass that failed before it
// began (no spool, no database) is a failed pass there too.
Status MeasuredPass(const Options& o, bool progress) {
  const auto started = std::chrono::steady_clock::now();
  PassMetrics pass;
  const Status status = OnePass(o, progress, &pass.stats, &pass.spool_id);
  if (o.textfile.empty()) return status;
  pass.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  pass.ended_at =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  pass.success = status.ok();
  // The pass's own status stands: its rows are in, whatever the metrics.
  if (Status written = WritePassMetrics(o.textfile, pass); !written.ok()) {
    spdlog::error("Cannot write the metrics: {}", written.message());
  }
  return status;
}

Status PurgeOldRejects(const Options& o) {
  LOGROUTE_ASSIGN_OR_RETURN(spool::Spool spool, spool::Spool::Open(o.spool_dir, {}));
  LOGROUTE_ASSIGN_OR_RETURN(const int64_t age, ParseAge(o.purge_rejects));
  PurgeStats stats;
  Status status = PurgeRejects(spool, age, Env::Default()->NowSeconds(), &stats);
  // Quiet when there was nothing to delete, as an idle flush pass is.
  if (stats.files > 0) {
    spdlog::info("Purged rejects older than {}: files={} bytes={} kept={} dir={}", o.purge_rejects,
                 stats.files, stats.bytes, stats.kept, spool.RejectsDir());
  } else {
    spdlog::debug("No rejects older than {}: kept={} dir={}", o.purge_rejects, stats.kept,
                  spool.RejectsDir());
  }
  return status;
}

Status NewSpoolId(const Options& o) {
  LOGROUTE_ASSIGN_OR_RETURN(Target target, OpenTarget(o));
  NewIdentityStats stats;
  Status status = GiveNewIdentity(target.spool, *target.sink, &stats);
  if (!status.ok()) {
    return status.Wrap("--new-spool-id: removed " + std::to_string(stats.removed) +
                       " segments already committed, then stopped");
  }
  spdlog::info(
      "Gave the spool at {} the new id {} (it was {}): removed {} segments already committed, "
      "kept {} to flush under the new id",
      target.spool.dir(), stats.new_id, stats.old_id, stats.removed, stats.kept);
  return Status::Ok();
}

// Seconds to wait before the next pass of --loop: the interval, doubled after
// each failed pass in a row, up to a minute (or the interval, if longer).
double LoopDelay(double interval, int failures_in_a_row) {
  const double cap = std::max(interval, 60.0);
  return std::min(cap, interval * std::pow(2.0, std::min(failures_in_a_row, 20)));
}

// --loop: for containers without cron. It keeps going through whatever a
// later pass may find fixed (the database or the spool not there yet, a
// table, a full disk), and stops on a usage error, which none will fix.
int Loop(const Options& o, bool progress) {
  int failures = 0;
  while (!StopRequested().load()) {
    const auto started = std::chrono::steady_clock::now();
    Status status = MeasuredPass(o, progress);
    if (status.ok()) {
      failures = 0;
    } else {
      spdlog::error("{}", status.message());
      if (status.code() == Code::kUsage) return ExitCode(status);
      ++failures;
    }
    const auto next =
        started + std::chrono::duration<double>(LoopDelay(o.interval, std::max(failures - 1, 0)));
    while (!StopRequested().load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  spdlog::info("Stopped by signal");
  return 0;
}

// What the command line parser cannot judge alone, each error blamed on
// where its value came from. Neither the spool nor the database is touched.
Status CheckOptions(const Options& o, const config::CommandLine& cli) {
  if (!o.purge_rejects.empty()) {
    return cli.Blame("purge-rejects", ParseAge(o.purge_rejects).status().Wrap("--purge-rejects"));
  }
  if (o.db.empty()) {
    return Status::Usage(
        "--db is required (give it on the command line, as LOGROUTE_DB, or as 'db' in the config "
        "file); only --purge-rejects needs none");
  }
  if (!o.table.empty()) {
    LOGROUTE_RETURN_IF_ERROR(cli.Blame("table", chain::ValidateTableName(o.table).Wrap("--table")));
  }
  for (const std::string& table : o.dedupe) {
    LOGROUTE_RETURN_IF_ERROR(cli.Blame("dedupe", chain::ValidateTableName(table).Wrap("--dedupe")));
  }
  if (!o.textfile.empty()) {
    // Said now rather than after a pass, and after every pass.
    const size_t slash = o.textfile.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : o.textfile.substr(0, slash + 1);
    if (::access(dir.c_str(), W_OK) != 0) {
      const Status why = ErrnoStatus("--textfile: cannot write to " + dir, errno);
      return cli.Blame("textfile", Status::Usage(why.message()));
    }
  }
  if (!o.password_file.empty() && o.db.starts_with("mysql:")) {
    LOGROUTE_RETURN_IF_ERROR(
        cli.Blame("password-file", ReadFile(*Env::Default(), o.password_file).status()));
  }
  return cli.Blame("db", sink::CreateSink(o.db, {.password_file = o.password_file}).status());
}

int Run(int argc, char** argv) {
  CLI::App app{"Move spooled events into the database, exactly once", "logroute-flush"};
  config::CommandLine cli(app, "logroute-flush");
  Options o;
  DeclareOptions(cli, app, o);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (Status valid = CheckOptions(o, cli); !valid.ok()) return ExitWith(valid);
  if (cli.check_config()) return cli.PrintSettings();
  if (Status caught = CatchStopSignals(); !caught.ok()) return ExitWith(caught);

  const bool progress =
      o.progress == Progress::kAlways || (o.progress == Progress::kAuto && ::isatty(STDERR_FILENO));
  if (o.loop) return Loop(o, progress);
  Status status = !o.purge_rejects.empty() ? PurgeOldRejects(o)
                  : o.new_spool_id         ? NewSpoolId(o)
                                           : MeasuredPass(o, progress);
  if (!status.ok()) {
    spdlog::error("{}{}", status.message(),
                  status.retryable() ? " (nothing is lost; the next run retries)" : "");
  }
  return ExitCode(status);
}

}  // namespace
}  // namespace logroute::flush

int main(int argc, char** argv) {
  return logroute::ToolMain("logroute-flush", &logroute::flush::Run, argc, argv);
}
