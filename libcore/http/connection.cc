#include "libcore/http/connection.h"

#include <array>
#include <limits>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "libcore/http/auth.h"
#include "libcore/http/health.h"
#include "libcore/http/response_head.h"

namespace logroute::http {
namespace {

constexpr size_t kReadSize = 16 << 10;
// After an answer with Connection: close, how long and how much of what the
// client still sends is read and dropped, so that it sees the answer. Enough
// for a client that stops sending once it sees an early answer (Go's
// net/http drops 256 KiB too); more would be work done for a hostile client
// that never stops.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kMaxDrain = size_t{256} << 10;
constexpr size_t kMaxGroupBytes = size_t{1} << 20;

std::string_view Sv(beast::string_view v) { return {v.data(), v.size()}; }

bool IsDisconnect(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout;
}

}  // namespace

void Worker::Judge(std::shared_ptr<Connection> connection, std::string_view body) {
  state_.api.Judge(connection->type_, body, &records_, &connection->outcome_);
  if (connection->outcome_.records == 0) return connection->Finish(Status::Ok());
  connection->phase_ = Connection::Phase::kStoring;
  waiting_.push_back(std::move(connection));
  // A big group is written now: memory stays bounded whatever the load.
  if (records_.size() >= kMaxGroupBytes) return StoreGroup();
  if (store_posted_) return;
  store_posted_ = true;
  asio::post(io_, [this] { StoreGroup(); });  // runs after the handlers already ready
}

void Worker::StoreGroup() {
  store_posted_ = false;
  if (waiting_.empty()) return;
  std::vector<std::shared_ptr<Connection>> group;
  group.swap(waiting_);
  spool::AppendTicket ticket;
  const Status status = StoreRecords(state_.writer, records_, state_.metrics, &ticket);
  records_.clear();
  if (status.ok() && state_.durable) {
    state_.durable->Submit(std::move(ticket),
                           [this, group = std::move(group)](const Status& synced) mutable {
                             asio::post(io_, [group = std::move(group), synced] {
                               for (const auto& connection : group) connection->Finish(synced);
                             });
                           });
    return;
  }
  for (const auto& connection : group) connection->Finish(status);
}

void Worker::CloseIdle(size_t most) {
  for (; most > 0 && !idle_.empty(); --most) {
    Connection& connection = idle_.front();
    idle_.pop_front();
    connection.CloseIfIdle();
  }
}

void Worker::CloseAll() {
  for (Connection* c : connections_) c->Close();
}

const Route Connection::kRoutes[] = {
    {bhttp::verb::post, "/api/log", Route::Auth::kToken, &Connection::ServeLog},
    {bhttp::verb::get, "/healthz", Route::Auth::kOpen, &Connection::ServeHealth},
    {bhttp::verb::get, "/metrics", Route::Auth::kToken, &Connection::ServeMetrics},
};

const Route* Connection::FindRoute(std::string_view path) {
  for (const Route& route : kRoutes) {
    if (route.path == path) return &route;
  }
  return nullptr;
}

Connection::Connection(tcp::socket socket, ServerState& state, Worker& worker)
    : stream_(std::move(socket)),
      state_(state),
      worker_(worker),
      buffer_(state.options.max_header) {}

Connection::~Connection() {
  worker_.Remove(*this);
  state_.live_connections.fetch_sub(1);
}

size_t Connection::ReadSize() const { return std::min(kReadSize, buffer_.max_size()); }

void Connection::Start() {
  worker_.Add(*this);
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);  // answers are small: send them now
  WaitForRequest();
}

void Connection::CloseIfIdle() {
  if (phase_ != Phase::kIdle) return;
  idle_hook_.unlink();
  stream_.cancel();
}

void Connection::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
}

void Connection::WaitForRequest() {
  if (state_.stopping.load()) return Close();
  if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
  // Waiting for a request has its own (idle) deadline; once a byte arrived,
  // the header deadline runs, so a trickling client cannot hold a slot long.
  phase_ = Phase::kIdle;
  worker_.ListIdle(*this);
  stream_.expires_after(state_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(ReadSize()),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->idle_hook_.unlink();
                            self->buffer_.commit(n);
                            if (ec) return self->Close();
                            self->ReadHeader();
                          });
}

void Connection::ReadHeader() {
  phase_ = Phase::kHeader;
  close_after_ = false;
  parser_.emplace(state_.options.max_header, state_.options.max_body);
  parser_->header_limit(static_cast<uint32_t>(state_.options.max_header));
  // The real limit is set once the request is known to be a POST we take;
  // Beast reads an unset (none) limit as zero for Content-Length bodies.
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  stream_.expires_after(state_.options.header_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  const auto& request = parser_->get();
  close_after_ = !request.keep_alive();

  // Transfer-Encoding other than a final "chunked" has no length we could
  // trust: refuse it rather than guess where the next request starts.
  if (request.find(bhttp::field::transfer_encoding) != request.end() && !parser_->chunked()) {
    return Fail(400, ClientError::kUnsupportedTransferEncoding,
                "unsupported Transfer-Encoding: only chunked is accepted");
  }
  const std::string_view target = Sv(request.target());
  const std::string_view path = target.substr(0, target.find('?'));
  route_ = FindRoute(path);
  // An unknown path needs the token too: without it, no answer tells what exists.
  const std::string& token = state_.options.token;
  if (!token.empty() && (route_ == nullptr || route_->auth == Route::Auth::kToken) &&
      !BearerMatches(Sv(request[bhttp::field::authorization]), token)) {
    return Fail(401, ClientError::kUnauthorized, "missing or wrong bearer token");
  }
  if (route_ == nullptr) return Fail(404, ClientError::kNotFound, "not found");
  if (request.method() != route_->method) {
    return Fail(405, ClientError::kMethodNotAllowed, "method not allowed",
                Sv(bhttp::to_string(route_->method)));
  }
  if (route_->method == bhttp::verb::post) return AcceptBody();
  if (!parser_->is_done()) close_after_ = true;  // a GET with a body: not worth reading
  (this->*route_->handler)();
}

void Connection::AcceptBody() {
  const auto& request = parser_->get();
  std::optional<BodyType> type = BodyTypeOf(Sv(request[bhttp::field::content_type]));
  if (!type) {
    return Fail(415, ClientError::kUnsupportedMediaType,
                "Content-Type must be application/json, application/x-ndjson, "
                "application/x-www-form-urlencoded or multipart/form-data");
  }
  type_ = std::move(*type);
  const auto length = parser_->content_length();
  if (!length && !parser_->chunked())
    return Fail(411, ClientError::kLengthRequired,
                "a Content-Length or a chunked body is required");
  if (length && *length > state_.options.max_body) return Refuse(Cap::kBodyBytes);
  parser_->body_limit(state_.options.max_body);  // enforced chunk by chunk

  if (!parser_->is_done() && request.version() >= 11 &&
      beast::iequals(request[bhttp::field::expect], "100-continue")) {
    continue_ = {bhttp::status::continue_, request.version()};
    stream_.expires_after(state_.options.write_timeout);
    bhttp::async_write(stream_, continue_,
                       [self = shared_from_this()](beast::error_code write_ec, size_t) {
                         if (write_ec) return self->Close();
                         self->ReadBody();
                       });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  phase_ = Phase::kBody;
  if (parser_->is_done()) return OnBody({});
  stream_.expires_after(state_.options.body_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Connection::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  state_.metrics.AddBytesReceived(parser_->get().body().size());
  (this->*route_->handler)();
}

void Connection::ServeLog() { worker_.Judge(shared_from_this(), parser_->get().body()); }

void Connection::Finish(const Status& stored) {
  if (stored.ok())
    state_.api.CountStored(outcome_);
  else
    LogApi::StoreFailed(stored, &outcome_);
  Respond(outcome_.status, "application/json");
}

void Connection::OnReadError(beast::error_code ec) {
  if (IsDisconnect(ec)) return Close();
  const auto unparsed = buffer_.data();
  const Cap cap =
      parser_->CapReached(ec, {static_cast<const char*>(unparsed.data()), unparsed.size()});
  if (cap != Cap::kNone) return Refuse(cap);
  Fail(400, ClientError::kMalformedRequest, "malformed request: " + ec.message());
}

void Connection::Refuse(Cap cap) {
  const Refusal refusal = http::Refuse(cap, state_.options.max_header, state_.options.max_body);
  const ClientError reason = refusal.status == 431   ? ClientError::kHeaderTooLarge
                             : refusal.status == 413 ? ClientError::kBodyTooLarge
                                                     : ClientError::kMalformedRequest;
  Fail(refusal.status, reason, refusal.detail);
}

void Connection::ServeHealth() {
  const Status status = CheckSpoolWritable(state_.writer.spool());
  outcome_.body.clear();
  if (status.ok()) {
    outcome_.body = R"({"status":"ok"})";
    return Respond(200, "application/json");
  }
  outcome_.body = R"({"status":"unavailable","detail":)";
  event::AppendJsonString(status.message(), &outcome_.body);
  outcome_.body.push_back('}');
  Respond(503, "application/json");
}

void Connection::ServeMetrics() {
  outcome_.body = state_.metrics.Render(state_.writer.syncs(), state_.writer.seals());
  Respond(200, "text/plain; version=0.0.4; charset=utf-8");
}

void Connection::Fail(unsigned status, ClientError reason, std::string_view detail,
                      std::string_view allow) {
  // The rest of an unread body would be taken for the next request.
  if (!parser_ || !parser_->is_done()) close_after_ = true;
  outcome_.client_error = reason;
  outcome_.body = R"({"detail":)";
  event::AppendJsonString(detail, &outcome_.body);
  outcome_.body.push_back('}');
  Respond(status, "application/json", allow);
}

void Connection::Respond(unsigned status, const char* content_type, std::string_view allow) {
  phase_ = Phase::kWriting;
  if (status >= 400 && status < 500) {
    state_.metrics.CountClientError(outcome_.client_error);
    if (spdlog::should_log(spdlog::level::debug)) LogClientError(status);
  }
  if (state_.stopping.load()) close_after_ = true;
  body_.swap(outcome_.body);  // both keep their capacity for the next request
  head_.clear();
  AppendResponseHead({.version = parser_ && parser_->get().version() == 10 ? 10u : 11u,
                      .status = status,
                      .content_type = content_type,
                      .allow = allow,
                      .keep_alive = !close_after_,
                      .content_length = body_.size()},
                     &head_);
  // HEAD gets the fields a GET would, and no body (RFC 9110, 9.3.2): bytes
  // after them would be read as the start of the next answer. A request whose
  // header could not be read is no HEAD request: its 400 keeps its body (the
  // connection closes after it).
  if (parser_ && parser_->is_header_done() && parser_->get().method() == bhttp::verb::head) {
    body_.clear();
  }
  state_.metrics.CountRequest(status);
  stream_.expires_after(state_.options.write_timeout);
  const std::array<asio::const_buffer, 2> answer = {asio::buffer(head_), asio::buffer(body_)};
  asio::async_write(stream_, answer, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnWritten(ec);
  });
}

// Debug level: a client's mistake is its own business until an operator
// looks for it, and a flood of them must not flood the log by default.
void Connection::LogClientError(unsigned status) const {
  beast::error_code ec;
  const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
  std::string_view detail = outcome_.body;
  constexpr size_t kMaxDetail = 512;
  const bool cut = detail.size() > kMaxDetail;
  if (cut) detail = detail.substr(0, kMaxDetail);
  const auto* request = parser_ ? &parser_->get() : nullptr;
  spdlog::debug(
      "Answered {} reason={} peer={} request=\"{} {}\" detail={}{}", status,
      ClientErrorName(outcome_.client_error),
      ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port()),
      request ? Sv(request->method_string()) : std::string_view("-"),
      request ? Sv(request->target()) : std::string_view("-"), detail, cut ? "..." : "");
}

void Connection::OnWritten(beast::error_code ec) {
  if (ec) return Close();
  if (close_after_) return LingerClose();
  parser_.reset();
  WaitForRequest();
}

void Connection::LingerClose() {
  phase_ = Phase::kClosing;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  // What the connection held is not needed any more: what still comes is
  // read into the worker's scratch buffer, shared by every closing connection.
  parser_.reset();
  buffer_.clear();
  buffer_.shrink_to_fit();
  stream_.expires_after(kLingerTime);
  Drain();
}

void Connection::Drain() {
  stream_.async_read_some(worker_.scratch(),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kMaxDrain) return self->Close();
                            self->Drain();
                          });
}

}  // namespace logroute::http
