// The crash test of logroute-recv --listen: round after round, client threads
// POST single events and NDJSON batches of 100 (distinct user ids) over
// keep-alive connections, the server is SIGKILLed once a random number of
// answers came back, and a new server starts on the same spool. A final
// flush into SQLite must show:
// - every acknowledged event (201, or 202 for its batch) exactly once;
// - a batch all or nothing, and all when acknowledged;
// - no row that was never sent, no glued or mangled row, no user id twice;
// - rejects/, if any, holds torn tails only.
// Run with --fsync never (a process kill leaves the page cache) and always.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/crash/crash_util.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/e2e/http/http_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

constexpr int kRounds = 20;
constexpr int kSingleClients = 6;
constexpr int kBatchClients = 6;
constexpr int64_t kSinglesPerClient = 400;  // requests per client and round, at most
constexpr int64_t kBatchesPerClient = 10;
constexpr int64_t kBatchEvents = 100;
constexpr auto kAnswerTimeout = std::chrono::seconds(60);  // generous: sanitizer builds are slow

std::string Post(const std::string& content_type, const std::string& body) {
  return "POST /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// What one client sent in a round and which of it was acknowledged.
struct ClientLog {
  IdRange ids;
  int64_t per_request = 1;  // events per request: 1, or kBatchEvents
  int64_t sent = 0;         // requests sent (or begun) before the server died
  std::vector<bool> acked;  // per request sent
  std::string error;        // an answer that is neither the expected 2xx nor a closed connection
};

// Sends the requests of `log` one after another on one connection until the
// server stops answering; counts each answer in *answers.
void RunClient(int port, ClientLog* log, std::atomic<int64_t>* answers) {
  Client client(port);
  if (!client.connected()) return;
  const int64_t requests = log->ids.count / log->per_request;
  const int expected = log->per_request == 1 ? 201 : 202;
  for (int64_t i = 0; i < requests; ++i) {
    const int64_t first = log->ids.first + i * log->per_request;
    const std::string request = log->per_request == 1
                                    ? Post("application/json", EventJson(first))
                                    : Post("application/x-ndjson", Ndjson(first, log->per_request));
    ++log->sent;
    log->acked.push_back(false);
    if (!client.Send(request)) return;
    std::string raw;
    const int status = client.ReadResponse(&raw, kAnswerTimeout);
    if (status == 0) return;  // the server died
    answers->fetch_add(1);
    if (status != expected ||
        (expected == 202 &&
         raw.find("\"accepted\":" + std::to_string(log->per_request)) == std::string::npos)) {
      log->error = raw;
      return;
    }
    log->acked.back() = true;
  }
}

class RecvHttpCrash : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Fsync, RecvHttpCrash, ::testing::Values("never", "always"));

TEST_P(RecvHttpCrash, SigkillUnderLoadKeepsEveryAcknowledgedEventExactlyOnce) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  const std::string db_path = dir.Path("events.db");
  const std::string dsn = "sqlite:" + db_path;
  const std::vector<std::string> server_args = {"--fsync", GetParam(),        "--shards",
                                                "4",       "--segment-bytes", "65536"};
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const int64_t max_answers =
      kSingleClients * kSinglesPerClient + kBatchClients * kBatchesPerClient;
  std::uniform_int_distribution<int64_t> kill_after(0, max_answers);

  int64_t next_user_id = 1;
  std::vector<ClientLog> logs;
  int killed_under_load = 0, flushes = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    RecvServer server(spool, server_args);
    ASSERT_TRUE(server.started()) << server.log();

    std::vector<ClientLog> round_logs(kSingleClients + kBatchClients);
    for (size_t c = 0; c < round_logs.size(); ++c) {
      const bool batch = c >= kSingleClients;
      round_logs[c].per_request = batch ? kBatchEvents : 1;
      round_logs[c].ids = {next_user_id,
                           batch ? kBatchesPerClient * kBatchEvents : kSinglesPerClient};
      next_user_id += round_logs[c].ids.count;
    }
    std::atomic<int64_t> answers{0};
    std::atomic<int> clients_done{0};
    {
      std::vector<std::jthread> clients;
      for (ClientLog& log : round_logs) {
        clients.emplace_back([&, port = server.port(), log_ptr = &log] {
          RunClient(port, log_ptr, &answers);
          clients_done.fetch_add(1);
        });
      }
      // A flush now and then, while the server takes events.
      std::jthread flusher([&] {
        if (round % 3 != 2) return;
        const RunResult r = flush::Flush(spool, dsn);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        ++flushes;
      });
      const int64_t target = kill_after(random);
      while (answers.load() < target && clients_done.load() < static_cast<int>(clients.size())) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      if (clients_done.load() < static_cast<int>(clients.size())) ++killed_under_load;
      EXPECT_EQ(server.Signal(SIGKILL), 128 + SIGKILL);
    }
    for (const ClientLog& log : round_logs) EXPECT_EQ(log.error, "");
    logs.insert(logs.end(), round_logs.begin(), round_logs.end());
  }

  const RunResult final_flush = flush::Flush(spool, dsn);
  ASSERT_EQ(final_flush.exit_code, 0) << final_flush.err;
  EXPECT_EQ(flush::StatTotals(spool).events, 0u);

  const std::unordered_map<int64_t, int> rows = CheckRows(ReadRows(db_path));
  int64_t acked_events = 0, unacked_present = 0;
  int reported = 0;
  for (const ClientLog& log : logs) {
    const int64_t requests = log.ids.count / log.per_request;
    for (int64_t i = 0; i < requests; ++i) {
      const IdRange ids{log.ids.first + i * log.per_request, log.per_request};
      const int64_t present = CountPresent(rows, ids);
      const bool acked = i < log.sent && log.acked[static_cast<size_t>(i)];
      if (acked) acked_events += ids.count;
      if (!acked) unacked_present += present;
      // Acknowledged: all of it. Not: all or nothing, and nothing if never sent.
      const bool ok =
          acked ? present == ids.count : (present == 0 || (i < log.sent && present == ids.count));
      if (!ok && ++reported <= 20) {
        ADD_FAILURE() << (acked ? "acknowledged" : "unacknowledged") << " request of ids "
                      << ids.first << "+" << ids.count << ": " << present << " present";
      }
    }
  }
  for (const auto& [user_id, times] : rows) {
    if (user_id < 1 || user_id >= next_user_id)
      ADD_FAILURE() << "a user id never sent: " << user_id;
  }
  int torn_tails = 0;
  for (const RejectEntry& entry : ReadRejects(spool)) {
    EXPECT_EQ(entry.reason.rfind("torn tail", 0), 0u)
        << "a reject that is not a torn tail: " << entry.file << ": " << entry.source << " "
        << entry.position << " " << entry.reason << " " << entry.data;
    ++torn_tails;
  }
  EXPECT_GT(acked_events, 0);
  std::printf(
      "--fsync %s: %d rounds, %d killed under load, %lld events acknowledged, %lld events of "
      "unacknowledged requests stored, %d concurrent flushes, %d torn tails, %zu rows\n",
      GetParam().c_str(), kRounds, killed_under_load, static_cast<long long>(acked_events),
      static_cast<long long>(unacked_present), flushes, torn_tails, rows.size());
}

}  // namespace
}  // namespace logroute::testing::crash
