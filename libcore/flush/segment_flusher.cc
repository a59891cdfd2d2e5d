#include "libcore/flush/segment_flusher.h"

#include <algorithm>
#include <cstdio>
#include <span>

#include <spdlog/spdlog.h>

#include "libcore/base/crc32c.h"
#include "libcore/chain/table_name.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"

namespace logroute::flush {
namespace {

std::string DescribeEntry(uint64_t lines, uint32_t checksum) {
  char text[64];
  std::snprintf(text, sizeof text, "%llu records, checksum %08x",
                static_cast<unsigned long long>(lines), checksum);
  return text;
}

// The record on the line `reader` just read, or why there is none (the reason of its reject).
Result<spool::Record> RecordOn(const spool::LineReader& reader, std::string_view line,
                               bool complete) {
  if (reader.truncated()) {
    return Status::DataError("not a spool record: longer than " +
                             std::to_string(spool::LineReader::kMaxLineBytes) + " bytes");
  }
  if (!complete) return Status::DataError("torn record: no line end at the end of the segment");
  return spool::DecodeRecord(line);
}

}  // namespace

void SegmentDigest::Add(std::string_view line, bool complete) {
  ++lines;
  checksum = Crc32cExtend(checksum, line);
  if (complete) checksum = Crc32cExtend(checksum, "\n");
}

Result<SegmentDigest> DigestSegment(File& segment) {
  LOGROUTE_RETURN_IF_ERROR(segment.Rewind());
  spool::LineReader reader(segment, segment.path());
  SegmentDigest digest;
  std::string_view line;
  bool complete;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &complete));
    if (!more) return digest;
    digest.Add(line, complete);
  }
}

// Rows for one table, waiting to be inserted, with the lines they came from
// (a refused row is rejected as the record it was). Copied out of the
// reader's buffer, which moves on.
struct SegmentFlusher::TableChunk {
  // Where a field of a record lies in `lines`.
  struct Extent {
    size_t begin = 0;
    size_t size = 0;
  };
  std::string table;
  std::string lines;  // the records, back to back, without their LF
  std::vector<size_t> line_begins;
  std::vector<Extent> names, ids;  // views of rows are rebuilt by FixViews()
  std::vector<sink::Row> rows;
  std::vector<uint64_t> line_numbers;  // for rejects

  void Add(const spool::Record& record, std::string_view line, uint64_t line_number) {
    auto extent = [&](std::string_view field) {
      return Extent{lines.size() + static_cast<size_t>(field.data() - line.data()), field.size()};
    };
    line_begins.push_back(lines.size());
    names.push_back(extent(record.escaped_name));
    ids.push_back(record.event_id.empty() ? Extent{} : extent(record.event_id));
    lines.append(line);
    rows.push_back({record.unix_ts, record.user_id, {}, {}});
    line_numbers.push_back(line_number);
  }
  std::string_view Line(size_t i) const {
    const size_t end = i + 1 < line_begins.size() ? line_begins[i + 1] : lines.size();
    return std::string_view(lines).substr(line_begins[i], end - line_begins[i]);
  }
  void FixViews() {
    const std::string_view all(lines);
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].escaped_name = all.substr(names[i].begin, names[i].size);
      rows[i].event_id = all.substr(ids[i].begin, ids[i].size);
    }
  }
  void Clear() {
    lines.clear();
    line_begins.clear();
    names.clear();
    ids.clear();
    rows.clear();
    line_numbers.clear();
  }
};

SegmentFlusher::SegmentFlusher(const spool::Spool& spool, sink::Sink& sink,
                               const FlushOptions& options, FlushStats* stats)
    : spool_(spool), sink_(sink), options_(options), stats_(stats) {}

SegmentFlusher::~SegmentFlusher() = default;

Status SegmentFlusher::Flush(int shard, uint64_t seq, File& segment) {
  source_ = spool_.ShardName(shard) + "/" + spool::SegmentName(seq);
  key_ = {spool_.id(), shard, seq};

  // DDL commits implicitly in MySQL, so every table is made ready before the transaction.
  LOGROUTE_RETURN_IF_ERROR(EnsureTables(segment));
  LOGROUTE_ASSIGN_OR_RETURN(sink::LedgerClaim claim, sink_.Begin(key_));
  if (!claim.ours()) return Settle(segment, claim.committed, nullptr);
  Status streamed = Stream(segment);
  if (!streamed.ok()) {
    sink_.Rollback();
    return streamed;
  }
  const std::string rejects_stem = spool_.ShardName(shard) + "." + spool::SegmentName(seq);
  if (rejects_.empty()) {
    // An earlier attempt may have written one and then failed to commit; this
    // attempt rejected nothing (the table was fixed meanwhile), so it goes.
    const std::string stale = spool_.RejectsDir() + "/" + rejects_stem + ".rej";
    Result<std::optional<FileInfo>> there = spool_.env().Stat(stale);
    Status removed = !there.ok()          ? there.status()
                     : there->has_value() ? spool_.env().Unlink(stale)
                                          : Status::Ok();
    if (!removed.ok()) {
      sink_.Rollback();
      return removed;
    }
  } else {
    // Before the commit: a crash after it must not lose the reasons. A retry
    // rewrites the same file, so it never holds an entry twice.
    Status written = spool::WriteRejects(spool_, rejects_stem, rejects_);
    if (!written.ok()) {
      sink_.Rollback();
      return written;
    }
    spdlog::warn("Rejected records: segment={} count={} file=rejects/{}.rej", source_, rejected_,
                 rejects_stem);
  }
  const sink::LedgerEntry entry{rows_, rejected_, digest_.checksum};
  Result<sink::LedgerClaim> committed = sink_.Commit(key_, entry);
  if (!committed.ok()) {
    // A refused statement leaves the transaction open (sink.h): left so, the
    // next segment's Begin() would commit it with a placeholder ledger row.
    sink_.Rollback();
    return committed.status();
  }
  if (!committed->ours()) return Settle(segment, committed->committed, &digest_);
  ++stats_->segments;
  stats_->rows += rows_ - deduplicated_;
  stats_->deduplicated += deduplicated_;
  stats_->rejected += rejected_;
  metrics::AddCounts(table_rows_, &stats_->per_table);
  return Unlink(segment);
}

// The ledger holds the key already. The very same segment (a crash between
// commit and unlink, a concurrent flusher, a segment both copies of a spool
// hold) is removed; any other is kept, and the operator told why and what to do.
Status SegmentFlusher::Settle(File& segment, const sink::LedgerEntry& committed,
                              const SegmentDigest* ours) {
  SegmentDigest digest;
  if (ours != nullptr) {
    digest = *ours;
  } else {
    LOGROUTE_ASSIGN_OR_RETURN(digest, DigestSegment(segment));
  }
  if (digest.Matches(committed)) {
    spdlog::info("Segment already committed, removing it: {}", source_);
    ++stats_->already_committed;
    return Unlink(segment);
  }
  return Status::DataError(
      source_ + ": the ledger already holds its key (spool " + key_.spool_id + ", shard " +
      std::to_string(key_.shard) + ", segment " + std::to_string(key_.seq) +
      ") for another segment (" +
      DescribeEntry(committed.rows + committed.rejected, committed.checksum) + "; this one has " +
      DescribeEntry(digest.lines, digest.checksum) +
      "): this spool is a copy or a restored backup of one that flushed it. The segment is kept. "
      "Give this copy its own identity: logroute-flush --spool " +
      spool_.dir() + " --db " + sink_.Describe() + " --new-spool-id (doc/operations.md)");
}

Status SegmentFlusher::EnsureTables(File& segment) {
  if (!options_.table_override.empty()) {
    // Checked at the start of the pass; a sink forgets it on a reconnect.
    return sink_.EnsureTable(options_.table_override);
  }
  LOGROUTE_RETURN_IF_ERROR(segment.Rewind());
  spool::LineReader reader(segment, segment.path());
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
    if (!chain::ValidateTableName(table).ok() || stats_->refused_tables.contains(table)) continue;
    Status ensured = sink_.EnsureTable(table);
    if (ensured.retryable()) return ensured;
    if (!ensured.ok()) MarkBroken(std::string(table), ensured);
  }
  return Status::Ok();
}

Status SegmentFlusher::Stream(File& segment) {
  LOGROUTE_RETURN_IF_ERROR(segment.Rewind());
  spool::LineReader reader(segment, segment.path());
  std::string_view line;
  bool complete;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &complete));
    if (!more) break;
    digest_.Add(line, complete);
    const Result<spool::Record> record = RecordOn(reader, line, complete);
    if (!record.ok()) {
      Reject(reader.line_number(), record.status().message(), line);
      continue;
    }
    const std::string_view table =
        options_.table_override.empty() ? record->table : std::string_view(options_.table_override);
    if (auto refused = stats_->refused_tables.find(table);
        refused != stats_->refused_tables.end()) {
      Reject(reader.line_number(), refused->second, line);
      continue;
    }
    TableChunk& chunk = ChunkFor(table);
    chunk.Add(*record, line, reader.line_number());
    if (chunk.rows.size() >= options_.chunk_rows) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
  }
  for (TableChunk& chunk : chunks_) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
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
  uint64_t loaded = 0;
  const uint64_t deduplicated_before = deduplicated_;
  LOGROUTE_RETURN_IF_ERROR(InsertBisecting(chunk, 0, chunk.rows.size(), &loaded));
  rows_ += loaded;
  const uint64_t inserted = loaded - (deduplicated_ - deduplicated_before);
  table_rows_[chunk.table] += inserted;
  chunk.Clear();
  return Status::Ok();
}

// Inserts rows [begin, end) of `chunk`. A statement the database refuses for
// anything but its own state is bisected: a row that fails alone, while its
// neighbours go in, is rejected with the server's words (log2(n) extra
// statements per bad row). A refusal that names the table (no such column,
// no privilege) rejects every row for it instead.
Status SegmentFlusher::InsertBisecting(TableChunk& chunk, size_t begin, size_t end,
                                       uint64_t* inserted) {
  if (auto refused = stats_->refused_tables.find(chunk.table);
      refused != stats_->refused_tables.end()) {
    for (size_t i = begin; i < end; ++i)
      Reject(chunk.line_numbers[i], refused->second, chunk.Line(i));
    return Status::Ok();
  }
  LOGROUTE_RETURN_IF_ERROR(sink_.Savepoint());
  const std::span<const sink::Row> rows(chunk.rows.data() + begin, end - begin);
  Status status = sink_.Insert(chunk.table, rows);
  if (status.ok()) {
    *inserted += rows.size();
    deduplicated_ += sink_.last_deduplicated();
    return Status::Ok();
  }
  if (status.retryable()) return status;
  LOGROUTE_RETURN_IF_ERROR(sink_.RollbackToSavepoint());
  if (status.code() == Code::kUsage || status.code() == Code::kNoPermission) {
    MarkBroken(chunk.table, status);
    return InsertBisecting(chunk, begin, end, inserted);
  }
  if (rows.size() == 1) {
    Reject(chunk.line_numbers[begin], "refused by the database: " + status.message(),
           chunk.Line(begin));
    return Status::Ok();
  }
  const size_t middle = begin + (end - begin) / 2;
  LOGROUTE_RETURN_IF_ERROR(InsertBisecting(chunk, begin, middle, inserted));
  return InsertBisecting(chunk, middle, end, inserted);
}

// Once per pass and table: the table's rows in every segment go to rejects/.
void SegmentFlusher::MarkBroken(const std::string& table, const Status& why) {
  spdlog::error(
      "Table {} cannot take rows; its rows go to rejects/ (replay them once it is fixed): {}",
      table, why.message());
  stats_->refused_tables.emplace(table, "table " + table + " cannot take rows: " + why.message());
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
  ++rejected_;
}

Status SegmentFlusher::Unlink(File& segment) {
  Status removed = spool_.env().Unlink(segment.path());
  if (removed.ok() || removed.code() == Code::kNotFound) return Status::Ok();
  return removed.Wrap("the segment is committed, yet stays (the next pass removes it)");
}

}  // namespace logroute::flush
