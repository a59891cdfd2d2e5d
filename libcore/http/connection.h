// One HTTP connection of the Server, and the per-thread Worker that owns it.
// Internal to libcore/http: include server.h instead.
//
// A connection goes through phases, each with its own deadline:
//   idle (waiting for the first byte of a request) -> header -> body ->
//   [storing: group append, and sync with --fsync always] -> writing -> idle again (keep-alive), or
//   closing (Connection: close, errors): shut down sending, read and discard
//   what the client still sends for a short while, so that it sees the answer
//   rather than a reset.
// Requests are answered in order; pipelined requests wait in the read buffer,
// and nothing more is read until the request before them is answered.
// Every buffer has a cap (RequestParser): the read buffer holds at most
// --max-header-bytes; past a cap the client gets 431, 413 or 400 and the
// connection closes.
//
// Thread safety: a Connection and its Worker's set are touched only on the
// Worker's thread; DurableQueue callbacks post back to it.
#pragma once

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/intrusive/list.hpp>

#include "libcore/http/durable_queue.h"
#include "libcore/http/log_api.h"
#include "libcore/http/metrics.h"
#include "libcore/http/request_parser.h"
#include "libcore/http/server.h"

namespace logroute::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// What every connection of one server shares.
struct ServerState {
  ServerState(const ServerOptions& o, const chain::LiveChain& chain, spool::SpoolWriter& w,
              Env* env)
      : options(o), writer(w), api(chain, metrics, env) {}

  ServerOptions options;
  spool::SpoolWriter& writer;
  Metrics metrics;
  LogApi api;
  std::unique_ptr<DurableQueue> durable;  // set with --fsync always
  std::atomic<bool> stopping{false};
  // Accepted and not yet destroyed; counted on accept, so that the acceptor
  // sees the connections it handed to a worker that has not started them yet.
  std::atomic<int> live_connections{0};
};

class Worker;
class Connection;

// The server's routes: what a request line must name, and who may ask.
struct Route {
  enum class Auth { kToken, kOpen };  // kToken: the bearer token, when one is set
  bhttp::verb method;
  std::string_view path;
  Auth auth;
  // Serves the request once its header is read (GET) or its body is (POST).
  void (Connection::*handler)();
};

// Links a connection waiting for a request into its Worker's idle list.
using IdleHook =
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, ServerState& state, Worker& worker);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  void CloseIfIdle();  // between requests: close now
  void Close();

 private:
  friend class Worker;
  static const Route kRoutes[];
  static const Route* FindRoute(std::string_view path);  // nullptr: no such path
  enum class Phase { kIdle, kHeader, kBody, kStoring, kWriting, kClosing };

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  // The checks of a request with a body, before reading it: type, length, 100-continue.
  void AcceptBody();
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Refuse(Cap cap);
  void ServeLog();
  // The one place a request to /api/log ends: `stored` is how its records
  // were stored (and synced), OK when it had none; counts it, or turns it
  // into a 503/507, and answers.
  void Finish(const Status& stored);
  void ServeHealth();
  void ServeMetrics();
  // An error answer {"detail": ...}; closes afterwards if the body is unread.
  void Fail(unsigned status, ClientError reason, std::string_view detail,
            std::string_view allow = {});
  // Logs a 4xx answer (in outcome_) with its reason, at debug level.
  void LogClientError(unsigned status) const;
  void Respond(unsigned status, const char* content_type, std::string_view allow = {});
  void OnWritten(beast::error_code ec);
  void LingerClose();
  void Drain();
  size_t ReadSize() const;  // of a read outside the parser

  beast::tcp_stream stream_;
  ServerState& state_;
  Worker& worker_;
  Phase phase_ = Phase::kIdle;
  IdleHook idle_hook_;
  beast::flat_buffer buffer_;  // at most ServerOptions::max_header bytes
  std::optional<RequestParser> parser_;
  const Route* route_ = nullptr;  // of the request being served
  BodyType type_;
  ApiOutcome outcome_;
  std::string head_;  // of the answer being written (AppendResponseHead)
  std::string body_;  // of the answer being written
  bhttp::response<bhttp::empty_body> continue_;
  bool close_after_ = false;
  size_t drained_ = 0;
};

// One event loop and one thread; the connections it serves, and the buffers
// they share.
//
// Requests judged good in the same turn of the loop are stored together: their
// records go to one buffer, written by one SpoolWriter::Append() once the
// handlers that are ready have run (a group append). Under load that divides
// the spool's system calls by the number of requests per turn; alone, a
// request waits for nothing.
//
// The connections waiting for a request are listed, longest waiting first, so
// that at the connection limit the server can close those first.
//
// Thread safety: every member but io() runs on the worker's thread.
class Worker {
 public:
  explicit Worker(ServerState& state) : state_(state) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  asio::io_context& io() { return io_; }
  void Add(Connection& connection) { connections_.insert(&connection); }
  void Remove(Connection& connection) { connections_.erase(&connection); }
  size_t connections() const { return connections_.size(); }
  // Lists `connection` as waiting for a request; it leaves the list by
  // unlinking its hook, or when destroyed.
  void ListIdle(Connection& connection) { idle_.push_back(connection); }
  // Judges a request to /api/log; one with records joins the next group
  // store, any other is finished at once. Either way Finish() ends it.
  void Judge(std::shared_ptr<Connection> connection, std::string_view body);
  void CloseIdle(size_t most);  // those waiting longest for a request go now
  void CloseAll();              // the stop's deadline passed
  // Where closing connections read what they drop.
  asio::mutable_buffer scratch() { return asio::buffer(scratch_); }

 private:
  void StoreGroup();

  ServerState& state_;
  asio::io_context io_{1};
  std::unordered_set<Connection*> connections_;
  boost::intrusive::list<
      Connection, boost::intrusive::member_hook<Connection, IdleHook, &Connection::idle_hook_>,
      boost::intrusive::constant_time_size<false>>
      idle_;
  std::string records_;  // of the group being gathered
  std::vector<std::shared_ptr<Connection>> waiting_;
  bool store_posted_ = false;
  std::vector<char> scratch_ = std::vector<char>(64 << 10);
};

}  // namespace logroute::http
