// The request parser of a Connection: Beast's request_parser<string_body>
// plus the caps Beast does not keep (doc/http-api.md, "Connections and
// limits"), so that what one request can make recv hold is bounded:
//   - the request line and every field, trailers included, count toward
//     `max_header` bytes, and at most kMaxFields fields are taken (Beast
//     limits the request line and the field section each, not their sum,
//     and not the trailers);
//   - chunk extensions count toward `max_body`, with the chunk data (Beast
//     counts the data only).
// Past one of these, parsing stops with http::error::header_limit or
// body_limit. What must be whole before it can be parsed (a header line, a
// chunk-size line, the trailer section) is also bounded by the size of the
// connection's read buffer, which Beast reports as buffer_overflow.
//
// CapReached() names the cap behind an error; Refuse() gives the answer.
// One parser per request, like Beast's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace logroute::http {

inline constexpr size_t kMaxFields = 100;  // header and trailer fields of one request

enum class Cap {
  kNone,
  kHeaderBytes,      // the request line and header fields: 431
  kTrailerBytes,     // the same with the trailers, or trailers past the read buffer: 431
  kFields,           // more than kMaxFields fields: 431
  kBodyBytes,        // chunk or Content-Length data past max_body: 413
  kChunkExtensions,  // data and chunk extensions past max_body: 413
  kChunkLine,        // a chunk-size line past the read buffer, not for its extensions: 400
};

struct Refusal {
  unsigned status;
  std::string detail;
};

// The answer to a request that reached `cap` (not kNone). The read buffer
// holds `max_header` bytes.
Refusal Refuse(Cap cap, size_t max_header, size_t max_body);

// Which cap a chunked body reached when the read buffer filled up, from the
// bytes the parser left unparsed: the trailer section, a chunk extension, or
// a chunk-size line that is neither.
Cap ClassifyUnparsedChunk(std::string_view unparsed);

class RequestParser final
    : public boost::beast::http::request_parser<boost::beast::http::string_body> {
 public:
  RequestParser(size_t max_header, size_t max_body)
      : max_header_(max_header), max_body_(max_body) {}

  // The cap behind `ec`, an error of this parser's read; kNone for another
  // error. `unparsed`: what is left in the read buffer.
  Cap CapReached(boost::beast::error_code ec, std::string_view unparsed) const;

 private:
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(uint64_t size, boost::beast::string_view extensions,
                            boost::beast::error_code& ec) override;

  size_t max_header_;
  size_t max_body_;
  size_t header_bytes_ = 0;  // request line and fields so far; 0 before the first field
  size_t fields_ = 0;
  uint64_t body_bytes_ = 0;  // chunk data and extensions so far
  bool extensions_over_ = false;
};

}  // namespace logroute::http
