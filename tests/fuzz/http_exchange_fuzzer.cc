// libcore/http: whole HTTP exchanges through the server's Connection, in
// process: the bytes a client sends on one connection go in, the server's
// answers come out.
//
// Input: a flags byte, a piece-size byte, then what the client sends (any
// number of pipelined requests, or anything else).
//   flags & 1         a bearer token is required;
//   (flags >> 1) % 3  the unrouted policy: reject, store or drop;
//   flags & 8         small limits (256-byte bodies, 1 KiB headers), else the defaults;
//   flags & 16        the client sends pieces of (piece-size % 61 + 1) bytes and
//                     the server runs in between, which tries other read boundaries.
// The connection runs on a socketpair with its worker's event loop driven by
// this thread (no network, no timing), into a real spool on tmpfs. The client
// shuts its side down once it has sent everything, then reads every answer up
// to the server's close.
//
// Oracles: the exchange ends, without a crash; what comes back is a sequence
// of whole HTTP responses of known statuses, at most one final answer per
// request (requests as Beast's own parser finds them in the input); and a 2xx
// answers only GET /healthz, GET /metrics, or a POST /api/log (with the token,
// when one is required) whose body is valid: one event (201, whose answer is
// that event) or a batch of valid events (202, with the right count). Validity
// is judged by event::EventParser, and for a JSON array also by nlohmann's DOM.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <nlohmann/json.hpp>

#include "libcore/chain/chain.h"
#include "libcore/chain/live_chain.h"
#include "libcore/event/event.h"
#include "libcore/http/auth.h"
#include "libcore/http/connection.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/spool.h"
#include "libcore/spool/writer.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::http {
namespace {

constexpr std::string_view kToken = "fuzz-token";
constexpr unsigned kKnownStatuses[] = {100, 200, 201, 202, 400, 401, 404, 405,
                                       411, 413, 415, 422, 431, 503, 507};
constexpr int kFixtures = 2 * 3 * 2;  // token, unrouted policy, small limits

spool::SpoolWriter& Writer() {
  static spool::SpoolWriter* writer = [] {
    Result<spool::Spool> spool =
        spool::Spool::Open(fuzz::ScratchDir() + "/spool", {.shards = 1, .create = true});
    FUZZ_CHECK(spool.ok(), "cannot create the spool: " + spool.status().message());
    auto opened = spool::SpoolWriter::Open(*spool, {.fsync = false, .segment_bytes = 1 << 20});
    FUZZ_CHECK(opened.ok(), "cannot open the spool writer: " + opened.status().message());
    return opened->release();
  }();
  return *writer;
}

// What the server answers records goes into the spool: drop sealed segments
// now and then so that a long run keeps its disk use bounded.
void DropSealedSegments() {
  static uint64_t runs = 0;
  if (++runs % 1024 != 0) return;
  const spool::Spool& spool = Writer().spool();
  Result<std::vector<uint64_t>> segments = spool::ListSegments(spool, 0);
  FUZZ_CHECK(segments.ok(), "cannot list the segments: " + segments.status().message());
  for (uint64_t seq : *segments) ::unlink(spool.SegmentPath(0, seq).c_str());
}

struct Fixture {
  ServerOptions options;
  std::unique_ptr<chain::LiveChain> chain;
  std::unique_ptr<ServerState> state;
  std::unique_ptr<Worker> worker;
};

Fixture& FixtureFor(uint8_t flags) {
  static std::unique_ptr<Fixture> fixtures[kFixtures];
  const int token = flags & 1, policy = (flags >> 1) % 3, small = (flags >> 3) & 1;
  std::unique_ptr<Fixture>& f = fixtures[(token * 3 + policy) * 2 + small];
  if (f) return *f;
  f = std::make_unique<Fixture>();
  if (token) f->options.token = std::string(kToken);
  if (small) {
    f->options.max_body = 256;
    f->options.max_header = 1024;
  }
  f->options.handle_signals = false;
  chain::ChainConfig config;
  config.SetValue("unrouted", policy == 0 ? "reject" : policy == 1 ? "store" : "drop");
  Result<chain::Chain> chain = chain::Chain::Create(config);
  FUZZ_CHECK(chain.ok(), "cannot build the chain: " + chain.status().message());
  f->chain = std::make_unique<chain::LiveChain>(std::move(*chain));
  f->state = std::make_unique<ServerState>(f->options, *f->chain, Writer(), Env::Default());
  f->worker = std::make_unique<Worker>(*f->state);
  return *f;
}

// Runs one connection: sends `sent` (in pieces of `piece` bytes), shuts the
// sending side down, and returns all the server wrote up to its close.
std::string Exchange(Fixture& f, std::string_view sent, size_t piece) {
  int fds[2];
  FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0,
             std::string("socketpair failed: ") + std::strerror(errno));
  asio::io_context& io = f.worker->io();
  tcp::socket socket(io);
  beast::error_code ec;
  socket.assign(tcp::v4(), fds[1],
                ec);  // TCP options fail on a socketpair; Connection ignores that
  FUZZ_CHECK(!ec, "cannot assign the socket: " + ec.message());
  std::make_shared<Connection>(std::move(socket), *f.state, *f.worker)->Start();

  const int client = fds[0];
  std::string received;
  size_t sent_bytes = 0;
  bool shut = false, eof = false;
  auto stalled_since = std::chrono::steady_clock::now();
  for (;;) {
    bool progress = false;
    if (sent_bytes < sent.size()) {
      const size_t n = std::min(piece, sent.size() - sent_bytes);
      const ssize_t w = ::send(client, sent.data() + sent_bytes, n, MSG_NOSIGNAL);
      if (w > 0) {
        sent_bytes += static_cast<size_t>(w);
        progress = true;
      } else if (errno != EAGAIN) {
        sent_bytes = sent.size();  // the server closed: the rest is never read
      }
    } else if (!shut) {
      ::shutdown(client, SHUT_WR);
      shut = true;
      progress = true;
    }
    io.restart();
    if (io.poll() > 0) progress = true;
    for (;;) {
      char block[16384];
      const ssize_t r = ::recv(client, block, sizeof block, 0);
      if (r > 0) {
        received.append(block, static_cast<size_t>(r));
        progress = true;
        continue;
      }
      if (r == 0 || errno != EAGAIN) eof = true;
      break;
    }
    if (eof && shut && f.worker->connections() == 0) break;
    if (progress) {
      stalled_since = std::chrono::steady_clock::now();
      continue;
    }
    // Nothing moved: the server waits on a timer, or on nothing at all.
    FUZZ_CHECK(std::chrono::steady_clock::now() - stalled_since < std::chrono::seconds(5),
               "the exchange does not end: the client sent everything and shut down, the "
               "server neither answers nor closes");
    io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  ::close(client);
  io.restart();
  io.poll();  // the handlers of the closed connection's cancelled timers
  return received;
}

struct Request {
  bool complete;  // false: the header came whole, the body did not
  std::string method;
  std::string path;  // the target up to '?'
  std::string content_type;
  std::string authorization;
  std::string body;
};

template <class Body>
Request Describe(const bhttp::request<Body>& message, bool complete, std::string body) {
  const std::string_view target(message.target().data(), message.target().size());
  return {complete,
          std::string(message.method_string()),
          std::string(target.substr(0, target.find('?'))),
          std::string(message[bhttp::field::content_type]),
          std::string(message[bhttp::field::authorization]),
          std::move(body)};
}

// The requests in `bytes` as Beast's parser finds them, up to the first that
// is malformed or incomplete; a last one whose header is whole but whose body
// is not comes marked incomplete (the server may answer a GET without its body).
// *rest: the bytes from the first request whose header Beast could not take.
std::vector<Request> ParseRequests(std::string_view bytes, size_t max_header, size_t max_body,
                                   std::string_view* rest) {
  std::vector<Request> requests;
  while (!bytes.empty()) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(max_header));
    // As the server: a larger body is refused (413) and ends the connection;
    // unbounded, Beast would reserve whatever Content-Length says.
    parser.body_limit(max_body);
    parser.eager(true);
    beast::error_code ec;
    size_t used = 0;
    while (!parser.is_done() && !ec) {
      const size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
      if (n == 0) break;  // Beast wants more (in a body it says so by consuming nothing)
      used += n;
    }
    if (!parser.is_header_done() && ec == bhttp::error::body_limit) {
      // A Content-Length past the limit fails the header. The server may
      // still answer it (GET /healthz is served without its body): take the
      // header alone, with a body type that reserves nothing.
      bhttp::request_parser<bhttp::empty_body> header;
      header.header_limit(static_cast<uint32_t>(max_header));
      header.eager(false);
      beast::error_code header_ec;
      header.put(asio::buffer(bytes.data(), bytes.size()), header_ec);
      if (header.is_header_done()) requests.push_back(Describe(header.get(), false, ""));
      *rest = bytes;
      break;
    }
    if (!parser.is_header_done()) {
      *rest = bytes;
      break;
    }
    requests.push_back(Describe(parser.get(), parser.is_done(), parser.get().body()));
    if (!parser.is_done()) break;
    bytes.remove_prefix(used);
  }
  return requests;
}

struct Response {
  unsigned status;
  std::string body;
};

// The final responses in `bytes` (interim 1xx ones are dropped); every byte must be part of one.
// The answer to a HEAD request (in `requests`, in order) has no body whatever its Content-Length.
// So may the last answer, to `rest` (what Beast could not parse) when that begins as a HEAD: the
// server's own parser may have read its header whole (its limits are not Beast's).
std::vector<Response> ParseResponses(std::string_view bytes, const std::vector<Request>& requests,
                                     std::string_view rest) {
  std::vector<Response> responses;
  while (!bytes.empty()) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    const size_t answering = responses.size();
    parser.skip(answering < requests.size() && requests[answering].method == "HEAD");
    beast::error_code ec;
    size_t used = 0;
    while (!parser.is_done() && !ec) {
      const size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
      if (n == 0) break;
      used += n;
    }
    const bool head_answered_last = answering == requests.size() && rest.starts_with("HEAD ") &&
                                    parser.is_header_done() && used == bytes.size();
    FUZZ_CHECK(parser.is_done() || head_answered_last,
               "the server wrote something that is not a whole HTTP response (" + ec.message() +
                   "): " + fuzz::Printable(bytes.substr(0, 300)));
    const unsigned status = parser.get().result_int();
    bool known = false;
    for (unsigned s : kKnownStatuses) known |= s == status;
    FUZZ_CHECK(known, "unexpected status " + std::to_string(status));
    if (status >= 200) responses.push_back({status, parser.get().body()});
    bytes.remove_prefix(used);
  }
  return responses;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!IsJsonSpace(c)) return false;
  }
  return true;
}

std::string MediaType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

bool ValidEvent(std::string_view text, event::Event* event) {
  static event::EventParser parser;
  return parser.Parse(text, event);
}

// The number of events in a valid batch body; aborts when an item is not valid.
uint64_t CountValidBatch(std::string_view body, bool ndjson, const std::string& shown) {
  uint64_t items = 0;
  event::Event event;
  if (ndjson) {
    while (!body.empty()) {
      const size_t newline = body.find('\n');
      const std::string_view line = body.substr(0, newline);
      body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
      if (IsBlank(line)) continue;
      FUZZ_CHECK(ValidEvent(line, &event),
                 "2xx for NDJSON with an invalid line " + fuzz::Printable(line) + ": " + shown);
      ++items;
    }
    return items;
  }
  const nlohmann::json array = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  FUZZ_CHECK(array.is_array(), "2xx for a body that is not a JSON array to nlohmann: " + shown);
  for (const nlohmann::json& element : array) {
    FUZZ_CHECK(ValidEvent(element.dump(), &event),
               "2xx for an array holding an invalid event " + element.dump() + ": " + shown);
    ++items;
  }
  return items;
}

void CheckSuccess(const Fixture& f, const Request& request, const Response& response) {
  const std::string shown = std::to_string(response.status) + " " + fuzz::Printable(response.body) +
                            " for " + request.method + " " + fuzz::Printable(request.path) +
                            " with body " + fuzz::Printable(request.body.substr(0, 400));
  if (request.path == "/healthz" || request.path == "/metrics") {
    FUZZ_CHECK(request.method == "GET" && response.status == 200, "unexpected " + shown);
    FUZZ_CHECK(f.options.token.empty() || request.path == "/healthz" ||
                   BearerMatches(request.authorization, f.options.token),
               "no token, yet " + shown);
    return;
  }
  FUZZ_CHECK(request.path == "/api/log" && request.method == "POST", "unexpected " + shown);
  FUZZ_CHECK(request.complete, "a 2xx before the whole body came: " + shown);
  FUZZ_CHECK(f.options.token.empty() || BearerMatches(request.authorization, f.options.token),
             "no token, yet " + shown);
  FUZZ_CHECK(request.body.size() <= f.options.max_body, "a body over the limit, yet " + shown);
  const std::string media = MediaType(request.content_type);
  const bool ndjson = media == "application/x-ndjson";
  FUZZ_CHECK(ndjson || media == "application/json", "a wrong Content-Type, yet " + shown);
  const std::string_view body = request.body;
  const size_t first = body.find_first_not_of(" \t\r\n");
  FUZZ_CHECK(first != std::string_view::npos, "an empty body, yet " + shown);

  if (response.status == 201) {
    event::Event event;
    FUZZ_CHECK(!ndjson && body[first] != '[' && ValidEvent(body, &event),
               "201 for a body that is not one valid event: " + shown);
    std::string expected;
    event::AppendEventJson(event, &expected);
    FUZZ_CHECK(response.body == expected,
               "201 answers another event than " + expected + ": " + shown);
    return;
  }
  FUZZ_CHECK(response.status == 202, "unexpected " + shown);
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  FUZZ_CHECK(answer.is_object() && answer["accepted"].is_number_unsigned(),
             "a 202 without a count: " + shown);
  const uint64_t counted =
      answer["accepted"].get<uint64_t>() + answer.value("dropped", uint64_t{0});
  event::Event event;
  const uint64_t items = !ndjson && body[first] != '[' ? (ValidEvent(body, &event) ? 1 : 0)
                                                       : CountValidBatch(body, ndjson, shown);
  FUZZ_CHECK(items == counted, "202 counts " + std::to_string(counted) + " events, the body has " +
                                   std::to_string(items) + " valid ones: " + shown);
}

}  // namespace
}  // namespace logroute::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  const uint8_t flags = input.Byte();
  const uint8_t piece_size = input.Byte();
  const std::string_view sent = input.Rest();
  http::Fixture& fixture = http::FixtureFor(flags);
  const size_t piece = (flags & 16) != 0 ? piece_size % 61 + 1 : sent.size() + 1;

  const std::string received = http::Exchange(fixture, sent, piece);
  std::string_view rest;
  const std::vector<http::Request> requests =
      http::ParseRequests(sent, fixture.options.max_header, fixture.options.max_body, &rest);
  const std::vector<http::Response> responses = http::ParseResponses(received, requests, rest);
  // A request the parser cannot take still gets its 4xx: at most one answer more.
  FUZZ_CHECK(responses.size() <= requests.size() + 1,
             std::to_string(responses.size()) + " answers to " + std::to_string(requests.size()) +
                 " requests: " + fuzz::Printable(sent.substr(0, 400)));
  for (size_t i = 0; i < responses.size(); ++i) {
    if (responses[i].status < 200 || responses[i].status >= 300) continue;
    FUZZ_CHECK(i < requests.size(),
               "a 2xx for no request: " + fuzz::Printable(sent.substr(0, 400)));
    http::CheckSuccess(fixture, requests[i], responses[i]);
  }
  http::DropSealedSegments();
  return 0;
}
