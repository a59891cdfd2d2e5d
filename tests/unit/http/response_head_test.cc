#include "libcore/http/response_head.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace logroute::http {
namespace {

namespace bhttp = boost::beast::http;

// What Beast's serializer writes for the same answer, built as the server
// built it before it wrote its own heads.
std::string BeastHead(const ResponseHead& head) {
  bhttp::response<bhttp::string_body> response;
  if (!head.allow.empty())
    response.set(bhttp::field::allow, {head.allow.data(), head.allow.size()});
  if (head.status == 401) response.set(bhttp::field::www_authenticate, "Bearer");
  response.result(head.status);
  response.version(head.version);
  response.set(bhttp::field::content_type, {head.content_type.data(), head.content_type.size()});
  response.body().assign(head.content_length, 'b');
  response.keep_alive(head.keep_alive);
  response.prepare_payload();
  std::ostringstream text;
  text << response;
  std::string all = text.str();
  return all.substr(0, all.size() - head.content_length);
}

TEST(ResponseHeadTest, ByteForByteWhatBeastWrites) {
  for (unsigned status :
       {200u, 201u, 202u, 400u, 401u, 404u, 405u, 411u, 413u, 415u, 422u, 431u, 500u, 503u, 507u}) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {true, false}) {
        for (std::string_view allow : {"", "GET", "POST"}) {
          for (size_t length : {size_t{0}, size_t{17}, size_t{123456}}) {
            const ResponseHead head{version, status, "application/json", allow, keep_alive, length};
            std::string mine = "kept";
            AppendResponseHead(head, &mine);
            EXPECT_EQ(mine, "kept" + BeastHead(head))
                << status << " HTTP/" << version << " keep_alive=" << keep_alive
                << " allow=" << allow << " length=" << length;
          }
        }
      }
    }
  }
}

TEST(ResponseHeadTest, MetricsContentType) {
  const ResponseHead head{11, 200, "text/plain; version=0.0.4; charset=utf-8", "", true, 5};
  std::string mine;
  AppendResponseHead(head, &mine);
  EXPECT_EQ(mine, BeastHead(head));
  EXPECT_EQ(mine,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 5\r\n\r\n");
}

}  // namespace
}  // namespace logroute::http
