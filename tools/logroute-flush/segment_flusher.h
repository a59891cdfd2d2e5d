// SegmentFlusher: one sealed segment into the sink, exactly once — the heart
// of flush (the protocol is in flush_pass.h and doc/guarantees.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"
#include "tools/logroute-flush/flush_pass.h"

namespace logroute::flush {

class SegmentFlusher {
 public:
  SegmentFlusher(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                 FlushStats* stats);
  ~SegmentFlusher();

  // Flushes segment `seq` of `shard`, which the caller holds locked and open
  // as `fd`: ledger check, rows, rejects, commit, unlink. On error the
  // transaction is rolled back and the segment stays.
  Status Flush(int shard, uint64_t seq, int fd);

 private:
  struct TableChunk;
  Status EnsureTables(int fd, const std::string& path);
  Status Stream(int fd, const std::string& path);
  TableChunk& ChunkFor(std::string_view table);
  Status Send(TableChunk& chunk);
  Status InsertBisecting(const TableChunk& chunk, size_t begin, size_t end, uint64_t* inserted);
  void Reject(uint64_t line, const std::string& reason, std::string_view data);
  Status Unlink(const std::string& path);
  void AddTableRows(const std::string& table, uint64_t rows);

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

}  // namespace logroute::flush
