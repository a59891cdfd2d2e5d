#include "libcore/http/server.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdint>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "libcore/http/connection.h"
#include "libcore/http/listen_address.h"

namespace logroute::http {
namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

// At the connection limit: how often the acceptor looks again, and how many
// idle connections each worker closes per look while clients wait.
constexpr auto kFullRetry = std::chrono::milliseconds(10);
constexpr size_t kReclaimBatch = 16;
constexpr int kAcceptBurst = 64;  // connections taken per wake-up, as HAProxy's tune.maxaccept
// Descriptors kept for what is not a connection (spool files, logs, the listener).
constexpr int kReservedFiles = 64;

// Each connection is a file descriptor: 1,000 idle clients exceed the usual
// soft limit of 1,024, so take what the hard limit allows. Returns the limit.
rlim_t RaiseFileLimit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return RLIM_INFINITY;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// --max-connections, lowered to what the open-file limit allows: a server
// that runs out of descriptors cannot make room by closing idle connections.
int MaxConnections(int wanted, int shards) {
  const rlim_t files = RaiseFileLimit();
  const rlim_t reserved = static_cast<rlim_t>(kReservedFiles + 2 * shards);
  if (files == RLIM_INFINITY || files >= static_cast<rlim_t>(wanted) + reserved) return wanted;
  const int room = files > reserved + 1 ? static_cast<int>(files - reserved) : 1;
  spdlog::warn("The open-file limit {} allows {} connections, fewer than --max-connections {}",
               files, room, wanted);
  return room;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  const std::string address = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& options, const chain::LiveChain& chain, spool::SpoolWriter& writer,
       Env* env)
      : state(options, chain, writer, env) {
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(state));
    acceptor.emplace(workers[0]->io());
    signals.emplace(workers[0]->io());
    drain_timer.emplace(workers[0]->io());
    retry_timer.emplace(workers[0]->io());
  }

  Status Listen();
  void Accept();
  Worker& NextWorker();
  void Start(Worker& worker, tcp::socket socket);  // a new connection, served by `worker`
  void WaitForRoom();
  void WaitForSignal();
  void BeginStop();
  void CheckDrained();

  ServerState state;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::steady_timer> retry_timer;
  std::vector<WorkGuard> guards;
  size_t next_worker = 0;
  std::chrono::steady_clock::time_point full_logged;
  bool stop_begun = false;
  bool forced = false;
  std::chrono::steady_clock::time_point stop_deadline;
};

Status Server::Impl::Listen() {
  LOGROUTE_ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(state.options.listen));
  beast::error_code ec;
  tcp::resolver resolver(workers[0]->io());
  const auto results =
      resolver.resolve(address.host, std::to_string(address.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status::Usage("cannot resolve the listen host '" + address.host +
                         "': " + (ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  const std::string where = FormatEndpoint(endpoint);
  auto fail = [&](const char* step) {
    return Status::Unavailable("cannot listen on " + where + " (" + step + "): " + ec.message());
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("socket");
  acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  if (state.options.reuse_port) {
    acceptor->set_option(ReusePort(true), ec);
    if (ec) return fail("SO_REUSEPORT");
  }
  acceptor->bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  acceptor->non_blocking(true, ec);  // for the bursts of Accept()
  if (ec) return fail("O_NONBLOCK");
  return Status::Ok();
}

Worker& Server::Impl::NextWorker() { return *workers[next_worker++ % workers.size()]; }

void Server::Impl::Start(Worker& worker, tcp::socket socket) {
  state.live_connections.fetch_add(1);
  asio::post(worker.io(), [this, &worker, s = std::move(socket)]() mutable {
    std::make_shared<Connection>(std::move(s), state, worker)->Start();
  });
}

void Server::Impl::Accept() {
  if (state.live_connections.load() >= state.options.max_connections) return WaitForRoom();
  Worker& worker = NextWorker();
  acceptor->async_accept(worker.io(), [this, &worker](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors or memory: pause rather than spin; clients wait in the backlog.
      spdlog::warn("Cannot accept a connection: {}", ec.message());
      retry_timer->expires_after(std::chrono::milliseconds(100));
      retry_timer->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
      return;
    }
    Start(worker, std::move(socket));
    // Take what else waits in the backlog now: one accept per turn of this
    // busy event loop would leave new clients queued behind many others.
    for (int i = 1; i < kAcceptBurst; ++i) {
      if (state.live_connections.load() >= state.options.max_connections) break;
      Worker& next = NextWorker();
      tcp::socket more(next.io());
      acceptor->accept(more, ec);
      if (ec) break;  // would_block; another error comes back to async_accept
      Start(next, std::move(more));
    }
    Accept();
  });
}

// At the limit, new clients wait in the listen backlog (nothing is accepted
// to be closed at once). Once one is waiting, the connections idle longest
// are closed to make room for it, as nginx reuses its keep-alive
// connections; those in the middle of a request keep their slot.
void Server::Impl::WaitForRoom() {
  acceptor->async_wait(tcp::acceptor::wait_read, [this](beast::error_code ec) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (state.live_connections.load() < state.options.max_connections) return Accept();
    const auto now = std::chrono::steady_clock::now();
    if (now - full_logged >= std::chrono::minutes(1)) {
      full_logged = now;
      spdlog::warn(
          "Connection limit reached (--max-connections {}): clients wait; closing the "
          "connections idle longest",
          state.options.max_connections);
    }
    for (auto& worker : workers) {
      asio::post(worker->io(), [w = worker.get()] { w->CloseIdle(kReclaimBatch); });
    }
    retry_timer->expires_after(kFullRetry);
    retry_timer->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) Accept();
    });
  });
}

void Server::Impl::WaitForSignal() {
  signals->async_wait([this](beast::error_code ec, int signal_number) {
    if (ec) return;
    if (signal_number == SIGHUP) {
      spdlog::info("Received SIGHUP: reloading the configuration");
      state.options.on_reload();
      return WaitForSignal();
    }
    spdlog::info("Received signal {}", signal_number);
    BeginStop();
  });
}

// Runs on the first worker's thread.
void Server::Impl::BeginStop() {
  if (stop_begun) return;
  stop_begun = true;
  spdlog::info("Stopping: no new connections; finishing the requests in flight");
  state.stopping.store(true);
  beast::error_code ec;
  acceptor->close(ec);
  signals->cancel(ec);
  retry_timer->cancel();
  for (auto& worker : workers) {
    asio::post(worker->io(), [w = worker.get()] { w->CloseIdle(SIZE_MAX); });
  }
  stop_deadline = std::chrono::steady_clock::now() + state.options.shutdown_timeout;
  CheckDrained();
}

void Server::Impl::CheckDrained() {
  if (state.live_connections.load() == 0) {
    guards.clear();  // the event loops return once their last handlers ran
    return;
  }
  if (!forced && std::chrono::steady_clock::now() >= stop_deadline) {
    forced = true;
    spdlog::warn("Stop deadline passed; closing {} connections", state.live_connections.load());
    for (auto& worker : workers) {
      asio::post(worker->io(), [w = worker.get()] { w->CloseAll(); });
    }
  }
  drain_timer->expires_after(std::chrono::milliseconds(20));
  drain_timer->async_wait([this](beast::error_code ec) {
    if (!ec) CheckDrained();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options,
                                               const chain::LiveChain& chain,
                                               spool::SpoolWriter& writer, Env* env) {
  auto impl = std::make_unique<Impl>(options, chain, writer, env);
  LOGROUTE_RETURN_IF_ERROR(impl->Listen());
  impl->state.options.max_connections =
      MaxConnections(std::max(1, options.max_connections), writer.spool().shards());
  if (options.handle_signals) {
    // Caught from now on: a signal that comes before Run() waits for it,
    // rather than killing a server that is about to serve.
    impl->signals->add(SIGTERM);
    impl->signals->add(SIGINT);
    if (options.on_reload) impl->signals->add(SIGHUP);
  }
  if (writer.options().fsync) {
    impl->state.durable = std::make_unique<DurableQueue>(writer, std::max(1, options.sync_threads));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::local_address() const {
  beast::error_code ec;
  const tcp::endpoint endpoint = impl_->acceptor->local_endpoint(ec);
  return ec ? std::string("?") : FormatEndpoint(endpoint);
}

Status Server::Run() {
  Impl& impl = *impl_;
  for (auto& worker : impl.workers) impl.guards.push_back(asio::make_work_guard(worker->io()));
  if (impl.state.options.handle_signals) impl.WaitForSignal();
  impl.Accept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl.workers.size(); ++i) {
    threads.emplace_back([&impl, i] { impl.workers[i]->io().run(); });
  }
  impl.workers[0]->io().run();
  for (std::thread& t : threads) t.join();
  impl.state.durable.reset();  // every connection is gone, so nothing is pending
  return Status::Ok();
}

void Server::Stop() {
  asio::post(impl_->workers[0]->io(), [impl = impl_.get()] { impl->BeginStop(); });
}

}  // namespace logroute::http
