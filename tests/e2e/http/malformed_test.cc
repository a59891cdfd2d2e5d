// A table of malformed, hostile or refused requests sent over raw sockets to
// logroute-recv --listen: each gets its expected status (0: the connection is
// closed without an answer) and none stores anything.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

struct Case {
  const char* name;
  std::string request;
  int status;
};

std::string Post(const std::string& body, const std::string& type = "application/json") {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Event(const std::string& unix_ts, const std::string& user_id, const std::string& name) {
  return R"({"unix_ts":)" + unix_ts + R"(,"user_id":)" + user_id + R"(,"event_name":)" + name + "}";
}

std::string Head(const std::string& fields) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + fields +
         "\r\n";
}

std::vector<Case> Cases() {
  const std::string good = Event("1", "2", R"("login")");
  const std::string good_len = std::to_string(good.size());
  std::string deep = R"({"unix_ts":1,"user_id":2,"event_name":"login","x":)";
  deep += std::string(100, '[') + std::string(100, ']') + "}";
  std::string trailers, many_fields;
  while (trailers.size() < (20 << 10)) trailers += "X-Trailer: aaaaaaaa\r\n";
  for (int i = 0; i < 101; ++i) many_fields += "a: b\r\n";
  return {
      // The JSON and the event.
      {"truncated JSON", Post(R"({"unix_ts":1,)"), 400},
      {"a string, not an object", Post(R"("login")"), 400},
      {"null", Post("null"), 400},
      {"an array of numbers", Post("[1,2]"), 400},
      // ("2", 2.0 and 1e3 are integers, as for the original's serializer.)
      {"user_id as a string that is no integer", Post(Event("1", R"("2.5")", R"("login")")), 400},
      {"user_id as a boolean", Post(Event("1", "true", R"("login")")), 400},
      {"unix_ts a float", Post(Event("1.5", "2", R"("login")")), 400},
      {"unix_ts in exponent form, not whole", Post(Event("1e-3", "2", R"("login")")), 400},
      {"user_id past int64", Post(Event("1", "9223372036854775808", R"("login")")), 400},
      {"unix_ts below int64", Post(Event("-9223372036854775809", "2", R"("login")")), 400},
      {"a 400-digit number", Post(Event(std::string(400, '9'), "2", R"("login")")), 400},
      {"event_name empty", Post(Event("1", "2", R"("")")), 400},
      {"event_name of 256 characters", Post(Event("1", "2", '"' + std::string(256, 'a') + '"')),
       400},
      {"event_name a number", Post(Event("1", "2", "5")), 400},
      {"event_name missing", Post(R"({"unix_ts":1,"user_id":2})"), 400},
      {"a key given twice", Post(R"({"unix_ts":1,"user_id":2,"user_id":3,"event_name":"login"})"),
       400},
      {"invalid UTF-8", Post(Event("1", "2", "\"log\xff\xfein\"")), 400},
      {"overlong UTF-8", Post(Event("1", "2", "\"\xc0\xafx\"")), 400},
      {"a lone surrogate", Post(Event("1", "2", R"("\ud800")")), 400},
      {"nesting 100 deep", Post(deep), 400},
      {"content after the object", Post(good + " {}"), 400},
      {"an empty body", Post(""), 400},
      {"a body of whitespace", Post(" \r\n\t "), 400},
      {"an unrouted event", Post(Event("1", "2", R"("signup")")), 422},
      // Batches: all or nothing.
      {"NDJSON with a bad second line", Post(good + "\n{\"x\":\n", "application/x-ndjson"), 400},
      {"NDJSON with an unrouted last line",
       Post(good + "\n" + Event("1", "2", R"("other")") + "\n", "application/x-ndjson"), 422},
      {"an array with a trailing comma", Post("[" + good + ",]"), 400},
      {"an array never closed", Post("[" + good + "," + good), 400},
      {"an array with content after it", Post("[" + good + "] x"), 400},
      {"elements without a comma", Post("[" + good + " " + good + "]"), 400},
      // Media types.
      {"no Content-Type",
       "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Length: " + good_len + "\r\n\r\n" + good, 415},
      {"text/plain", Post(good, "text/plain"), 415},
      {"JSON sent as a form", Post(good, "application/x-www-form-urlencoded"), 400},
      // Lengths and framing.
      {"no Content-Length and not chunked", Head("") + good, 411},
      {"Content-Length that is not a number", Head("Content-Length: abc\r\n") + good, 400},
      {"a negative Content-Length", Head("Content-Length: -1\r\n") + good, 400},
      {"a Content-Length past 2^64", Head("Content-Length: 99999999999999999999999\r\n") + good,
       400},
      {"Content-Length over --max-body", Head("Content-Length: 2000000\r\n"), 413},
      {"Content-Length longer than the body sent", Head("Content-Length: 500\r\n") + good, 0},
      {"two different Content-Lengths",
       Head("Content-Length: " + good_len + "\r\nContent-Length: 5\r\n") + good, 400},
      {"Content-Length then Transfer-Encoding (smuggling)",
       Head("Content-Length: " + good_len + "\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n" +
           Post(good),
       400},
      {"Transfer-Encoding then Content-Length (smuggling)",
       Head("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") + "0\r\n\r\n" + Post(good), 400},
      {"Transfer-Encoding gzip", Head("Transfer-Encoding: gzip\r\n") + good, 400},
      {"chunked not last", Head("Transfer-Encoding: chunked, gzip\r\n") + "0\r\n\r\n", 400},
      {"chunked twice", Head("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400},
      {"a chunk size that is not hex",
       Head("Transfer-Encoding: chunked\r\n") + "zz\r\nabc\r\n0\r\n\r\n", 400},
      {"a chunk longer than its size",
       Head("Transfer-Encoding: chunked\r\n") + "2\r\n" + good + "\r\n0\r\n\r\n", 400},
      {"a chunk size past 2^64",
       Head("Transfer-Encoding: chunked\r\n") + "fffffffffffffffffffff\r\nx\r\n0\r\n\r\n", 400},
      {"chunks over --max-body",
       Head("Transfer-Encoding: chunked\r\n") + "200000\r\n" + std::string(4096, ' '), 413},
      {"a chunked body cut short", Head("Transfer-Encoding: chunked\r\n") + "40\r\n{\"unix", 0},
      {"a chunk extension of 20 KiB",
       Head("Transfer-Encoding: chunked\r\n") + "1;" + std::string(20 << 10, 'a') +
           "\r\n{\r\n0\r\n\r\n",
       413},
      {"a chunk-size line of 20 KiB of zeros",
       Head("Transfer-Encoding: chunked\r\n") + std::string(20 << 10, '0') + "1\r\n{\r\n0\r\n\r\n",
       400},
      {"trailers of 20 KiB",
       Head("Transfer-Encoding: chunked\r\n") + "1\r\n{\r\n0\r\n" + trailers + "\r\n", 431},
      // The header itself.
      {"a header field of 20 KiB", Head("X-Big: " + std::string(20 << 10, 'a') + "\r\n"), 431},
      {"101 header fields", Head(many_fields + "Content-Length: 2\r\n") + "{}", 431},
      {"a field line without a colon", Head("Content-Length: 2\r\nno colon here\r\n") + "{}", 400},
      {"a NUL in a field value", Head(std::string("X-A: a\0b\r\nContent-Length: 2\r\n", 30)) + "{}",
       400},
      {"an HTTP/2 version", "POST /api/log HTTP/2.0\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
       400},
      {"no version", "POST /api/log\r\nHost: x\r\n\r\n", 400},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 tls hello?\r\n\r\n", 400},
  };
}

TEST(HttpMalformedTest, EachRequestGetsItsStatusAndStoresNothing) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "2", "--header-timeout", "2", "--body-timeout", "2"});
  ASSERT_TRUE(server.started()) << server.log();
  const std::vector<Case> cases = Cases();
  ASSERT_GE(cases.size(), 30u);
  for (const Case& c : cases) {
    EXPECT_EQ(OneShot(server.port(), c.request), c.status) << c.name;
  }
  EXPECT_EQ(CountSpoolRecords(spool), 0u);
  // The server is still well: a good request goes through.
  EXPECT_EQ(OneShot(server.port(), Post(Event("1", "2", R"("login")"))), 201);
  EXPECT_EQ(CountSpoolRecords(spool), 1u);
}

}  // namespace
}  // namespace logroute::testing
