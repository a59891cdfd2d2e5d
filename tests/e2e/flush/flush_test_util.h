// Helpers of the logroute-flush end-to-end tests: events with distinct user
// ids (so that a loss or a duplicate shows in COUNT and SUM), the built tools
// run as subprocesses, and the database under test — a SQLite file or a
// throwaway database on the private MariaDB — read back with plain SQL.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/mariadb.h"
#include "tests/support/subprocess.h"

namespace logroute::testing::flush {

struct Ev {
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string name;
};

// Event `i` of MakeEvents(..., first_user_id, names).
Ev NthEvent(size_t i, int64_t first_user_id, const std::vector<std::string>& names);
// `n` events with user ids first_user_id, first_user_id + 1, ...; names cycle through `names`.
std::vector<Ev> MakeEvents(size_t n, int64_t first_user_id,
                           const std::vector<std::string>& names = {"login", "logout"});
std::string Ndjson(const std::vector<Ev>& events);

// What a set of tables holds, or should hold.
struct Contents {
  uint64_t count = 0;
  uint64_t distinct_user_ids = 0;
  int64_t sum_user_id = 0;
  std::map<std::string, uint64_t> per_name;

  void Add(const Ev& event);  // distinct_user_ids assumes distinct ids
  void Add(const std::vector<Ev>& events);
  bool operator==(const Contents&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Contents& contents);

// Options of Run()/Spawn() with only the extra environment (or input) set.
RunOptions WithEnv(const std::vector<std::string>& env);
RunOptions WithInput(const std::string& input);

// Runs `logroute-recv --stdin` on `events`; fails the test unless it exits 0.
// Returns how many events it accepted (its summary line's accepted=N).
uint64_t Recv(const std::string& spool, const std::vector<Ev>& events,
              const std::vector<std::string>& extra_args = {});
// The same with NDJSON text as its input.
uint64_t RecvNdjson(const std::string& spool, const std::string& ndjson,
                    const std::vector<std::string>& extra_args = {});
// The accepted=N of a recv summary on stderr; -1 when absent.
int64_t AcceptedFrom(const std::string& recv_stderr);

// Runs `logroute-flush --spool SPOOL --db DSN --progress never EXTRA...`.
RunResult Flush(const std::string& spool, const std::string& dsn,
                const std::vector<std::string>& extra_args = {},
                const std::vector<std::string>& env = {});
std::vector<std::string> FlushArgv(const std::string& spool, const std::string& dsn,
                                   const std::vector<std::string>& extra_args = {});

// The totals of `logroute-stat --json`.
struct SpoolTotals {
  uint64_t events = 0;
  uint64_t bytes = 0;
  uint64_t segments = 0;
  uint64_t reject_entries = 0;
  bool operator==(const SpoolTotals&) const = default;
};
std::ostream& operator<<(std::ostream& out, const SpoolTotals& totals);
SpoolTotals StatTotals(const std::string& spool);

// Seals every shard's `active` (what flush does first), through libcore.
void SealAll(const std::string& spool);
// Paths of the sealed segments, sorted.
std::vector<std::string> Segments(const std::string& spool);
// Writes `n` records straight into the spool through libcore's SpoolWriter
// (much faster than recv for big backlogs), table `table`, in batches of at
// most `segment_bytes`, sealing a shard's `active` past `segment_bytes`. Creates the spool with
// `shards` shards when missing.
void WriteBacklog(const std::string& spool, const std::vector<Ev>& events, const std::string& table,
                  uint64_t segment_bytes, int shards = 10);
// WriteBacklog of MakeEvents(n, first_user_id, names), generated as it goes:
// the test process stays small (see RunResult::max_rss_kib). Returns their Contents.
Contents WriteGeneratedBacklog(const std::string& spool, size_t n, int64_t first_user_id,
                               const std::vector<std::string>& names, const std::string& table,
                               uint64_t segment_bytes, int shards = 10);
// Names in a directory (no "." or ".."), sorted; empty when it does not exist.
std::vector<std::string> ListDir(const std::string& dir);

// The database under test.
class TargetDb {
 public:
  virtual ~TargetDb() = default;
  virtual std::string Dsn() const = 0;
  virtual std::vector<std::string> Env() const = 0;  // what flush needs (MYSQL_PWD)
  virtual bool is_mariadb() const = 0;
  // Rows of `sql`; fails the test on error.
  virtual std::vector<std::vector<std::string>> Query(const std::string& sql) const = 0;
  // Runs `sql`; the error message, or "" on success.
  virtual std::string TryExec(const std::string& sql) const = 0;

  std::string Scalar(const std::string& sql) const;
  // COUNT, COUNT(DISTINCT user_id), SUM(user_id) and per-name counts over
  // `tables` (missing tables count as empty).
  Contents Read(const std::vector<std::string>& tables) const;
  bool HasTable(const std::string& table) const;
  uint64_t LedgerRows() const;
  uint64_t LedgerRowCountSum() const;  // SUM(row_count)
};

std::unique_ptr<TargetDb> CreateSqliteDb(const std::string& path);
std::unique_ptr<TargetDb> CreateMariaDb(const MariaDbServer& server);
// The same, with `dsn_suffix` ("&bulk=load") appended to its DSN.
std::unique_ptr<TargetDb> CreateMariaDb(const MariaDbServer& server, const std::string& dsn_suffix);
// The first value of `sql` on `database`, read uncommitted (it sees rows of
// transactions still open); "" on error.
std::string ScalarReadUncommitted(const MariaDbServer& server, const std::string& database,
                                  const std::string& sql);
// A view of `db`, which must outlive it.
std::unique_ptr<TargetDb> ViewOf(const TestDatabase& db);
// "sqlite", "mariadb" (array binding), "mariadb_load" or "mariadb_insert" (bulk=load|insert): the
// parameter of the tests that run against every sink; "mariadb_tcp": over TCP, not the socket.
std::unique_ptr<TargetDb> CreateTargetDb(const std::string& kind, const std::string& dir);

}  // namespace logroute::testing::flush
