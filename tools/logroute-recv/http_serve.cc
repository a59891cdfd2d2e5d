#include "tools/logroute-recv/http_serve.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <spdlog/spdlog.h>

#include "libcore/config/options.h"
#include "libcore/http/auth.h"

namespace logroute::recv {
namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// What a 2xx promised is already in the spool files; syncing the file system
// at exit also makes it survive a machine crash soon after a clean stop.
Status SyncSpool(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open the spool " + dir, errno);
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("cannot sync the spool " + dir, err);
}

// Request bodies of 128 KiB and more get their own mapping, returned to the
// system when the request ends. glibc's default raises that threshold as
// such blocks are freed, and then keeps them in the heap: a chunked body,
// which grows by doubling, would leave its outgrown buffers behind and make a
// connection hold 1.5 x --max-body rather than --max-body.
void MapLargeBuffers() { ::mallopt(M_MMAP_THRESHOLD, 128 << 10); }

}  // namespace

void DeclareHttpOptions(CLI::App& app, HttpOptions& o) {
  http::ServerOptions& s = o.server;
  app.add_option("--max-body", s.max_body, "Largest accepted request body in bytes (413 past it)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{64}, size_t{1} << 30));
  app.add_option("--max-header-bytes", s.max_header, "Largest request header in bytes (431)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 20));
  app.add_option("--max-connections", s.max_connections,
                 "Open connections at most; past it new clients wait and the connections idle "
                 "longest are closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--token-file", o.token_file,
                 "Require 'Authorization: Bearer <token>' (the file's first line); "
                 "GET /healthz stays open");
  app.add_flag("--reuse-port", s.reuse_port,
               "Set SO_REUSEPORT so that several recv processes share the port");
  app.add_option("--threads", s.threads, "HTTP I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--sync-threads", s.sync_threads, "Threads waiting on fdatasync (--fsync always)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--idle-timeout", o.idle_timeout, "Seconds a connection may wait between requests")
      ->capture_default_str()
      ->check(config::RealRange(0.01, 86400));
  app.add_option("--header-timeout", o.header_timeout,
                 "Seconds from a request's first byte to the end of its header")
      ->capture_default_str()
      ->check(config::RealRange(0.01, 3600));
  app.add_option("--body-timeout", o.body_timeout, "Seconds to receive a whole request body")
      ->capture_default_str()
      ->check(config::RealRange(0.01, 3600));
  app.add_option("--shutdown-timeout", o.shutdown_timeout,
                 "Seconds requests in flight get to finish after SIGTERM")
      ->capture_default_str()
      ->check(config::RealRange(0, 3600));
}

Status ServeHttp(const std::string& listen, HttpOptions options, const SpoolTarget& target,
                 const chain::LiveChain& chain, std::function<void()> on_reload) {
  MapLargeBuffers();
  http::ServerOptions& server_options = options.server;
  server_options.listen = listen;
  server_options.on_reload = std::move(on_reload);
  server_options.idle_timeout = Millis(options.idle_timeout);
  server_options.header_timeout = Millis(options.header_timeout);
  server_options.body_timeout = Millis(options.body_timeout);
  server_options.write_timeout = Millis(options.body_timeout);
  server_options.shutdown_timeout = Millis(options.shutdown_timeout);
  if (!options.token_file.empty()) {
    LOGROUTE_ASSIGN_OR_RETURN(server_options.token, http::ReadTokenFile(options.token_file));
  }
  LOGROUTE_ASSIGN_OR_RETURN(
      spool::Spool spool,
      spool::Spool::Open(target.dir, {.shards = target.shards, .create = true}));
  spool::WriterOptions writer_options = target.writer;
  writer_options.wait_for_busy_shards = false;  // an I/O thread never waits for a lock
  LOGROUTE_ASSIGN_OR_RETURN(auto writer, spool::SpoolWriter::Open(spool, writer_options));
  LOGROUTE_ASSIGN_OR_RETURN(auto server, http::Server::Create(server_options, chain, *writer));
  spdlog::info("Listening on {} spool={} fsync={} threads={}", server->local_address(), spool.dir(),
               target.writer.fsync ? "always" : "never", server_options.threads);
  LOGROUTE_RETURN_IF_ERROR(server->Run());
  LOGROUTE_RETURN_IF_ERROR(SyncSpool(spool.dir()));
  spdlog::info("Stopped; spool synced");
  return Status::Ok();
}

}  // namespace logroute::recv
