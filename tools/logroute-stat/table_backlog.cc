#include "tools/logroute-stat/table_backlog.h"

#include <memory>

#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"

namespace logroute::stat {
namespace {

// A file flushed or sealed since it was listed is simply not there any more.
Status CountFile(Env& env, const std::string& path, TableBacklogs* tables) {
  Result<std::unique_ptr<File>> file = env.Open(path, {});
  if (!file.ok()) return file.status().code() == Code::kNotFound ? Status::Ok() : file.status();
  spool::LineReader reader(**file, path);
  std::string_view line;
  bool complete = true;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(bool more, reader.Next(&line, &complete));
    if (!more || !complete) break;  // a record being written is not counted yet
    if (reader.truncated()) continue;
    const std::string_view table = spool::RecordTable(line);
    if (table.empty()) continue;
    TableBacklog& counts = (*tables)[table];
    ++counts.events;
    counts.bytes += line.size() + 1;
    const int64_t recv_ts = spool::RecordRecvTime(line);
    if (recv_ts >= 0 && (counts.oldest_recv_ts < 0 || recv_ts < counts.oldest_recv_ts)) {
      counts.oldest_recv_ts = recv_ts;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<TableBacklogs> MeasureTables(const spool::Spool& spool) {
  TableBacklogs tables;
  for (int shard = 0; shard < spool.shards(); ++shard) {
    // Segments first, as MeasureBacklog does: a seal meanwhile moves records
    // into what is counted next, not out of what was counted.
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, spool::ListSegments(spool, shard));
    for (uint64_t seq : segments) {
      LOGROUTE_RETURN_IF_ERROR(CountFile(spool.env(), spool.SegmentPath(shard, seq), &tables));
    }
    LOGROUTE_RETURN_IF_ERROR(CountFile(spool.env(), spool.ActivePath(shard), &tables));
  }
  tables.SortByTable();
  return tables;
}

}  // namespace logroute::stat
