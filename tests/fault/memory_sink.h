// MemorySink: the flush protocol's database, in memory, for the fault tests.
//
// A MemoryDatabase plays the server: its tables and ledger outlive the
// process (the MemorySink, a connection), and only a committed transaction
// changes them. A MemorySink counts its calls, and at the chosen one either
// fails it (TempFail: the connection broke) or kills the whole process
// (MemEnv::Kill(): every later call of the process fails, its transaction is
// lost). Rows whose name starts with "refused" are refused (DataError), and
// a table named "broken" cannot take rows (Usage), so that bisection and
// rejects are exercised too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "libcore/sink/sink.h"
#include "tests/fault/mem_env.h"

namespace logroute::fault {

struct StoredRow {
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string name;
};

struct MemoryDatabase {
  std::map<std::string, std::vector<StoredRow>> tables;
  std::map<std::tuple<std::string, int, uint64_t>, sink::LedgerEntry> ledger;
};

struct SinkFault {
  enum class Kind { kNone, kFail, kCrash };
  Kind kind = Kind::kNone;
  uint64_t at_call = 0;  // 0-based, counting every call
};

class MemorySink final : public sink::Sink {
 public:
  MemorySink(MemoryDatabase& db, MemEnv& env, SinkFault fault = {})
      : db_(db), env_(env), fault_(fault) {}

  uint64_t calls() const { return calls_; }

  Status Open() override;
  Status Reconnect() override;
  Status EnsureTable(std::string_view table) override;
  Result<sink::LedgerClaim> Begin(const sink::SegmentKey& key) override;
  Status Insert(std::string_view table, std::span<const sink::Row> rows) override;
  Status Savepoint() override;
  Status RollbackToSavepoint() override;
  Result<sink::LedgerClaim> Commit(const sink::SegmentKey& key,
                                   const sink::LedgerEntry& entry) override;
  void Rollback() override;
  Result<std::optional<sink::LedgerEntry>> LookUp(const sink::SegmentKey& key) override;
  Result<std::vector<uint64_t>> HighestCommitted(std::string_view spool_id, int shards) override;
  std::string Describe() const override { return "memory:"; }

 private:
  // Counts a call; the fault's Status when this call is hit (or the process is dead).
  Status Call(const char* what);

  struct Transaction {
    sink::SegmentKey key;
    std::map<std::string, std::vector<StoredRow>> rows;
    std::map<std::string, size_t> savepoint;
  };

  MemoryDatabase& db_;
  MemEnv& env_;
  SinkFault fault_;
  uint64_t calls_ = 0;
  bool connected_ = false;
  std::optional<Transaction> transaction_;
};

}  // namespace logroute::fault
