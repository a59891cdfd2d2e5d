// SegmentFlusher: one sealed segment into the sink, exactly once — the heart
// of flush (the protocol is in flush_pass.h and doc/guarantees.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/flush/flush_pass.h"
#include "libcore/metrics/table_counts.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"

namespace logroute::flush {

// A segment's lines, counted and checksummed as flush reads them: what the
// ledger records of a committed segment, so that a segment found under a key
// the ledger already holds can be told to be that very segment, or another.
struct SegmentDigest {
  uint64_t lines = 0;
  uint32_t checksum = 0;  // CRC-32C of the lines, each with its LF when it has one

  void Add(std::string_view line, bool complete);
  bool Matches(const sink::LedgerEntry& committed) const {
    return committed.checksum == checksum && committed.rows + committed.rejected == lines;
  }
};

// Reads `segment` from its start.
Result<SegmentDigest> DigestSegment(File& segment);

class SegmentFlusher {
 public:
  SegmentFlusher(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                 FlushStats* stats);
  ~SegmentFlusher();

  // Flushes segment `seq` of `shard`, which the caller holds open and locked
  // as `segment`: ledger check, rows, rejects, commit, unlink. On error the
  // transaction is rolled back and the segment stays. Rows for a table that
  // cannot take them are rejected with the reason; the rest is committed.
  Status Flush(int shard, uint64_t seq, File& segment);

 private:
  struct TableChunk;
  Status EnsureTables(File& segment);
  Status Stream(File& segment);
  Status Settle(File& segment, const sink::LedgerEntry& committed, const SegmentDigest* ours);
  TableChunk& ChunkFor(std::string_view table);
  Status Send(TableChunk& chunk);
  Status InsertBisecting(TableChunk& chunk, size_t begin, size_t end, uint64_t* inserted);
  void MarkBroken(const std::string& table, const Status& why);
  void Reject(uint64_t line, const std::string& reason, std::string_view data);
  Status Unlink(File& segment);

  const spool::Spool& spool_;
  sink::Sink& sink_;
  const FlushOptions& options_;
  FlushStats* stats_;
  std::string source_;
  sink::SegmentKey key_;
  std::vector<TableChunk> chunks_;
  metrics::TableCounts table_rows_;  // rows inserted, by table
  std::string rejects_;
  SegmentDigest digest_;
  uint64_t rows_ = 0;  // inserted or deduplicated: what the ledger counts as loaded
  uint64_t deduplicated_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace logroute::flush
