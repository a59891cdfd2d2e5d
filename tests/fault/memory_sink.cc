#include "tests/fault/memory_sink.h"

#include "libcore/spool/record.h"

namespace logroute::fault {

Status MemorySink::Call(const char* what) {
  const uint64_t index = calls_++;
  if (env_.crashed()) return env_.Dead(std::string("call the database: ") + what);
  if (fault_.kind != SinkFault::Kind::kNone && index == fault_.at_call) {
    transaction_.reset();
    connected_ = false;
    if (fault_.kind == SinkFault::Kind::kCrash) {
      env_.Kill();
      return env_.Dead(std::string("call the database: ") + what);
    }
    return Status::TempFail(std::string("memory: ") + what + ": connection lost (fault injection)");
  }
  if (!connected_ && std::string_view(what) != "open") {
    return Status::TempFail(std::string("memory: ") + what + ": not connected");
  }
  return Status::Ok();
}

Status MemorySink::Open() {
  LOGROUTE_RETURN_IF_ERROR(Call("open"));
  connected_ = true;
  return Status::Ok();
}

Status MemorySink::Reconnect() {
  transaction_.reset();
  connected_ = false;
  return Open();
}

Status MemorySink::EnsureTable(std::string_view table) {
  LOGROUTE_RETURN_IF_ERROR(Call("ensure table"));
  if (table == "broken") return Status::Usage("memory: table broken has no column user_id");
  db_.tables[std::string(table)];
  return Status::Ok();
}

Result<sink::LedgerClaim> MemorySink::Begin(const sink::SegmentKey& key) {
  LOGROUTE_RETURN_IF_ERROR(Call("begin"));
  auto it = db_.ledger.find({key.spool_id, key.shard, key.seq});
  if (it != db_.ledger.end()) {
    return sink::LedgerClaim{sink::LedgerClaim::State::kAlreadyCommitted, it->second};
  }
  transaction_ = Transaction{key, {}, {}};
  return sink::LedgerClaim{};
}

Status MemorySink::Insert(std::string_view table, std::span<const sink::Row> rows) {
  LOGROUTE_RETURN_IF_ERROR(Call("insert"));
  if (!transaction_) return Status::Internal("memory: insert outside a transaction");
  if (table == "broken") return Status::Usage("memory: table broken has no column user_id");
  std::vector<StoredRow> unescaped;
  std::string name;
  for (const sink::Row& row : rows) {
    spool::UnescapeName(row.escaped_name, &name);
    if (name.starts_with("refused")) {
      return Status::DataError("memory: insert into " + std::string(table) + ": row refused");
    }
    unescaped.push_back({row.unix_ts, row.user_id, name});
  }
  auto& pending = transaction_->rows[std::string(table)];
  pending.insert(pending.end(), unescaped.begin(), unescaped.end());
  return Status::Ok();
}

Status MemorySink::Savepoint() {
  LOGROUTE_RETURN_IF_ERROR(Call("savepoint"));
  if (!transaction_) return Status::Internal("memory: savepoint outside a transaction");
  transaction_->savepoint.clear();
  for (const auto& [table, rows] : transaction_->rows) transaction_->savepoint[table] = rows.size();
  return Status::Ok();
}

Status MemorySink::RollbackToSavepoint() {
  LOGROUTE_RETURN_IF_ERROR(Call("rollback to savepoint"));
  if (!transaction_) return Status::Internal("memory: rollback outside a transaction");
  for (auto& [table, rows] : transaction_->rows) {
    auto it = transaction_->savepoint.find(table);
    rows.resize(it == transaction_->savepoint.end() ? 0 : it->second);
  }
  return Status::Ok();
}

Result<sink::LedgerClaim> MemorySink::Commit(const sink::SegmentKey& key,
                                             const sink::LedgerEntry& entry) {
  LOGROUTE_RETURN_IF_ERROR(Call("commit"));
  if (!transaction_) return Status::Internal("memory: commit outside a transaction");
  const auto ledger_key = std::make_tuple(key.spool_id, key.shard, key.seq);
  if (auto it = db_.ledger.find(ledger_key); it != db_.ledger.end()) {
    transaction_.reset();
    return sink::LedgerClaim{sink::LedgerClaim::State::kAlreadyCommitted, it->second};
  }
  for (auto& [table, rows] : transaction_->rows) {
    auto& stored = db_.tables[table];
    stored.insert(stored.end(), rows.begin(), rows.end());
  }
  db_.ledger[ledger_key] = entry;
  transaction_.reset();
  return sink::LedgerClaim{};
}

void MemorySink::Rollback() { transaction_.reset(); }

Result<std::optional<sink::LedgerEntry>> MemorySink::LookUp(const sink::SegmentKey& key) {
  LOGROUTE_RETURN_IF_ERROR(Call("look up"));
  auto it = db_.ledger.find({key.spool_id, key.shard, key.seq});
  if (it == db_.ledger.end()) return std::optional<sink::LedgerEntry>();
  return std::optional<sink::LedgerEntry>(it->second);
}

Result<std::vector<uint64_t>> MemorySink::HighestCommitted(std::string_view spool_id, int shards) {
  LOGROUTE_RETURN_IF_ERROR(Call("highest committed"));
  std::vector<uint64_t> highest(static_cast<size_t>(shards), 0);
  for (const auto& [key, entry] : db_.ledger) {
    const auto& [id, shard, seq] = key;
    if (id == spool_id && shard >= 0 && shard < shards) {
      highest[static_cast<size_t>(shard)] = std::max(highest[static_cast<size_t>(shard)], seq);
    }
  }
  return highest;
}

}  // namespace logroute::fault
