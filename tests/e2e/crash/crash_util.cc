#include "tests/e2e/crash/crash_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace logroute::testing::crash {
namespace {

std::vector<std::string> SplitTabs(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.emplace_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

}  // namespace

int64_t UnixTsFor(int64_t user_id) { return 1600000000 + user_id * 7 % 100003; }

std::string NameFor(int64_t user_id) { return user_id % 2 == 0 ? "login" : "logout"; }

std::string EventJson(int64_t user_id) {
  return "{\"unix_ts\":" + std::to_string(UnixTsFor(user_id)) +
         ",\"user_id\":" + std::to_string(user_id) + ",\"event_name\":\"" + NameFor(user_id) +
         "\"}";
}

std::string Ndjson(int64_t first, int64_t count) {
  std::string out;
  out.reserve(static_cast<size_t>(count) * 64);
  for (int64_t id = first; id < first + count; ++id) {
    out += EventJson(id);
    out += '\n';
  }
  return out;
}

std::vector<Row> ReadRows(const std::string& db_path) {
  std::vector<Row> rows;
  const auto db = flush::CreateSqliteDb(db_path);
  if (!db->HasTable("logs")) return rows;
  for (const auto& fields : db->Query("SELECT user_id, unix_ts, event_name FROM logs")) {
    if (fields.size() != 3) {
      ADD_FAILURE() << "a row of " << fields.size() << " fields";
      continue;
    }
    rows.push_back({std::stoll(fields[0]), std::stoll(fields[1]), fields[2]});
  }
  return rows;
}

std::unordered_map<int64_t, int> CheckRows(const std::vector<Row>& rows) {
  std::unordered_map<int64_t, int> seen;
  int reported = 0;
  for (const Row& row : rows) {
    const int times = ++seen[row.user_id];
    const bool mangled =
        row.unix_ts != UnixTsFor(row.user_id) || row.event_name != NameFor(row.user_id);
    if ((times == 2 || mangled) && ++reported <= 20) {
      ADD_FAILURE() << (mangled ? "a row that was never sent: " : "a user id twice: ")
                    << row.user_id << " " << row.unix_ts << " " << row.event_name;
    }
  }
  return seen;
}

int64_t CountPresent(const std::unordered_map<int64_t, int>& rows, const IdRange& range) {
  int64_t present = 0;
  for (int64_t id = range.first; id < range.first + range.count; ++id) present += rows.count(id);
  return present;
}

std::vector<RejectEntry> ReadRejects(const std::string& spool) {
  std::vector<RejectEntry> entries;
  const std::string dir = spool + "/rejects";
  for (const std::string& name : flush::ListDir(dir)) {
    const std::string text = ReadFileOrDie(dir + "/" + name);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::vector<std::string> fields =
          SplitTabs(std::string_view(text).substr(start, end - start));
      RejectEntry entry;
      entry.file = name;
      if (fields.size() == 4) {
        entry.source = fields[0];
        entry.position = fields[1];
        entry.reason = fields[2];
        entry.data = fields[3];
      } else {
        entry.reason = "(not 4 fields) " + text.substr(start, end - start);
      }
      entries.push_back(std::move(entry));
      start = end + 1;
    }
  }
  return entries;
}

PipedChild::PipedChild(const std::vector<std::string>& argv, const std::string& stderr_path,
                       int pipe_bytes) {
  int fds[2];
  // Close-on-exec: other children started meanwhile must not hold the write
  // end, or this child would never see its input end.
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  ::fcntl(fds[1], F_SETPIPE_SZ, pipe_bytes);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& arg : args) c_args.push_back(arg.data());
  c_args.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, c_args[0], &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  input_ = fds[1];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  ::signal(SIGPIPE, SIG_IGN);
}

PipedChild::~PipedChild() {
  CloseInput();
  if (pid_ > 0) {
    Kill();
    Wait();
  }
}

size_t PipedChild::Feed(std::string_view data, size_t max_chunk, unsigned seed,
                        std::atomic<size_t>* progress) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<size_t> chunk(1, max_chunk);
  size_t written = 0;
  while (written < data.size()) {
    const size_t n = std::min(chunk(random), data.size() - written);
    const ssize_t rc = ::write(input_, data.data() + written, n);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;  // EPIPE: the child is gone
    written += static_cast<size_t>(rc);
    if (progress != nullptr) progress->store(written);
  }
  return written;
}

void PipedChild::CloseInput() {
  if (input_ >= 0) ::close(input_);
  input_ = -1;
}

void PipedChild::Kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

int PipedChild::Wait() {
  if (pid_ <= 0) return -1;
  const int status = testing::Wait(pid_);
  pid_ = -1;
  return status;
}

}  // namespace logroute::testing::crash
