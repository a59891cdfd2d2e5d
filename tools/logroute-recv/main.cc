// logroute-recv: events from NDJSON on stdin (or HTTP) through the handler
// chain into the spool. This file maps options; the logic is in libcore and
// stdin_ingest.cc.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "libcore/base/exit_code.h"
#include "libcore/base/stop_signals.h"
#include "libcore/base/tool_main.h"
#include "libcore/chain/chain.h"
#include "libcore/chain/chain_options.h"
#include "libcore/chain/live_chain.h"
#include "libcore/config/options.h"
#include "libcore/http/auth.h"
#include "libcore/http/listen_address.h"
#include "libcore/spool/writer.h"
#include "tools/logroute-recv/http_serve.h"
#include "tools/logroute-recv/reload.h"
#include "tools/logroute-recv/replay_rejects.h"
#include "tools/logroute-recv/stdin_ingest.h"

namespace logroute::recv {
namespace {

constexpr const char* kDescription = "Receive JSON events into the logroute spool";

// When an append is acknowledged: after write(2), or after fdatasync(2).
enum class Fsync { kNever, kAlways };

struct Options {
  std::string spool_dir;
  bool stdin_mode = false;
  std::string listen = http::kDefaultListen;
  int shards = 0;
  Fsync fsync = Fsync::kNever;
  chain::ChainConfig chain;
  bool print_chain = false;
  IngestOptions ingest;
  ReplayOptions replay;
  HttpOptions http;
  uint64_t segment_bytes = spool::kDefaultSegmentBytes;
};

void DeclareOptions(config::CommandLine& cli, CLI::App& app, Options& o) {
  app.add_option("--spool", o.spool_dir, "Spool directory (created if missing)")->required();
  auto* in = app.add_flag("--stdin", o.stdin_mode, "Read NDJSON events from standard input");
  auto* replay = app.add_option("--replay-rejects", o.replay.files,
                                "Check the records of these files of SPOOL/rejects/ again, put "
                                "them back into the spool and move the files to rejects/replayed/")
                     ->type_name("FILE")
                     ->excludes(in);
  app.add_flag("--force", o.replay.force,
               "With --replay-rejects: also replay records with a bad checksum or of a torn batch")
      ->needs(replay);
  app.add_option("--listen", o.listen,
                 "Serve the HTTP API on HOST:PORT ([IPV6]:PORT); what recv does without --stdin")
      ->excludes(in)
      ->excludes(replay)
      ->expected(0, 1)
      ->default_str(http::kDefaultListen);
  app.add_option("--shards", o.shards,
                 "Shards of a new spool; an existing spool keeps its own count")
      ->default_str(std::to_string(spool::kDefaultShards))
      ->check(CLI::Range(1, spool::kMaxShards));
  cli.AddEnumOption("--fsync", o.fsync, {{"never", Fsync::kNever}, {"always", Fsync::kAlways}},
                    "never: acknowledge after write; always: after fdatasync");
  chain::DeclareChainOptions(app, o.chain);
  app.add_flag("--strict", o.ingest.strict, "Stop at the first bad line (exit 65)");
  app.add_option("--rejects-file", o.ingest.rejects_file,
                 "With --stdin: append every bad line to this file, with its number and reason");
  app.add_option("--max-line-bytes", o.ingest.max_line_bytes, "Longest accepted input line")
      ->capture_default_str()
      ->check(CLI::Range(size_t{64}, size_t{64} << 20));
  app.add_option("--segment-bytes", o.segment_bytes, "Seal the active file past this size")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 32));
  app.add_flag("--print-chain", o.print_chain, "Print the handler chain and exit");
  cli.AddLogLevelOption();
  DeclareHttpOptions(app, o.http);
}

// The exit status of a --stdin run: an error's; 128 + the signal when one
// stopped it (130, 143); 65 when some line was rejected; else 0.
int RunStdin(Options o, const chain::Chain& chain) {
  IngestStats stats;
  Status status = [&]() -> Status {
    LOGROUTE_ASSIGN_OR_RETURN(
        spool::Spool spool, spool::Spool::Open(o.spool_dir, {.shards = o.shards, .create = true}));
    spool::WriterOptions writer_options{.fsync = o.fsync == Fsync::kAlways,
                                        .segment_bytes = o.segment_bytes};
    LOGROUTE_ASSIGN_OR_RETURN(auto writer, spool::SpoolWriter::Open(spool, writer_options));
    // SIGINT and SIGTERM wake IngestStream from a blocked read.
    LOGROUTE_RETURN_IF_ERROR(CatchStopSignals());
    o.ingest.stop_fd = StopWakeFd();
    return IngestStream(STDIN_FILENO, chain, *writer, o.ingest, &stats);
  }();
  spdlog::info("Done: {}", stats.Summary());
  if (!status.ok()) {
    if (stats.lines == 0) return ExitWith(status);
    spdlog::error("{} (lines 1 to {} are dealt with; resume from line {})", status.message(),
                  stats.last_line, stats.last_line + 1);
    return ExitCode(status);
  }
  if (stats.interrupted) {
    const char* signal = StopSignal() == SIGINT ? "SIGINT" : "SIGTERM";
    if (stats.last_line == 0) {
      spdlog::warn("Stopped by {} before any line was dealt with: nothing is in the spool", signal);
    } else {
      spdlog::warn(
          "Stopped by {}: lines 1 to {} are dealt with, none after is in the spool; resume with "
          "the input from line {} (tail -n +{})",
          signal, stats.last_line, stats.last_line + 1, stats.last_line + 1);
    }
    return 128 + StopSignal();
  }
  if (stats.rejected > 0) {
    spdlog::error("{} of {} lines were rejected (reasons above{})", stats.rejected, stats.lines,
                  o.ingest.rejects_file.empty() ? "" : ", and in " + o.ingest.rejects_file);
    return ExitCode(Code::kDataError);
  }
  return 0;
}

// --replay-rejects: the exit status says whether all was replayed (0), some
// records stay in rejects/ (65), or a file waits for flush (75).
int RunReplay(const Options& o, const chain::Chain& chain) {
  ReplayStats stats;
  Status status = [&]() -> Status {
    LOGROUTE_ASSIGN_OR_RETURN(spool::Spool spool, spool::Spool::Open(o.spool_dir, {}));
    return ReplayRejects(spool, chain, o.replay, &stats);
  }();
  spdlog::info("Done: {}", stats.Summary());
  return ExitWith(status);
}

// What the command line parser cannot judge alone, besides the chain's
// options (Chain::Create), each error blamed on where its value came from.
Status CheckOptions(const Options& o, const config::CommandLine& cli) {
  const bool serving_http = !o.stdin_mode && o.replay.files.empty();
  if (serving_http) {
    LOGROUTE_RETURN_IF_ERROR(
        cli.Blame("listen", http::ParseListenAddress(o.listen).status().Wrap("--listen")));
  }
  if (!o.http.token_file.empty() && serving_http && !o.print_chain) {
    LOGROUTE_RETURN_IF_ERROR(
        cli.Blame("token-file", http::ReadTokenFile(o.http.token_file).status()));
  }
  return Status::Ok();
}

// The configuration as it is now, for a reload: `args` parsed again over the
// environment and the config file, and validated as at startup.
Result<Configuration> LoadConfiguration(const std::vector<std::string>& args) {
  CLI::App app{kDescription, "logroute-recv"};
  config::CommandLine cli(app, "logroute-recv");
  Options o;
  DeclareOptions(cli, app, o);
  LOGROUTE_RETURN_IF_ERROR(cli.Reparse(args));
  LOGROUTE_ASSIGN_OR_RETURN(chain::Chain chain, chain::Chain::Create(o.chain, cli));
  LOGROUTE_RETURN_IF_ERROR(CheckOptions(o, cli));
  return Configuration{std::move(chain), cli.log_level(), cli.Settings()};
}

Status RunHttp(const Options& o, const config::CommandLine& cli, chain::Chain chain,
               std::vector<std::string> args) {
  // Until the server catches SIGHUP, a reload must not kill recv (its
  // default action); the configuration read at startup is the latest anyway.
  ::signal(SIGHUP, SIG_IGN);
  chain::LiveChain live(std::move(chain));
  Reloader reloader([args = std::move(args)] { return LoadConfiguration(args); }, live,
                    cli.Settings());
  const SpoolTarget target{o.spool_dir,
                           o.shards,
                           {.fsync = o.fsync == Fsync::kAlways, .segment_bytes = o.segment_bytes}};
  return ServeHttp(o.listen, o.http, target, live, [&reloader] { reloader.Request(); });
}

int Run(int argc, char** argv) {
  CLI::App app{kDescription, "logroute-recv"};
  config::CommandLine cli(app, "logroute-recv");
  Options o;
  DeclareOptions(cli, app, o);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  Result<chain::Chain> chain = chain::Chain::Create(o.chain, cli);
  Status valid = chain.ok() ? CheckOptions(o, cli) : chain.status();
  if (!valid.ok()) return ExitWith(valid);
  if (cli.check_config()) return cli.PrintSettings();
  if (o.print_chain) {
    for (const std::string& line : chain->Describe()) std::printf("%s\n", line.c_str());
    return 0;
  }
  if (!o.replay.files.empty()) return RunReplay(o, *chain);
  if (o.stdin_mode) return RunStdin(o, *chain);
  Status status =
      RunHttp(o, cli, std::move(chain).value(), std::vector<std::string>(argv + 1, argv + argc));
  return ExitWith(status);
}

}  // namespace
}  // namespace logroute::recv

int main(int argc, char** argv) {
  return logroute::ToolMain("logroute-recv", &logroute::recv::Run, argc, argv);
}
