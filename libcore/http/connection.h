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
#include <boost/beast/http/string_body.hpp>
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

struct Worker;

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
  // The group holding this request's records was stored (and synced), or not.
  void OnStored(const Status& status);

 private:
  friend struct Worker;
  enum class Phase { kIdle, kHeader, kBody, kStoring, kWriting, kClosing };
  enum class Endpoint { kNone, kLog, kHealth, kMetrics };

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void Refuse(Cap cap);
  void ServeHealth();
  void ServeMetrics();
  // An error answer {"detail": ...}; closes afterwards if the body is unread.
  void Fail(unsigned status, ClientError reason, std::string_view detail,
            const char* allow = nullptr);
  // Logs a 4xx answer (in outcome_) with its reason, at debug level.
  void LogClientError(unsigned status) const;
  void Respond(unsigned status, const char* content_type, const char* allow = nullptr);
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
  BodyType type_;
  ApiOutcome outcome_;
  bhttp::response<bhttp::string_body> response_;
  bhttp::response<bhttp::empty_body> continue_;
  bool close_after_ = false;
  size_t drained_ = 0;
};

// One event loop and one thread; the connections it serves.
//
// Requests judged good in the same turn of the loop are stored together: their
// records go to one buffer, written by one SpoolWriter::Append() once the
// handlers that are ready have run (a group append). Under load that divides
// the spool's system calls by the number of requests per turn; alone, a
// request waits for nothing.
//
// The connections waiting for a request are listed, longest waiting first, so
// that at the connection limit the server can close those first.
struct Worker {
  explicit Worker(ServerState& s) : state(s) {}

  // Adds `connection`, whose records Judge() put into `records`, to the group.
  void AwaitStore(std::shared_ptr<Connection> connection);
  void StoreGroup();
  void CloseIdle(size_t most);  // those waiting longest for a request go now
  void CloseAll();              // the stop's deadline passed

  ServerState& state;
  asio::io_context io{1};
  std::unordered_set<Connection*> connections;
  boost::intrusive::list<
      Connection, boost::intrusive::member_hook<Connection, IdleHook, &Connection::idle_hook_>,
      boost::intrusive::constant_time_size<false>>
      idle;
  std::string records;
  std::vector<std::shared_ptr<Connection>> waiting;
  bool store_posted = false;
  // Where closing connections read what they drop (only this thread writes it).
  std::vector<char> scratch = std::vector<char>(64 << 10);
};

}  // namespace logroute::http
