#include "tools/logroute-flush/flush_pass.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <span>

#include <spdlog/spdlog.h>

#include "libcore/base/crc32c.h"
#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"
#include "libcore/chain/table_name.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"
#include "libcore/spool/shard.h"

namespace logroute::flush {
namespace {

using Clock = std::chrono::steady_clock;

// Rows for one table, waiting to be inserted. Names are copied out of the
// reader's buffer, which moves on.
struct TableChunk {
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

class SegmentFlusher {
 public:
  SegmentFlusher(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                 FlushStats* stats)
      : spool_(spool), sink_(sink), options_(options), stats_(stats) {}

  // Flushes one locked segment; `fd` is open on it.
  Status Flush(int shard, uint64_t seq, int fd) {
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
    if (!rejects_.empty()) {
      // Before the commit: a crash after it must not lose the reasons. A retry
      // rewrites the same file, so it never holds an entry twice.
      Status written = spool::WriteRejects(
          spool_, spool_.ShardName(shard) + "." + spool::SegmentName(seq), rejects_);
      if (!written.ok()) {
        sink_.Rollback();
        return written;
      }
      spdlog::warn("Rejected records: segment={} count={} file=rejects/{}.{}.rej", source_,
                   summary_.rejected, spool_.ShardName(shard), spool::SegmentName(seq));
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

 private:
  Status EnsureTables(int fd, const std::string& path) {
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

  Status Stream(int fd, const std::string& path) {
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
      std::string reason = complete ? spool::DecodeRecord(line, &record)
                                    : "torn record: no line end at the end of the segment";
      if (!reason.empty()) {
        Reject(reader.line_number(), reason, line);
        continue;
      }
      const std::string_view table = options_.table_override.empty()
                                         ? record.table
                                         : std::string_view(options_.table_override);
      TableChunk& chunk = ChunkFor(table);
      chunk.Add(record, reader.line_number());
      if (chunk.rows.size() >= options_.chunk_rows) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
    }
    for (TableChunk& chunk : chunks_) LOGROUTE_RETURN_IF_ERROR(Send(chunk));
    summary_.checksum = crc;
    return Status::Ok();
  }

  TableChunk& ChunkFor(std::string_view table) {
    for (TableChunk& chunk : chunks_) {
      if (chunk.table == table) return chunk;
    }
    chunks_.push_back({});
    chunks_.back().table = std::string(table);
    return chunks_.back();
  }

  Status Send(TableChunk& chunk) {
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
  Status InsertBisecting(const TableChunk& chunk, size_t begin, size_t end, uint64_t* inserted) {
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

  void Reject(uint64_t line, const std::string& reason, std::string_view data) {
    spool::AppendRejectEntry(source_, "line " + std::to_string(line), reason, data, &rejects_);
    ++summary_.rejected;
  }

  Status Unlink(const std::string& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove the flushed segment " + path, errno);
    }
    return Status::Ok();
  }

  void AddTableRows(const std::string& table, uint64_t rows) {
    for (auto& [name, count] : stats_->per_table) {
      if (name == table) {
        count += rows;
        return;
      }
    }
    stats_->per_table.emplace_back(table, rows);
  }

  const spool::Spool& spool_;
  sink::Sink& sink_;
  const FlushOptions& options_;
  FlushStats* stats_;
  std::string source_;
  std::vector<TableChunk> chunks_;
  std::vector<std::pair<std::string, uint64_t>> table_rows_;
  std::string rejects_;
  sink::SegmentSummary summary_;
};

uint64_t SealedBytes(const spool::Spool& spool) {
  uint64_t bytes = 0;
  for (int shard = 0; shard < spool.shards(); ++shard) {
    Result<std::vector<uint64_t>> segments = spool::ListSegments(spool, shard);
    if (!segments.ok()) continue;
    for (uint64_t seq : *segments) {
      struct stat st;
      if (::stat(spool.SegmentPath(shard, seq).c_str(), &st) == 0)
        bytes += static_cast<uint64_t>(st.st_size);
    }
  }
  return bytes;
}

}  // namespace

std::string FlushStats::Summary() const {
  std::string text = "segments=" + std::to_string(segments) + " rows=" + std::to_string(rows) +
                     " rejected=" + std::to_string(rejected) +
                     " already_committed=" + std::to_string(already_committed) +
                     " skipped_locked=" + std::to_string(skipped_locked) + " tables=";
  for (size_t i = 0; i < per_table.size(); ++i) {
    if (i > 0) text += ',';
    text += per_table[i].first + ":" + std::to_string(per_table[i].second);
  }
  if (per_table.empty()) text += "-";
  char tail[96];
  std::snprintf(tail, sizeof tail, " seconds=%.3f rows_per_second=%.0f", seconds,
                seconds > 0 ? static_cast<double>(rows) / seconds : 0.0);
  return text + tail + (stopped_early ? " (stopped early)" : "");
}

Status RunFlushPass(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                    FlushStats* stats) {
  const Clock::time_point start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto out_of_time = [&] {
    return (options.max_seconds > 0 && elapsed() >= options.max_seconds) ||
           (options.stop != nullptr && options.stop->load());
  };
  // A rotating start, so that a pass cut short by --max-seconds does not
  // always favour the same shards.
  const int first =
      static_cast<int>(std::random_device{}() % static_cast<unsigned>(spool.shards()));

  for (int i = 0; i < spool.shards(); ++i) {
    const int shard = (first + i) % spool.shards();
    Result<std::optional<uint64_t>> sealed = spool::SealActive(spool, shard);
    if (!sealed.ok()) return sealed.status();
  }
  const bool want_progress = static_cast<bool>(options.on_progress);
  for (int i = 0; i < spool.shards() && !stats->stopped_early; ++i) {
    const int shard = (first + i) % spool.shards();
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, spool::ListSegments(spool, shard));
    bool removed_any = false;
    for (uint64_t seq : segments) {
      if (out_of_time()) {
        stats->stopped_early = true;
        break;
      }
      const std::string path = spool.SegmentPath(shard, seq);
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) {
        if (errno == ENOENT) continue;  // another flusher finished it
        return ErrnoStatus("cannot open " + path, errno);
      }
      LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(fd.get()));
      struct stat st;
      if (!lock.held()) {
        ++stats->skipped_locked;
        continue;
      }
      if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0) continue;  // unlinked while we waited
      SegmentFlusher flusher(spool, sink, options, stats);
      Status status = flusher.Flush(shard, seq, fd.get());
      if (!status.ok()) {
        stats->seconds = elapsed();
        return status.Wrap(spool.ShardName(shard) + "/" + spool::SegmentName(seq));
      }
      removed_any = true;
      if (want_progress) {
        stats->seconds = elapsed();
        options.on_progress(*stats, SealedBytes(spool));
      }
    }
    if (removed_any) LOGROUTE_RETURN_IF_ERROR(SyncDir(spool.ShardDir(shard)));
  }
  stats->seconds = elapsed();
  return Status::Ok();
}

}  // namespace logroute::flush
