// Every per-connection buffer of the Server has a cap (doc/http-api.md,
// "Connections and limits"): past it the client gets its status, then the
// connection is closed. And past --max-connections, idle connections make
// room while busy ones keep their slots.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/unit/http/server_fixture.h"

namespace logroute::http {
namespace {

using std::chrono::seconds;

constexpr size_t kMaxHeader = 1024;
constexpr size_t kMaxBody = 4096;
// "Endless" input: far more than any cap, and than the kernel's socket
// buffers would hold if the server stopped reading without answering.
const std::string kEndless(64 << 10, 'a');

std::string Head(const std::string& fields = "", const std::string& target = "/api/log") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + fields +
         "\r\n";
}

std::string Chunked(const std::string& fields = "") {
  return Head("Transfer-Encoding: chunked\r\n" + fields);
}

std::string Post(const std::string& body) {
  return Head("Content-Length: " + std::to_string(body.size()) + "\r\n") + body;
}

// A chunked body carrying one good event, in one chunk.
std::string EventChunk(const std::string& extension = "") {
  const std::string event = testing::EventJson(7);
  char size[16];
  std::snprintf(size, sizeof size, "%zx", event.size());
  return size + extension + "\r\n" + event + "\r\n";
}

struct Answer {
  int status = 0;
  std::string raw;
  bool closed = false;
};

// Sends `bytes` on a new connection; the answer, and whether the server then
// closed the connection (checked when `closes`).
Answer Exchange(int port, const std::string& bytes, bool closes) {
  testing::Client client(port);
  client.Send(bytes);
  Answer answer;
  answer.status = client.ReadResponse(&answer.raw, seconds(5));
  answer.closed = closes && client.WaitClosed(seconds(5));
  return answer;
}

class LimitsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.max_header = kMaxHeader;
    options.max_body = kMaxBody;
    Start(false, options);
  }

  // `bytes` get `status`, with Connection: close, then the connection closes.
  void ExpectRefused(const std::string& bytes, int status, const std::string& detail) {
    const Answer answer = Exchange(port_, bytes, true);
    EXPECT_EQ(answer.status, status) << answer.raw;
    EXPECT_NE(answer.raw.find(detail), std::string::npos) << answer.raw;
    EXPECT_NE(answer.raw.find("Connection: close"), std::string::npos) << answer.raw;
    EXPECT_TRUE(answer.closed);
    EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 0u);
  }
};

TEST_F(LimitsTest, AGoodChunkedRequestWithExtensionAndTrailerPasses) {
  const Answer answer =
      Exchange(port_, Chunked() + EventChunk(";a=b") + "0;last\r\nX-Checksum: 1\r\n\r\n", false);
  EXPECT_EQ(answer.status, 201) << answer.raw;
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 1u);
}

TEST_F(LimitsTest, AnEndlessHeaderFieldGets431) {
  ExpectRefused("POST /api/log HTTP/1.1\r\nHost: x\r\nX-Endless: " + kEndless, 431,
                "--max-header-bytes");
}

TEST_F(LimitsTest, TheRequestLineCountsTowardTheHeaderLimit) {
  // Each part fits alone; together they do not.
  const std::string target = "/api/log?" + std::string(kMaxHeader * 2 / 3, 'q');
  ExpectRefused(Head("X-Pad: " + std::string(kMaxHeader * 2 / 3, 'p') + "\r\n", target) + "{}", 431,
                "--max-header-bytes");
}

TEST_F(LimitsTest, MoreThanAHundredFieldsGet431) {
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += "a:\r\n";  // 404 bytes: under the byte limit
  ExpectRefused(Head("Content-Length: 2\r\n" + fields) + "{}", 431, "100 fields");
}

TEST_F(LimitsTest, AnEndlessChunkExtensionGets413) {
  ExpectRefused(Chunked() + "1;" + kEndless, 413, "chunk extensions");
}

TEST_F(LimitsTest, ChunkExtensionsCountTowardTheBodyLimit) {
  // Each line is short, the extensions add up past --max-body.
  std::string body;
  for (size_t i = 0; i < kMaxBody / 100 + 1; ++i)
    body += "1;e=" + std::string(100, 'e') + "\r\n \r\n";
  ExpectRefused(Chunked() + body + "0\r\n\r\n", 413, "chunk extensions");
}

TEST_F(LimitsTest, AnEndlessChunkSizeOfDigitsGets400) {
  ExpectRefused(Chunked() + std::string(64 << 10, '0'), 400, "chunk-size line");
}

TEST_F(LimitsTest, AnEndlessChunkSizeOfWhitespaceGets400) {
  std::string blanks;
  while (blanks.size() < (64 << 10)) blanks += " \t";
  ExpectRefused(Chunked() + "1" + blanks, 400, "chunk-size line");
}

TEST_F(LimitsTest, AHugeDeclaredChunkGets413) {
  ExpectRefused(Chunked() + "7fffffffffffffff\r\n" + kEndless, 413, "--max-body");
}

TEST_F(LimitsTest, ChunkDataOverTheBodyLimitGets413) {
  std::string body;
  for (int i = 0; i < 8; ++i) body += "400\r\n" + std::string(0x400, ' ') + "\r\n";
  ExpectRefused(Chunked() + body, 413, "--max-body");
}

TEST_F(LimitsTest, EndlessTrailersGet431) {
  std::string trailers;
  while (trailers.size() < (64 << 10)) trailers += "X-Trailer: aaaaaaaaaaaaaaaa\r\n";
  ExpectRefused(Chunked() + EventChunk() + "0\r\n" + trailers, 431, "trailers");
}

TEST_F(LimitsTest, TrailersCountTowardTheHeaderLimit) {
  // Header and trailers each fit alone; together they do not.
  const std::string pad(kMaxHeader / 2, 'p');
  ExpectRefused(
      Chunked("X-Pad: " + pad + "\r\n") + EventChunk() + "0\r\nX-Pad: " + pad + "\r\n\r\n", 431,
      "--max-header-bytes");
}

TEST_F(LimitsTest, TrailersCountTowardTheFieldLimit) {
  std::string trailers;
  for (int i = 0; i < 100; ++i) trailers += "t:\r\n";
  ExpectRefused(Chunked() + EventChunk() + "0\r\n" + trailers + "\r\n", 431, "100 fields");
}

// Pipelined requests wait unread while one is answered: the connection reads
// no more than its buffer holds, and answers every request, in order.
TEST_F(LimitsTest, ManyPipelinedRequestsAreAllAnsweredInOrder) {
  testing::Client client(port_);
  std::string requests;
  for (int i = 0; i < 500; ++i) requests += i % 2 ? Post("{}") : Post(testing::EventJson(i));
  ASSERT_TRUE(client.Send(requests));
  for (int i = 0; i < 500; ++i) ASSERT_EQ(client.ReadResponse(), i % 2 ? 400 : 201) << i;
  EXPECT_EQ(testing::CountSpoolRecords(dir_.Path("spool")), 250u);
}

class ConnectionLimitTest : public ServerTest {
 protected:
  static constexpr int kMaxConnections = 4;
  void SetUp() override {
    ServerOptions options;
    options.max_connections = kMaxConnections;
    Start(false, options);
  }
};

TEST_F(ConnectionLimitTest, IdleConnectionsMakeRoomForANewClient) {
  std::vector<std::unique_ptr<testing::Client>> idle;
  for (int i = 0; i < kMaxConnections; ++i) {
    idle.push_back(std::make_unique<testing::Client>(port_));
    ASSERT_TRUE(idle.back()->Send(Post(testing::EventJson(i))));
    ASSERT_EQ(idle.back()->ReadResponse(), 201);  // accepted; now waiting between requests
  }
  testing::Client fresh(port_);
  ASSERT_TRUE(fresh.Send(Post(testing::EventJson(9))));
  EXPECT_EQ(fresh.ReadResponse(), 201);
  int closed = 0;
  for (auto& client : idle) closed += client->WaitClosed(seconds(5)) ? 1 : 0;
  EXPECT_GE(closed, 1);
}

TEST_F(ConnectionLimitTest, BusyConnectionsKeepTheirSlotsUntilTheyEnd) {
  std::vector<std::unique_ptr<testing::Client>> busy;
  for (int i = 0; i < kMaxConnections; ++i) {
    busy.push_back(std::make_unique<testing::Client>(port_));
    // 100 Continue: the server holds this request, waiting for its body.
    ASSERT_TRUE(busy.back()->Send(Head("Expect: 100-continue\r\nContent-Length: 100\r\n")));
    ASSERT_EQ(busy.back()->ReadResponse(), 100);
  }
  testing::Client waiting(port_);
  ASSERT_TRUE(waiting.Send(Post(testing::EventJson(9))));
  // Not accepted while every slot is busy (the kernel queues it)...
  EXPECT_EQ(waiting.ReadResponse(nullptr, std::chrono::milliseconds(500)), 0);
  for (auto& client : busy) EXPECT_FALSE(client->WaitClosed(std::chrono::milliseconds(1)));
  // ... and served as soon as a slot frees.
  busy.pop_back();
  EXPECT_EQ(waiting.ReadResponse(), 201);
}

}  // namespace
}  // namespace logroute::http
