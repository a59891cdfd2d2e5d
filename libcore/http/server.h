// Server: the HTTP API of logroute-recv (doc/http-api.md), on Boost.Beast.
//
// `threads` I/O threads each run their own event loop; accepted connections
// are dealt round robin. Every connection is asynchronous, so idle or slow
// clients hold a little memory and no thread. Deadlines bound each phase:
// the wait for a request (idle), its header, its body, and writing the answer.
//
// Durability: a 2xx means the request's events are written to the spool file;
// with WriterOptions::fsync the answer waits for fdatasync, done by a
// DurableQueue (group commit) so that I/O threads never block on a sync.
//
// Run() serves until SIGTERM/SIGINT (with handle_signals) or Stop(): then it
// stops accepting, closes idle connections, lets in-flight requests finish
// (at most `shutdown_timeout`), completes pending syncs and returns.
// With handle_signals, the signals are caught from Create() on; with
// `on_reload` set too, SIGHUP calls it and serving goes on.
//
// Requests are judged by the chain of the LiveChain at the time they are
// judged: replacing it (a reload) changes the next requests, on connections
// old and new, and drops none.
//
// Thread safety: Stop() and local_address() may be called from any thread;
// Run() once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "libcore/base/env.h"
#include "libcore/base/result.h"
#include "libcore/chain/live_chain.h"
#include "libcore/spool/writer.h"

namespace logroute::http {

inline constexpr const char* kDefaultListen = "127.0.0.1:8000";

struct ServerOptions {
  std::string listen = kDefaultListen;  // HOST:PORT, [IPv6]:PORT; port 0 picks a free one
  int threads = 2;                      // I/O threads
  int sync_threads = 8;                 // DurableQueue threads (--fsync always)
  size_t max_body = size_t{1} << 20;    // 413 past this
  size_t max_header = 16 << 10;         // 431 past this (request line + fields, trailers included)
  // Open connections; past it new clients wait in the listen backlog and the
  // connections idle longest are closed for them. Lowered to what the
  // open-file limit allows.
  int max_connections = 10'000;
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive wait for the next request
  std::chrono::milliseconds header_timeout{10'000};  // first byte to end of header
  std::chrono::milliseconds body_timeout{30'000};    // whole body
  std::chrono::milliseconds write_timeout{30'000};   // whole answer
  std::chrono::milliseconds shutdown_timeout{30'000};
  bool reuse_port = false;  // SO_REUSEPORT: several processes share the port
  std::string token;        // non-empty: every request but GET /healthz needs it
  bool handle_signals = true;
  // Called on SIGHUP, on an I/O thread: it must hand the work over and return.
  std::function<void()> on_reload;
};

class Server {
 public:
  // Binds and listens. Unavailable when the address is taken or invalid.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options,
                                                const chain::LiveChain& chain,
                                                spool::SpoolWriter& writer,
                                                Env* env = Env::Default());
  ~Server();

  // The bound address, "127.0.0.1:8080" or "[::1]:8080".
  std::string local_address() const;
  Status Run();
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logroute::http
