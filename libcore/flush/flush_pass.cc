#include "libcore/flush/flush_pass.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "libcore/base/file_lock.h"
#include "libcore/flush/segment_flusher.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/shard.h"

namespace logroute::flush {
namespace {

using Clock = std::chrono::steady_clock;

// Attempts per segment, each on a new connection after the first: enough for
// a Galera certification failure or a statement the server found too big (the
// sink sends smaller ones next), and never a loop.
constexpr int kAttemptsPerSegment = 3;

uint64_t SealedBytes(const spool::Spool& spool) {
  uint64_t bytes = 0;
  for (int shard = 0; shard < spool.shards(); ++shard) {
    Result<std::vector<uint64_t>> segments = spool::ListSegments(spool, shard);
    if (!segments.ok()) continue;
    for (uint64_t seq : *segments) {
      Result<std::optional<FileInfo>> info = spool.env().Stat(spool.SegmentPath(shard, seq));
      if (info.ok() && *info) bytes += (*info)->size;
    }
  }
  return bytes;
}

// A shard whose next sequence number the ledger has seen belongs to a copy
// of a spool (a clone, a restored backup): sealing it would reuse a key.
Status ExplainCopy(const spool::Spool& spool, const sink::Sink& sink, const Status& status) {
  return Status::DataError(
      status.message() +
      ": this spool is a copy or a restored backup of one that flushed after it. Nothing of this "
      "shard is flushed. Give this copy its own identity: logroute-flush --spool " +
      spool.dir() + " --db " + sink.Describe() + " --new-spool-id (doc/operations.md)");
}

class Pass {
 public:
  Pass(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options, FlushStats* stats)
      : spool_(spool), sink_(sink), options_(options), stats_(stats) {}

  Status Run() {
    if (!options_.table_override.empty()) {
      // The operator named it: if it cannot take rows, nothing can go anywhere.
      LOGROUTE_RETURN_IF_ERROR(sink_.EnsureTable(options_.table_override));
    }
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> highest,
                              sink_.HighestCommitted(spool_.id(), spool_.shards()));
    // A rotating start (by process id, so that a test's Env repeats it), so
    // that a pass cut short by --max-seconds does not always favour the same shards.
    const int first = static_cast<int>(static_cast<uint64_t>(spool_.env().ProcessId()) %
                                       static_cast<uint64_t>(spool_.shards()));
    std::vector<bool> refused(static_cast<size_t>(spool_.shards()), false);
    for (int i = 0; i < spool_.shards(); ++i) {
      const int shard = (first + i) % spool_.shards();
      Result<std::optional<uint64_t>> sealed =
          spool::SealActive(spool_, shard, highest[static_cast<size_t>(shard)]);
      if (sealed.ok()) continue;
      // Its sealed segments still go: a shard whose `active` cannot be sealed
      // (a full disk, a file another user owns) must not hold them back.
      const bool copy = sealed.status().code() == Code::kDataError;
      refused[static_cast<size_t>(shard)] = copy;
      stats_->FailShard(spool_.ShardName(shard),
                        copy ? ExplainCopy(spool_, sink_, sealed.status()) : sealed.status());
    }
    for (int i = 0; i < spool_.shards() && !stats_->stopped_early; ++i) {
      const int shard = (first + i) % spool_.shards();
      if (refused[static_cast<size_t>(shard)]) continue;
      LOGROUTE_RETURN_IF_ERROR(FlushShard(shard));
    }
    return Verdict();
  }

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  bool OutOfTime() const {
    return (options_.max_seconds > 0 && Elapsed() >= options_.max_seconds) ||
           (options_.stop != nullptr && options_.stop->load());
  }

  // Returns an error only when the pass must stop: the database is gone.
  Status FlushShard(int shard) {
    Result<std::vector<uint64_t>> segments = spool::ListSegments(spool_, shard);
    if (!segments.ok()) {
      stats_->FailShard(spool_.ShardName(shard), segments.status());
      return Status::Ok();
    }
    if (segments->empty()) return Status::Ok();
    // A segment recv sealed may not have a durable name yet. Were its rows
    // committed and the machine then crashed, `active` could come back with
    // them and be flushed a second time: make the names durable first.
    if (Status synced = spool_.env().SyncDir(spool_.ShardDir(shard)); !synced.ok()) {
      stats_->FailShard(spool_.ShardName(shard), synced);
      return Status::Ok();
    }
    bool removed_any = false;
    for (uint64_t seq : *segments) {
      if (OutOfTime()) {
        stats_->stopped_early = true;
        break;
      }
      const std::string name = spool_.ShardName(shard) + "/" + spool::SegmentName(seq);
      Result<SegmentFate> fate = FlushSegment(shard, seq);
      if (!fate.ok()) return fate.status().Wrap(name);
      const bool removed = *fate == SegmentFate::kRemoved;
      removed_any = removed_any || removed;
      if (removed && options_.on_progress) {
        stats_->seconds = Elapsed();
        options_.on_progress(*stats_, SealedBytes(spool_));
      }
    }
    if (removed_any) {
      if (Status synced = spool_.env().SyncDir(spool_.ShardDir(shard)); !synced.ok()) {
        stats_->FailShard(spool_.ShardName(shard), synced);
      }
    }
    return Status::Ok();
  }

  // What FlushSegment did with a segment.
  enum class SegmentFate {
    kRemoved,  // this pass removed it from the spool (committed, now or before)
    kLeft,     // this pass left it: already gone, held by another flusher, or failed (counted)
  };

  // An error only when the pass must stop.
  Result<SegmentFate> FlushSegment(int shard, uint64_t seq) {
    const std::string name = spool_.ShardName(shard) + "/" + spool::SegmentName(seq);
    Result<std::unique_ptr<File>> file = spool_.env().Open(spool_.SegmentPath(shard, seq), {});
    if (!file.ok()) {
      // NotFound: another flusher finished it.
      if (file.status().code() == Code::kNotFound) return SegmentFate::kLeft;
      stats_->FailSegment(name, file.status());
      return SegmentFate::kLeft;
    }
    Result<FileLock> lock = FileLock::TryAcquire(**file);
    if (!lock.ok()) {
      stats_->FailSegment(name, lock.status());
      return SegmentFate::kLeft;
    }
    if (!lock->held()) {
      ++stats_->skipped_locked;
      return SegmentFate::kLeft;
    }
    Result<FileInfo> info = (*file)->Stat();
    if (!info.ok() || info->links == 0) return SegmentFate::kLeft;  // unlinked while we waited
    Status status;
    for (int attempt = 1; attempt <= kAttemptsPerSegment; ++attempt) {
      SegmentFlusher flusher(spool_, sink_, options_, stats_);
      status = flusher.Flush(shard, seq, **file);
      if (status.ok()) return SegmentFate::kRemoved;
      if (!status.retryable() || attempt == kAttemptsPerSegment) break;
      // The connection may be what failed: a new one, or the pass is over.
      Status reconnected = sink_.Reconnect();
      if (!reconnected.ok()) return reconnected;
      spdlog::warn("Retrying a segment on a new connection: segment={} error={}", name,
                   status.message());
    }
    stats_->FailSegment(name, status);
    return SegmentFate::kLeft;
  }

  Status Verdict() const {
    const bool failed = stats_->failed_shards > 0 || stats_->failed_segments > 0;
    if (!failed && stats_->refused_tables.empty()) return Status::Ok();
    std::string what = std::to_string(stats_->failed_shards) + " shards and " +
                       std::to_string(stats_->failed_segments) + " segments failed";
    if (!stats_->refused_tables.empty()) {
      what += ", and tables refused their rows (rejected): ";
      for (const auto& [table, why] : stats_->refused_tables) what += table + " ";
      what.pop_back();
    }
    const bool moved = stats_->segments > 0 || stats_->already_committed > 0;
    if (!moved && !stats_->mixed_failures && stats_->refused_tables.empty() &&
        stats_->failure_code && *stats_->failure_code != Code::kDataError) {
      return {*stats_->failure_code, what + ", all for the one cause above; nothing was moved"};
    }
    if (!stats_->permanent_failure && stats_->refused_tables.empty()) {
      return Status::TempFail(what + " for reasons that pass; a later pass retries them");
    }
    return {Code::kPartial, what + " (see the errors above)"};
  }

  const spool::Spool& spool_;
  sink::Sink& sink_;
  const FlushOptions& options_;
  FlushStats* stats_;
  const Clock::time_point start_ = Clock::now();
};

}  // namespace

std::string FlushStats::Summary() const {
  std::string text = "segments=" + std::to_string(segments) + " rows=" + std::to_string(rows) +
                     " rejected=" + std::to_string(rejected) +
                     " already_committed=" + std::to_string(already_committed) +
                     " skipped_locked=" + std::to_string(skipped_locked) +
                     " failed_shards=" + std::to_string(failed_shards) +
                     " failed_segments=" + std::to_string(failed_segments) +
                     " deduplicated=" + std::to_string(deduplicated) +
                     " tables=" + metrics::FormatTableCounts(per_table);
  char tail[96];
  std::snprintf(tail, sizeof tail, " seconds=%.3f rows_per_second=%.0f", seconds,
                seconds > 0 ? static_cast<double>(rows) / seconds : 0.0);
  return text + tail + (stopped_early ? " (stopped early)" : "");
}

bool FlushStats::Idle() const {
  return segments == 0 && already_committed == 0 && rejected == 0 && failed_shards == 0 &&
         failed_segments == 0 && refused_tables.empty() && !stopped_early;
}

void FlushStats::Count(const Status& status) {
  permanent_failure = permanent_failure || !status.retryable();
  mixed_failures = mixed_failures || (failure_code && *failure_code != status.code());
  failure_code = status.code();
}

void FlushStats::FailShard(const std::string& what, const Status& status) {
  ++failed_shards;
  Count(status);
  spdlog::error("Cannot flush {}, the rest of the pass goes on: {}", what, status.message());
}

void FlushStats::FailSegment(const std::string& what, const Status& status) {
  ++failed_segments;
  Count(status);
  spdlog::error("Cannot flush {}, it stays for a later pass: {}", what, status.message());
}

Status RunFlushPass(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                    FlushStats* stats) {
  Pass pass(spool, sink, options, stats);
  Status status = pass.Run();
  stats->seconds = pass.Elapsed();
  return status;
}

}  // namespace logroute::flush
