// The status line and fields of the server's answers, written straight into
// a reused string: byte for byte what Beast's serializer writes for the same
// response (response_head_test compares them), at a fraction of the cost of
// its buffer sequences, which were the largest cost of a single-event request
// in user space.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace logroute::http {

struct ResponseHead {
  unsigned version = 11;  // 10 or 11
  unsigned status = 200;  // a status Beast knows (its reason phrase is written)
  std::string_view content_type;
  std::string_view allow;  // the Allow field of a 405; empty: none
  bool keep_alive = true;
  size_t content_length = 0;
};

// Appends "HTTP/1.1 201 Created\r\n", the fields and the empty line to *out:
// Allow (when set), WWW-Authenticate: Bearer (401), Content-Type, Connection
// (close on HTTP/1.1, keep-alive on HTTP/1.0, as the connection goes on),
// Content-Length.
void AppendResponseHead(const ResponseHead& head, std::string* out);

}  // namespace logroute::http
