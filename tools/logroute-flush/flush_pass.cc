#include "tools/logroute-flush/flush_pass.h"
#include "tools/logroute-flush/segment_flusher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include <spdlog/spdlog.h>

#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/shard.h"

namespace logroute::flush {
namespace {

using Clock = std::chrono::steady_clock;

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
    // A segment recv sealed may not have a durable name yet. Were its rows
    // committed and the machine then crashed, `active` could come back with
    // them and be flushed a second time: make the names durable first.
    if (!segments.empty()) LOGROUTE_RETURN_IF_ERROR(SyncDir(spool.ShardDir(shard)));
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
