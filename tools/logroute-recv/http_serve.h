// logroute-recv --listen: the HTTP API over a spool (doc/http-api.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "libcore/base/status.h"
#include "libcore/chain/live_chain.h"
#include "libcore/http/server.h"
#include "libcore/spool/writer.h"

namespace logroute::recv {

// The HTTP options of logroute-recv, as given on the command line.
struct HttpOptions {
  http::ServerOptions server;
  std::string token_file;
  double idle_timeout = 30, header_timeout = 10, body_timeout = 30, shutdown_timeout = 30;
};

// Declares --max-body, --max-header-bytes, --max-connections, --token-file,
// --reuse-port, --threads and the timeouts.
void DeclareHttpOptions(CLI::App& app, HttpOptions& o);

struct SpoolTarget {
  std::string dir;
  int shards = 0;
  spool::WriterOptions writer;
};

// Opens the spool, serves `listen` until SIGTERM/SIGINT, then syncs the spool
// and returns. Logs "Listening on HOST:PORT" once the socket is bound and
// signals are caught. On SIGHUP, calls `on_reload` on an I/O thread (it must
// not block); requests are judged by `chain` as it is when they come.
Status ServeHttp(const std::string& listen, HttpOptions options, const SpoolTarget& target,
                 const chain::LiveChain& chain, std::function<void()> on_reload);

}  // namespace logroute::recv
