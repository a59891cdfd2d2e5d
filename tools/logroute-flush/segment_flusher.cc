#include "tools/logroute-flush/segment_flusher.h"

#include <unistd.h>

#include <algorithm>
#include <span>

#include <spdlog/spdlog.h>

#include "libcore/base/crc32c.h"
#include "libcore/base/file_util.h"
#include "libcore/chain/table_name.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"

namespace logroute::flush {

// Rows for one table, waiting to be inserted. Names are copied out of the
// reader's buffer, which moves on.
struct SegmentFlusher::TableChunk {
  std::string table;
  std::string names;
  std::vector<sink::Row> rows;  // escaped_name views are rebuilt from name_ends
  std::vector<size_t> name_ends;
  std::vector<uint64_t> line_numbers;  // for rejects

  void Add(const spool::Record& record, uint64_t line) {
    names.append(record.escaped_name);
    name_ends.push_back(names.size());
    rows.push_back({record.unix_ts, record.user_id, {}});
    line_numbers.push_back(line);
  }
  void FixViews() {
    size_t begin = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].escaped_name = std::string_view(names).substr(begin, name_ends[i] - begin);
      begin = name_ends[i];
    }
  }
  void Clear() {
    names.clear();
    rows.clear();
    name_ends.clear();
    line_numbers.clear();
  }
};

SegmentFlusher::SegmentFlusher(const spool::Spool& spool, sink::Sink& sink,
                               const FlushOptions& options, FlushStats* stats)
    : spool_(spool), sink_(sink), options_(options), stats_(stats) {}

SegmentFlusher::~SegmentFlusher() = default;

Status SegmentFlusher::Flush(int shard, uint64_t seq, int fd) {
  const std::string path = spool_.SegmentPath(shard, seq);
  source_ = spool_.ShardName(shard) + "/" + spool::SegmentName(seq);
  const sink::SegmentKey key{spool_.id(), shard, seq};

  // DDL commits implicitly in MySQL, so every table is made ready before the transaction.
  LOGROUTE_RETURN_IF_ERROR(EnsureTables(fd, path));
  LOGROUTE_ASSIGN_OR_RETURN(bool begun, sink_.Begin(key));
  if (!begun) {
    spdlog::info("Segment already committed, removing it: {}", source_);
    ++stats_->already_committed;
    return Unlink(path);
  }
  Status streamed = Stream(fd, path);
  if (!streamed.ok()) {
    sink_.Rollback();
    return streamed;
  }
  const std::string rejects_stem = spool_.ShardName(shard) + "." + spool::SegmentName(seq);
  if (rejects_.empty()) {
    // An earlier attempt may have written one and then failed to commit; this
    // attempt rejected nothing (the table was fixed meanwhile), so it goes.
    ::unlink((spool_.RejectsDir() + "/" + rejects_stem + ".rej").c_str());
  } else {
    // Before the commit: a crash after it must not lose the reasons. A retry
    // rewrites the same file, so it never holds an entry twice.
    Status written = spool::WriteRejects(spool_, rejects_stem, rejects_);
    if (!written.ok()) {
      sink_.Rollback();
      return written;
    }
    spdlog::warn("Rejected records: segment={} count={} file=rejects/{}.rej", source_,
                 summary_.rejected, rejects_stem);
  }
  LOGROUTE_ASSIGN_OR_RETURN(bool committed, sink_.Commit(key, summary_));
  if (!committed) {
    spdlog::info("Segment committed meanwhile by another flusher: {}", source_);
    ++stats_->already_committed;
    return Unlink(path);
  }
  ++stats_->segments;
  stats_->rows += summary_.rows;
  stats_->rejected += summary_.rejected;
  for (const auto& [table, rows] : table_rows_) AddTableRows(table, rows);
  return Unlink(path);
}

Status SegmentFlusher::EnsureTables(int fd, const std::string& path) {
  if (!options_.table_override.empty()) return sink_.EnsureTable(options_.table_override);
  spool::LineReader reader(fd, path);
  std::string_view line;
  bool complete;
  std::vector<std::string> seen;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &complete));
    if (!more) break;
    const std::string_view table = spool::RecordTable(line);
    if (table.empty() || (!seen.empty() && seen.back() == table)) continue;
    if (std::find(seen.begin(), seen.end(), table) != seen.end()) continue;
    seen.emplace_back(table);
    // A corrupt line may name anything: only valid names reach SQL (the
    // record itself is judged, and maybe rejected, in Stream()).
    if (!chain::ValidateTableName(table).ok()) continue;
    LOGROUTE_RETURN_IF_ERROR(sink_.EnsureTable(table));
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) return ErrnoStatus("cannot rewind " + path, errno);
  return Status::Ok();
}

Status SegmentFlusher::Stream(int fd, const std::string& path) {
  spool::LineReader reader(fd, path);
  std::string_view line;
  bool complete;
  uint32_t crc = 0;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &complete));
    if (!more) break;
    crc = Crc32cExtend(crc, line);
    if (complete) crc = Crc32cExtend(crc, "\n");
    spool::Record record;
    std::string reason = reader.truncated()
                             ? "not a spool record: longer than " +
                                   std::to_string(spool::LineReader::kMaxLineBytes) + " bytes"
                         : complete ? spool::DecodeRecord(line, &record)
                                    : "torn record: no line end at the end of the segment";
    if (!reason.empty()) {
      Reject(reader.line_number(), reason, line);
      continue;
    }
    const std::string_view table =
        options_.table_override.empty() ? record.table : std::string_view(options_.table_override);
    TableChunk& chunk = ChunkFor(table);
    chunk.Add(record, reader.line_number());
    if (chunk.rows.size() >= options_.chunk_rows) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
  }
  for (TableChunk& chunk : chunks_) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
  summary_.checksum = crc;
  return Status::Ok();
}

SegmentFlusher::TableChunk& SegmentFlusher::ChunkFor(std::string_view table) {
  for (TableChunk& chunk : chunks_) {
    if (chunk.table == table) return chunk;
  }
  chunks_.push_back({});
  chunks_.back().table = std::string(table);
  return chunks_.back();
}

Status SegmentFlusher::Send(TableChunk& chunk) {
  if (chunk.rows.empty()) return Status::Ok();
  chunk.FixViews();
  uint64_t inserted = 0;
  LOGROUTE_RETURN_IF_ERROR(InsertBisecting(chunk, 0, chunk.rows.size(), &inserted));
  summary_.rows += inserted;
  bool found = false;
  for (auto& [table, rows] : table_rows_) {
    if (table == chunk.table) {
      rows += inserted;
      found = true;
    }
  }
  if (!found) table_rows_.emplace_back(chunk.table, inserted);
  chunk.Clear();
  return Status::Ok();
}

// Inserts rows [begin, end) of `chunk`; rows the server refuses are found by
// halving (log2(n) extra statements per bad row) and rejected one by one.
Status SegmentFlusher::InsertBisecting(const TableChunk& chunk, size_t begin, size_t end,
                                       uint64_t* inserted) {
  LOGROUTE_RETURN_IF_ERROR(sink_.Savepoint());
  const std::span<const sink::Row> rows(chunk.rows.data() + begin, end - begin);
  Status status = sink_.Insert(chunk.table, rows);
  if (status.ok()) {
    *inserted += rows.size();
    return Status::Ok();
  }
  if (status.code() != Code::kDataError) return status;
  LOGROUTE_RETURN_IF_ERROR(sink_.RollbackToSavepoint());
  if (rows.size() == 1) {
    const sink::Row& row = rows[0];
    std::string data = chunk.table + "\t" + std::to_string(row.unix_ts) + "\t" +
                       std::to_string(row.user_id) + "\t" + std::string(row.escaped_name);
    Reject(chunk.line_numbers[begin], "refused by the database: " + status.message(), data);
    return Status::Ok();
  }
  const size_t middle = begin + (end - begin) / 2;
  LOGROUTE_RETURN_IF_ERROR(InsertBisecting(chunk, begin, middle, inserted));
  return InsertBisecting(chunk, middle, end, inserted);
}

void SegmentFlusher::Reject(uint64_t line, const std::string& reason, std::string_view data) {
  // Enough of the line to see what it was; a cut line can be a megabyte of junk.
  constexpr size_t kMaxRejectData = 4096;
  std::string why = reason;
  if (data.size() > kMaxRejectData) {
    why += " (first " + std::to_string(kMaxRejectData) + " of " + std::to_string(data.size()) +
           " bytes kept)";
    data = data.substr(0, kMaxRejectData);
  }
  spool::AppendRejectEntry(source_, "line " + std::to_string(line), why, data, &rejects_);
  ++summary_.rejected;
}

Status SegmentFlusher::Unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("cannot remove the flushed segment " + path, errno);
  }
  return Status::Ok();
}

void SegmentFlusher::AddTableRows(const std::string& table, uint64_t rows) {
  for (auto& [name, count] : stats_->per_table) {
    if (name == table) {
      count += rows;
      return;
    }
  }
  stats_->per_table.emplace_back(table, rows);
}

}  // namespace logroute::flush
