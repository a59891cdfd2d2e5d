// logroute-flush: one drain-and-bulk-insert pass (or --loop), exactly once,
// into MySQL/MariaDB or SQLite. Made for cron or a systemd timer every 30 s.
// This file maps options, signals and progress; the protocol is flush_pass.cc.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "libcore/base/logging.h"
#include "libcore/base/tool_main.h"
#include "libcore/chain/table_name.h"
#include "libcore/config/options.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"
#include "tools/logroute-flush/flush_pass.h"

namespace logroute::flush {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

struct Options {
  std::string spool_dir;
  std::string db;
  std::string table;
  double max_seconds = 0;
  bool loop = false;
  double interval = 30;
  std::string password_file;
  std::string progress = "auto";
  size_t chunk_rows = 20000;
  std::string log_level = "info";
};

void DeclareOptions(CLI::App& app, Options& o) {
  app.add_option("--spool", o.spool_dir, "Spool directory")->required();
  app.add_option("--db", o.db,
                 "Target database: sqlite:PATH, mysql://USER@HOST:PORT/DB or "
                 "mysql://USER@localhost/DB?socket=PATH")
      ->required();
  app.add_option("--table", o.table, "Insert every row into this table instead of its route's");
  app.add_option("--max-seconds", o.max_seconds,
                 "Start no new segment after this many seconds (0: no bound)")
      ->check(config::RealRange(0, std::numeric_limits<double>::max()));
  app.add_flag("--loop", o.loop, "Repeat passes every --interval seconds until SIGTERM");
  app.add_option("--interval", o.interval, "Seconds between the starts of passes with --loop")
      ->capture_default_str()
      ->check(config::RealRange(0.1, 86400));
  app.add_option("--password-file", o.password_file,
                 "Read the MySQL password from this file (else MYSQL_PWD or the option files)");
  app.add_option("--progress", o.progress, "Show progress: auto (on a terminal), always, never")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("--chunk-rows", o.chunk_rows, "Rows per insert statement")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
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

Status OnePass(const Options& o, const spool::Spool& spool, bool progress) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<sink::Sink> sink,
                            sink::MakeSink(o.db, {.password_file = o.password_file}));
  LOGROUTE_RETURN_IF_ERROR(sink->Open());
  FlushOptions options;
  options.table_override = o.table;
  options.max_seconds = o.max_seconds;
  options.chunk_rows = o.chunk_rows;
  options.stop = &g_stop;
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
  FlushStats stats;
  Status status = RunFlushPass(spool, *sink, options, &stats);
  if (progress && have_first) std::fprintf(stderr, "\n");
  spdlog::info("Flushed to {}: {}", sink->Describe(), stats.Summary());
  return status;
}

int Run(int argc, char** argv) {
  CLI::App app{"Move spooled events into the database, exactly once", "logroute-flush"};
  config::SetupApp(app, LOGROUTE_VERSION);
  Options o;
  DeclareOptions(app, o);
  if (std::optional<int> exit_code = config::ParseCommandLine(app, argc, argv)) return *exit_code;
  InitLogging("logroute-flush", o.log_level);
  if (o.table.size() > 0) {
    if (Status valid = chain::ValidateTableName(o.table); !valid.ok()) {
      spdlog::error("--table: {}", valid.message());
      return valid.exit_code();
    }
  }
  struct sigaction action = {};
  action.sa_handler = &OnStopSignal;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);

  Result<spool::Spool> spool = spool::Spool::Open(o.spool_dir, {});
  if (!spool.ok()) {
    spdlog::error("{}", spool.status().message());
    return spool.status().exit_code();
  }
  const bool progress = o.progress == "always" || (o.progress == "auto" && ::isatty(STDERR_FILENO));
  if (!o.loop) {
    Status status = OnePass(o, *spool, progress);
    if (!status.ok()) {
      spdlog::error("{}{}", status.message(),
                    status.retryable() ? " (nothing is lost; the next run retries)" : "");
    }
    return status.exit_code();
  }
  // --loop: for containers without cron. Errors are logged and retried at the next interval.
  while (!g_stop.load()) {
    const auto started = std::chrono::steady_clock::now();
    Status status = OnePass(o, *spool, progress);
    if (!status.ok()) {
      spdlog::error("{}", status.message());
      if (status.code() == Code::kUsage) return status.exit_code();  // will never succeed
    }
    const auto next = started + std::chrono::duration<double>(o.interval);
    while (!g_stop.load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  spdlog::info("Stopped by signal");
  return 0;
}

}  // namespace
}  // namespace logroute::flush

int main(int argc, char** argv) {
  return logroute::ToolMain("logroute-flush", &logroute::flush::Run, argc, argv);
}
