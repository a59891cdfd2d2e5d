// logroute-recv --listen as built, driven with curl: every status of the API
// (doc/http-api.md), the answers' shapes, and what lands in the spool.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

const char* const kJson = "Content-Type: application/json";

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()) << server_.log(); }
  std::string Spool() const { return dir_.Path("spool"); }

  CurlResult Post(const std::string& body, const char* type = kJson) {
    return Curl({"-H", type, "--data-binary", body, server_.url("/api/log")});
  }

  TempDir dir_;
  RecvServer server_{dir_.Path("spool"), {"--shards", "2"}};
};

TEST_F(HttpApiTest, OneEventAnswers201WithTheEvent) {
  const CurlResult r = Post(EventJson(42));
  EXPECT_EQ(r.status, 201);
  EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos) << r.headers;
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json::parse(R"({"unix_ts":1684129671,"user_id":42,"event_name":"login"})"));
  EXPECT_EQ(CountSpoolRecords(Spool()), 1u);
}

TEST_F(HttpApiTest, ExtraFieldsAreIgnoredAndCharsetIsAccepted) {
  const CurlResult r = Post(R"({"unix_ts":1,"user_id":2,"event_name":"logout","x":[1,{"y":null}]})",
                            "Content-Type: application/json; charset=utf-8");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(nlohmann::json::parse(r.body)["event_name"], "logout");
}

TEST_F(HttpApiTest, InvalidEventAnswers400NamingEachField) {
  const CurlResult r = Post(R"({"unix_ts":"soon","event_name":"login"})");
  EXPECT_EQ(r.status, 400);
  const auto body = nlohmann::json::parse(r.body);
  ASSERT_TRUE(body["unix_ts"].is_array()) << r.body;
  ASSERT_TRUE(body["user_id"].is_array()) << r.body;
  EXPECT_FALSE(body["unix_ts"][0].get<std::string>().empty());
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

TEST_F(HttpApiTest, NotJsonAnswers400UnderNonFieldErrors) {
  const CurlResult r = Post("{oops");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(nlohmann::json::parse(r.body)["non_field_errors"].is_array()) << r.body;
}

TEST_F(HttpApiTest, UnroutedEventAnswers422UnderEventName) {
  const CurlResult r = Post(EventJson(1, "purchase"));
  EXPECT_EQ(r.status, 422);
  const auto body = nlohmann::json::parse(r.body);
  ASSERT_TRUE(body["event_name"].is_array()) << r.body;
  EXPECT_NE(body["event_name"][0].get<std::string>().find("purchase"), std::string::npos);
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

TEST_F(HttpApiTest, JsonArrayAnswers202WithTheCount) {
  const CurlResult r = Post('[' + EventJson(1) + "," + EventJson(2, "logout") + "]");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json::parse(R"({"accepted":2})"));
  EXPECT_EQ(CountSpoolRecords(Spool()), 2u);
}

TEST_F(HttpApiTest, NdjsonAnswers202WithTheCount) {
  const CurlResult r = Post(EventJson(1) + "\n\n" + EventJson(2) + "\r\n" + EventJson(3),
                            "Content-Type: application/x-ndjson");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body)["accepted"], 3);
  EXPECT_EQ(CountSpoolRecords(Spool()), 3u);
}

TEST_F(HttpApiTest, BatchIsAllOrNothingAndNamesTheFirstBadItem) {
  const CurlResult r =
      Post(EventJson(1) + "\n" + EventJson(2) + "\n" +
               R"({"unix_ts":1,"user_id":1.5,"event_name":"login"})" + "\n" + "{broken\n",
           "Content-Type: application/x-ndjson");
  EXPECT_EQ(r.status, 400);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["index"], 2) << r.body;
  EXPECT_EQ(body["line"], 3) << r.body;
  EXPECT_TRUE(body["errors"]["user_id"].is_array()) << r.body;
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

TEST_F(HttpApiTest, BatchWithAnUnroutedItemAnswers422) {
  const CurlResult r = Post('[' + EventJson(1) + "," + EventJson(2, "nope") + "]");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(nlohmann::json::parse(r.body)["index"], 1) << r.body;
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

TEST_F(HttpApiTest, UnknownPathAnswers404) {
  EXPECT_EQ(Curl({server_.url("/api/logs")}).status, 404);
  EXPECT_EQ(Curl({server_.url("/")}).status, 404);
}

TEST_F(HttpApiTest, WrongMethodAnswers405WithAllow) {
  const CurlResult get = Curl({server_.url("/api/log")});
  EXPECT_EQ(get.status, 405);
  EXPECT_NE(get.headers.find("Allow: POST"), std::string::npos) << get.headers;
  const CurlResult post = Curl({"-X", "POST", "-H", kJson, "-d", "{}", server_.url("/healthz")});
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET"), std::string::npos) << post.headers;
  EXPECT_EQ(Curl({"-X", "DELETE", server_.url("/metrics")}).status, 405);
}

TEST_F(HttpApiTest, UnsupportedContentTypeAnswers415) {
  EXPECT_EQ(Post(EventJson(1), "Content-Type: text/plain").status, 415);
  EXPECT_EQ(Post(EventJson(1), "Content-Type: multipart/mixed; boundary=x").status, 415);
  EXPECT_EQ(
      Curl({"-H", "Content-Type:", "--data-binary", EventJson(1), server_.url("/api/log")}).status,
      415);
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

// Drop-in for the original service's clients (Django REST framework's
// IntegerField and default parsers): integer strings and integral numbers in
// JSON, and HTML forms, urlencoded or multipart; the answer has integers.
TEST_F(HttpApiTest, TheOriginalsIntegerStringsAndFormsAnswer201WithIntegers) {
  CurlResult r = Post(R"({"unix_ts":"1684129671.0","user_id":"42","event_name":"login"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, R"({"unix_ts":1684129671,"user_id":42,"event_name":"login"})");
  r = Post(R"({"unix_ts":1684129671.0,"user_id":43,"event_name":"login"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, R"({"unix_ts":1684129671,"user_id":43,"event_name":"login"})");
  // curl -d: application/x-www-form-urlencoded.
  r = Curl({"-d", "unix_ts=1684129671", "-d", "user_id=44", "-d", "event_name=logout",
            server_.url("/api/log")});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, R"({"unix_ts":1684129671,"user_id":44,"event_name":"logout"})");
  // curl -F: multipart/form-data.
  r = Curl({"-F", "unix_ts=1684129671.0", "-F", "user_id= 45 ", "-F", "event_name=login",
            server_.url("/api/log")});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body, R"({"unix_ts":1684129671,"user_id":45,"event_name":"login"})");
  EXPECT_EQ(CountSpoolRecords(Spool()), 4u);

  r = Post(R"({"unix_ts":"12.5","user_id":true,"event_name":"login"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json::parse(R"({"unix_ts":["expected an integer, got the string \"12.5\""],)"
                                  R"("user_id":["expected an integer, got a boolean"]})"));
  r = Curl(
      {"-F", "unix_ts=12.5", "-F", "user_id=1", "-F", "event_name=login", server_.url("/api/log")});
  EXPECT_EQ(r.status, 400) << r.body;
  r = Curl({"-d", EventJson(1), server_.url("/api/log")});  // JSON sent as a form by mistake
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(CountSpoolRecords(Spool()), 4u);
}

TEST_F(HttpApiTest, BodyOverTheLimitAnswers413) {
  const std::string big(size_t{2} << 20, ' ');  // 2 MiB > the 1 MiB default
  const std::string path = dir_.Path("big.json");
  WriteFileOrDie(path, "[" + big + "]");
  const CurlResult r = Curl({"-H", kJson, "--data-binary", "@" + path, server_.url("/api/log")});
  EXPECT_EQ(r.status, 413) << r.body;
  const CurlResult chunked = Curl({"-H", kJson, "-H", "Transfer-Encoding: chunked", "--data-binary",
                                   "@" + path, server_.url("/api/log")});
  EXPECT_EQ(chunked.status, 413) << chunked.body;
  EXPECT_EQ(CountSpoolRecords(Spool()), 0u);
}

TEST_F(HttpApiTest, ChunkedBodyIsAccepted) {
  const CurlResult r = Curl({"-H", kJson, "-H", "Transfer-Encoding: chunked", "--data-binary",
                             EventJson(7), server_.url("/api/log")});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(CountSpoolRecords(Spool()), 1u);
}

TEST_F(HttpApiTest, ExpectContinueGetsA100First) {
  const CurlResult r = Curl({"-H", kJson, "-H", "Expect: 100-continue", "--data-binary",
                             EventJson(8), server_.url("/api/log")});
  EXPECT_EQ(r.status, 201);
  EXPECT_NE(r.headers.find("100 Continue"), std::string::npos) << r.headers;

  // Refused before the body: the final answer comes instead of 100 Continue.
  Client client(server_.port());
  client.Send(
      "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
      "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(client.ReadResponse(), 415);
}

TEST_F(HttpApiTest, HealthzAnswers200) {
  const CurlResult r = Curl({server_.url("/healthz")});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["status"], "ok");
}

TEST_F(HttpApiTest, MetricsCountRequestsEventsBytesAppendsAndSyncs) {
  ASSERT_EQ(Post(EventJson(1)).status, 201);
  ASSERT_EQ(Post(EventJson(2, "nope")).status, 422);
  ASSERT_EQ(Post("{").status, 400);
  const CurlResult r = Curl({server_.url("/metrics")});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("text/plain"), std::string::npos);
  for (const char* line : {"logroute_http_requests_total{code=\"201\"} 1",
                           "logroute_http_requests_total{code=\"422\"} 1",
                           "logroute_events_accepted_total{table=\"logs\"} 1",
                           "logroute_events_rejected_total{reason=\"unrouted\"} 1",
                           "logroute_events_rejected_total{reason=\"invalid\"} 1",
                           "logroute_spool_append_seconds_count 1", "logroute_spool_syncs_total 0",
                           "logroute_http_received_bytes_total "}) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line << "\n" << r.body;
  }
}

TEST_F(HttpApiTest, MetricsCountUnroutedEventsByNameAnd4xxByReason) {
  ASSERT_EQ(Post(EventJson(1, "purchase")).status, 422);
  ASSERT_EQ(Post("[" + EventJson(2) + "," + EventJson(3, "purchase") + "]").status, 422);
  ASSERT_EQ(Post(R"({"unix_ts":1,"user_id":4,"event_name":"say \"hi\""})").status, 422);
  ASSERT_EQ(Post("{").status, 400);
  ASSERT_EQ(Curl({server_.url("/nope")}).status, 404);
  ASSERT_EQ(Post(EventJson(5), "Content-Type: text/plain").status, 415);
  const CurlResult r = Curl({server_.url("/metrics")});
  ASSERT_EQ(r.status, 200);
  for (const char* line :
       {"logroute_events_unrouted_total{event_name=\"purchase\"} 2\n",
        "logroute_events_unrouted_total{event_name=\"say \\\"hi\\\"\"} 1\n",
        "logroute_http_client_errors_total{reason=\"unrouted_event\"} 3\n",
        "logroute_http_client_errors_total{reason=\"invalid_event\"} 1\n",
        "logroute_http_client_errors_total{reason=\"not_found\"} 1\n",
        "logroute_http_client_errors_total{reason=\"unsupported_media_type\"} 1\n",
        "logroute_http_client_errors_total{reason=\"body_too_large\"} 0\n"}) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line << "\n" << r.body;
  }
  EXPECT_EQ(r.body.find("event_name=\"login\""), std::string::npos) << "routed: not unrouted";
}

// Each 4xx is logged with its reason at debug level, and not at info.
TEST(HttpLogTest, EachClientErrorIsLoggedWithItsReasonAtDebugLevel) {
  TempDir dir;
  RecvServer debug(dir.Path("spool"), {"--log-level", "debug"});
  ASSERT_TRUE(debug.started()) << debug.log();
  ASSERT_EQ(
      Curl({"-H", kJson, "--data-binary", R"({"unix_ts":"soon"})", debug.url("/api/log")}).status,
      400);
  ASSERT_EQ(Curl({"-X", "DELETE", debug.url("/api/log")}).status, 405);
  const std::string log = debug.log();
  EXPECT_NE(log.find("debug: Answered 400 reason=invalid_event peer=127.0.0.1:"), std::string::npos)
      << log;
  EXPECT_NE(log.find("request=\"POST /api/log\" detail={\"unix_ts\":["), std::string::npos) << log;
  EXPECT_NE(log.find("Answered 405 reason=method_not_allowed"), std::string::npos) << log;

  TempDir quiet_dir;
  RecvServer quiet(quiet_dir.Path("spool"), {});
  ASSERT_TRUE(quiet.started()) << quiet.log();
  ASSERT_EQ(Curl({"-H", kJson, "--data-binary", "{", quiet.url("/api/log")}).status, 400);
  EXPECT_EQ(quiet.Signal(SIGTERM), 0);
  EXPECT_EQ(quiet.log().find("Answered"), std::string::npos) << quiet.log();
}

TEST_F(HttpApiTest, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Client client(server_.port());
  std::string requests;
  for (int i = 0; i < 5; ++i) {
    const std::string body = i == 3 ? "{bad" : EventJson(i);
    requests +=
        "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  requests += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(client.Send(requests));
  for (int expected : {201, 201, 201, 400, 201, 200}) EXPECT_EQ(client.ReadResponse(), expected);
  // Still open: one more on the same connection.
  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.ReadResponse(), 200);
  EXPECT_EQ(CountSpoolRecords(Spool()), 4u);
}

// Another process holds one shard's lock (a `flock -s` by any reader of the
// spool): no I/O thread waits for it; every request goes to the other shard,
// answered at once.
TEST_F(HttpApiTest, AShardLockHeldByAnotherProcessDelaysNoRequest) {
  const int held = ::open((Spool() + "/shard-00/lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_SH), 0);
  Client client(server_.port());
  for (int i = 0; i < 40; ++i) {
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        client.Send("POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                    std::to_string(EventJson(i).size()) + "\r\n\r\n" + EventJson(i)));
    EXPECT_EQ(client.ReadResponse(nullptr, std::chrono::seconds(5)), 201) << i;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1)) << i;
  }
  ::close(held);
  EXPECT_EQ(CountSpoolRecords(Spool()), 40u);
  EXPECT_FALSE(std::filesystem::exists(Spool() + "/shard-00/active"));
}

TEST_F(HttpApiTest, SigtermExitsZero) {
  ASSERT_EQ(Post(EventJson(1)).status, 201);
  EXPECT_EQ(server_.Signal(SIGTERM), 0);
  EXPECT_EQ(CountSpoolRecords(Spool()), 1u);
}

TEST_F(HttpApiTest, SigintExitsZero) { EXPECT_EQ(server_.Signal(SIGINT), 0); }

TEST(HttpSpoolTest, UnwritableSpoolAnswers503AndHealthzSaysWhy) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "1"});
  ASSERT_TRUE(server.started()) << server.log();
  // An `active` that is a directory cannot be opened for writing, even by root.
  std::filesystem::remove(spool + "/shard-00/active");
  ASSERT_EQ(::mkdir((spool + "/shard-00/active").c_str(), 0755), 0);
  const CurlResult post =
      Curl({"-H", kJson, "--data-binary", EventJson(1), server.url("/api/log")});
  EXPECT_TRUE(post.status == 503 || post.status == 507) << post.status;
  EXPECT_FALSE(nlohmann::json::parse(post.body)["detail"].get<std::string>().empty());
  const CurlResult health = Curl({server.url("/healthz")});
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("active"), std::string::npos) << health.body;
  EXPECT_EQ(CountSpoolRecords(spool), 0u);
  // Repaired: accepted again.
  std::filesystem::remove(spool + "/shard-00/active");
  EXPECT_EQ(Curl({server.url("/healthz")}).status, 200);
  EXPECT_EQ(Curl({"-H", kJson, "--data-binary", EventJson(1), server.url("/api/log")}).status, 201);
  EXPECT_EQ(CountSpoolRecords(spool), 1u);
}

TEST(HttpTokenTest, BearerTokenIsRequiredExceptForHealthz) {
  TempDir dir;
  WriteFileOrDie(dir.Path("token"), "s3cret-token\n");
  RecvServer server(dir.Path("spool"), {"--token-file", dir.Path("token")});
  ASSERT_TRUE(server.started()) << server.log();
  const std::vector<std::string> post = {"-H", kJson, "--data-binary", EventJson(1),
                                         server.url("/api/log")};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), post.begin(), post.end());
    return Curl(extra);
  };
  const CurlResult none = Curl(post);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.headers.find("WWW-Authenticate: Bearer"), std::string::npos) << none.headers;
  EXPECT_EQ(with({"-H", "Authorization: Bearer s3cret-tokeN"}).status, 401);
  EXPECT_EQ(with({"-H", "Authorization: Bearer s3cret"}).status, 401);
  EXPECT_EQ(with({"-H", "Authorization: Basic czNjcmV0LXRva2Vu"}).status, 401);
  EXPECT_EQ(with({"-H", "Authorization: Bearer s3cret-token"}).status, 201);
  EXPECT_EQ(Curl({server.url("/metrics")}).status, 401);
  EXPECT_EQ(Curl({"-H", "Authorization: Bearer s3cret-token", server.url("/metrics")}).status, 200);
  EXPECT_EQ(Curl({server.url("/healthz")}).status, 200);
  EXPECT_EQ(CountSpoolRecords(dir.Path("spool")), 1u);
}

TEST(HttpListenTest, Ipv6Loopback) {
  TempDir dir;
  RecvServer server(dir.Path("spool"), {}, "[::1]:0");
  if (!server.started() && server.log().find("Address family not supported") != std::string::npos) {
    GTEST_SKIP() << "no IPv6 on this machine: " << server.log();
  }
  ASSERT_TRUE(server.started()) << server.log();
  EXPECT_EQ(server.url("/x").rfind("http://[::1]:", 0), 0u) << server.url("/x");
  EXPECT_EQ(Curl({"-H", kJson, "--data-binary", EventJson(1), server.url("/api/log")}).status, 201);
}

TEST(HttpListenTest, TakenPortExits69) {
  TempDir dir;
  RecvServer first(dir.Path("a"), {});
  ASSERT_TRUE(first.started()) << first.log();
  const RunResult second =
      logroute::testing::Run({LOGROUTE_RECV_BIN, "--spool", dir.Path("b"), "--listen",
                              "127.0.0.1:" + std::to_string(first.port())});
  EXPECT_EQ(second.exit_code, 69) << second.err;
  EXPECT_NE(second.err.find("cannot listen"), std::string::npos) << second.err;
}

// recv(1) and DESIGN: without --stdin or --listen, recv serves 127.0.0.1:8000.
// Port 8000 of the machine may be taken (by another test run, or a service),
// so recv runs in a network namespace of its own, where the port is free.
TEST(HttpListenTest, WithoutStdinOrListenItServes127001Port8000) {
  ASSERT_EQ(::geteuid(), 0u) << "unshare --net needs root (CI runs as root)";
  TempDir dir;
  const std::string script =
      "ip link set lo up || exit 90\n"
      "\"$0\" --spool \"$1\" 2>\"$2\" & pid=$!\n"
      "for i in $(seq 100); do\n"
      "  curl -s -o /dev/null http://127.0.0.1:8000/healthz && break; sleep 0.1\n"
      "done\n"
      "curl -s -w ' status=%{http_code}' -H 'Content-Type: application/json' \\\n"
      "  --data-binary \"$3\" http://127.0.0.1:8000/api/log\n"
      "kill -TERM $pid; wait $pid; echo \" exit=$?\"\n";
  const RunResult r = logroute::testing::Run({"/usr/bin/unshare", "--net", "/bin/sh", "-c", script,
                                              LOGROUTE_RECV_BIN, dir.Path("spool"),
                                              dir.Path("recv.log"), EventJson(7)});
  const std::string log = ReadFileOrDie(dir.Path("recv.log"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << log;
  EXPECT_NE(r.out.find(" status=201 exit=0"), std::string::npos) << r.out << log;
  EXPECT_NE(log.find("Listening on 127.0.0.1:8000"), std::string::npos) << log;
  EXPECT_EQ(CountSpoolRecords(dir.Path("spool")), 1u);
}

TEST(HttpListenTest, BadListenAddressIsAUsageError) {
  TempDir dir;
  const RunResult r =
      logroute::testing::Run({LOGROUTE_RECV_BIN, "--spool", dir.Path("s"), "--listen", "::1:80"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
}

}  // namespace
}  // namespace logroute::testing
