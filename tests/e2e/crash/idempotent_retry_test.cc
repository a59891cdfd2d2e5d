// The proof of "exactly once end to end when clients send ids"
// (doc/guarantees.md): a client sends events with ids over HTTP, singly and
// in batches; it sends every request again 0 to 3 times after its answer, as
// a client that missed it would, and again until answered when recv dies
// first. Round after round recv is SIGKILLed at a random moment and started
// again, while flush runs and is SIGKILLed at random moments too. At the end
// every id is in the table exactly once, on SQLite and on MariaDB.
//
// LOGROUTE_PROOF_EVENTS sets the number of events (default 2000: a few
// seconds; the issue's long run is 100000).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/e2e/http/http_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

constexpr int kMaxBatch = 20;
constexpr auto kAnswerTimeout = std::chrono::seconds(30);

int64_t EventCount() {
  const char* text = std::getenv("LOGROUTE_PROOF_EVENTS");
  return text != nullptr && std::atoll(text) > 0 ? std::atoll(text) : 2000;
}

std::string EventJson(int64_t i) {
  return R"({"unix_ts":1684129671,"user_id":)" + std::to_string(i) +
         R"(,"event_name":"login","event_id":"ev-)" + std::to_string(i) + "\"}";
}

// One request: events [first, first + count), one JSON event or an array.
struct Request {
  int64_t first = 0;
  int64_t count = 1;
  int copies_left = 0;  // extra sends after the first answer
};

std::string Body(const Request& r) {
  if (r.count == 1) return EventJson(r.first);
  std::string body = "[";
  for (int64_t i = r.first; i < r.first + r.count; ++i) {
    if (i > r.first) body += ',';
    body += EventJson(i);
  }
  return body + "]";
}

std::string Post(const std::string& body) {
  return "POST /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

class IdempotentRetry : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Sinks, IdempotentRetry, ::testing::Values("sqlite", "mariadb"));

TEST_P(IdempotentRetry, EveryIdOnceThroughRetriesAndKills) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  std::unique_ptr<flush::TargetDb> db = flush::CreateTargetDb(GetParam(), dir.path());
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const int64_t events = EventCount();

  std::deque<Request> queue;
  for (int64_t first = 1; first <= events;) {
    const int64_t count = std::min<int64_t>(
        random() % 2 == 0 ? 1 : 1 + static_cast<int64_t>(random() % kMaxBatch), events - first + 1);
    queue.push_back({first, count, static_cast<int>(random() % 4)});
    first += count;
  }

  int rounds = 0, flush_kills = 0, idle_rounds = 0;
  int64_t sends = 0;
  while (!queue.empty()) {
    ++rounds;
    ASSERT_LT(idle_rounds, 100) << "no progress";
    RecvServer server(spool, {"--shards", "2", "--segment-bytes", "8192"});
    ASSERT_TRUE(server.started()) << server.log();
    // flush, started now and SIGKILLed after a random delay (or done by then).
    const pid_t flusher = Spawn(flush::FlushArgv(spool, db->Dsn(), {"--dedupe", "logs"}),
                                "/dev/null", dir.Path("flush.err"), flush::WithEnv(db->Env()));
    const auto flush_deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(random() % 150);
    const int64_t kill_after = static_cast<int64_t>(random() % 60);  // answers this round

    Client client(server.port());
    ASSERT_TRUE(client.connected());
    int64_t answers = 0;
    while (!queue.empty() && answers < kill_after) {
      Request request = queue.front();
      ++sends;
      if (!client.Send(Post(Body(request)))) break;
      std::string raw;
      const int status = client.ReadResponse(&raw, kAnswerTimeout);
      ASSERT_EQ(status, request.count == 1 ? 201 : 202) << raw;
      ++answers;
      queue.pop_front();
      // The client missed this answer, it may think: the same request again.
      if (request.copies_left > 0) {
        --request.copies_left;
        const auto at = static_cast<std::ptrdiff_t>(random() % (queue.size() + 1));
        queue.insert(queue.begin() + at, request);
      }
    }
    // recv dies, with a request maybe half sent: that one stays in the queue.
    if (!queue.empty()) {
      ++sends;
      client.Send(Post(Body(queue.front())));
    }
    EXPECT_EQ(server.Signal(SIGKILL), 128 + SIGKILL);
    if (kill_after > 0 && answers == 0) ++idle_rounds;  // a server that never answered
    std::this_thread::sleep_until(flush_deadline);
    ::kill(flusher, SIGKILL);  // a flush that is done already is a zombie: no effect
    if (Wait(flusher) == 128 + SIGKILL) ++flush_kills;
  }

  const RunResult last = flush::Flush(spool, db->Dsn(), {"--dedupe", "logs"}, db->Env());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(flush::StatTotals(spool).events, 0u);
  EXPECT_EQ(db->Scalar("SELECT COUNT(*) FROM logs"), std::to_string(events));
  EXPECT_EQ(db->Scalar("SELECT COUNT(DISTINCT event_id) FROM logs"), std::to_string(events));
  const std::string id_of_user = db->is_mariadb() ? "CONCAT('ev-', user_id)" : "'ev-' || user_id";
  EXPECT_EQ(db->Scalar("SELECT COUNT(*) FROM logs WHERE event_id <> " + id_of_user), "0");
  EXPECT_EQ(db->Scalar("SELECT MIN(user_id) FROM logs"), "1");
  EXPECT_EQ(db->Scalar("SELECT MAX(user_id) FROM logs"), std::to_string(events));
  std::printf("%s: %lld events, %lld requests sent, %d recv kills, %d flush kills\n",
              GetParam().c_str(), static_cast<long long>(events), static_cast<long long>(sends),
              rounds, flush_kills);
}

}  // namespace
}  // namespace logroute::testing::crash
