#include "libcore/http/response_head.h"

#include <ostream>  // before Beast: Boost 1.74 uses std::ostream without including it

#include <boost/beast/http/status.hpp>

namespace logroute::http {
namespace {

void AppendField(std::string_view name, std::string_view value, std::string* out) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

}  // namespace

void AppendResponseHead(const ResponseHead& head, std::string* out) {
  namespace bhttp = boost::beast::http;
  out->append(head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out->append(std::to_string(head.status));
  out->push_back(' ');
  const auto reason = bhttp::obsolete_reason(bhttp::int_to_status(head.status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  if (!head.allow.empty()) AppendField("Allow", head.allow, out);
  if (head.status == 401) AppendField("WWW-Authenticate", "Bearer", out);
  AppendField("Content-Type", head.content_type, out);
  if (head.version == 10 && head.keep_alive) AppendField("Connection", "keep-alive", out);
  if (head.version != 10 && !head.keep_alive) AppendField("Connection", "close", out);
  AppendField("Content-Length", std::to_string(head.content_length), out);
  out->append("\r\n");
}

}  // namespace logroute::http
