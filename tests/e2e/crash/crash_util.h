// Helpers of the recv crash tests: events whose fields derive from their
// user id (so that a glued or mangled row shows), a child process fed through
// a pipe and always killed and reaped, the rows of a SQLite database and the
// entries of a spool's rejects/.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace logroute::testing::crash {

// The event the tests send for `user_id`: unix_ts and event_name are
// functions of it, so a row whose fields do not match its user id was never sent.
int64_t UnixTsFor(int64_t user_id);
std::string NameFor(int64_t user_id);  // "login" or "logout": both routed to `logs`
std::string EventJson(int64_t user_id);
// Events first, first + 1, ..., first + count - 1 as NDJSON.
std::string Ndjson(int64_t first, int64_t count);

// A contiguous block of user ids handed to one sender.
struct IdRange {
  int64_t first = 0;
  int64_t count = 0;
  bool Contains(int64_t id) const { return id >= first && id < first + count; }
};

// One row of table `logs`.
struct Row {
  int64_t user_id = 0;
  int64_t unix_ts = 0;
  std::string event_name;
};
std::vector<Row> ReadRows(const std::string& db_path);

// The rows by user id, after checking that each row's fields are those sent
// for its id and that no id appears twice (each problem is a test failure).
std::unordered_map<int64_t, int> CheckRows(const std::vector<Row>& rows);

// Present ids of `range` (rows indexed by CheckRows()).
int64_t CountPresent(const std::unordered_map<int64_t, int>& rows, const IdRange& range);

// One line of a rejects/*.rej file.
struct RejectEntry {
  std::string file;
  std::string source;
  std::string position;
  std::string reason;
  std::string data;
};
std::vector<RejectEntry> ReadRejects(const std::string& spool);

// A child whose standard input is a pipe the test writes; stdout goes to
// /dev/null, stderr to a file. Killed (SIGKILL) and reaped if still running
// when destroyed, whatever the test's outcome.
class PipedChild {
 public:
  // `pipe_bytes`: the pipe's capacity (F_SETPIPE_SZ), which bounds one read of the child.
  PipedChild(const std::vector<std::string>& argv, const std::string& stderr_path, int pipe_bytes);
  ~PipedChild();
  PipedChild(const PipedChild&) = delete;
  PipedChild& operator=(const PipedChild&) = delete;

  pid_t pid() const { return pid_; }
  // Writes `data` in chunks of 1..max_chunk bytes (random, from `seed`).
  // Returns how many bytes went into the pipe: fewer when the child died.
  // `progress`, if given, follows that count as it grows.
  size_t Feed(std::string_view data, size_t max_chunk, unsigned seed,
              std::atomic<size_t>* progress = nullptr);
  void CloseInput();
  void Kill();
  // Waits for the child: its exit status, 128 + signal when killed.
  int Wait();

 private:
  pid_t pid_ = -1;
  int input_ = -1;
};

}  // namespace logroute::testing::crash
