#include "libcore/spool/backlog.h"

#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>
#include <utility>

#include "libcore/base/file_util.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"

namespace logroute::spool {
namespace {

using FileId = std::pair<uint64_t, uint64_t>;  // device, inode

// Files someone holds a flock on. Reading /proc/locks takes no lock itself,
// unlike probing with flock(LOCK_NB), which could delay a writer. Where there
// is no /proc, no lock is reported.
std::set<FileId> HeldFlocks(Env& env) {
  std::set<FileId> held;
  Result<std::string> locks = ReadFile(env, "/proc/locks");
  if (!locks.ok()) return held;
  std::istringstream lines(*locks);
  std::string line;
  while (std::getline(lines, line)) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" (the id is MAJOR:MINOR:INODE)
    std::istringstream fields(line);
    std::string index, kind, mode, access, pid, id;
    if (!(fields >> index >> kind) || kind != "FLOCK") continue;
    if (!(fields >> mode >> access >> pid >> id)) continue;
    unsigned major = 0, minor = 0;
    unsigned long long inode = 0;
    if (std::sscanf(id.c_str(), "%x:%x:%llu", &major, &minor, &inode) == 3) {
      held.insert({makedev(major, minor), inode});
    }
  }
  return held;
}

bool IsHeld(Env& env, const std::set<FileId>& held, const std::string& path) {
  Result<std::optional<FileInfo>> info = env.Stat(path);
  return info.ok() && *info && held.count({(*info)->device, (*info)->inode}) > 0;
}

// Counts the whole records of a file. A file that is not there (sealed or
// flushed meanwhile) is not an error: it simply counts nothing.
Status CountFile(Env& env, const std::string& path, FileCounts* counts) {
  Result<std::unique_ptr<File>> file = env.Open(path, {});
  if (!file.ok()) return file.status().code() == Code::kNotFound ? Status::Ok() : file.status();
  static thread_local std::string buffer(1 << 20, '\0');
  uint64_t complete_bytes = 0, offset = 0;
  bool first_line = true;
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(size_t size, (*file)->Read(buffer.data(), buffer.size()));
    if (size == 0) break;
    const char* data = buffer.data();
    if (first_line) {
      if (const void* nl = std::memchr(data, '\n', size)) {
        const int64_t ts = RecordRecvTime(
            std::string_view(data, static_cast<size_t>(static_cast<const char*>(nl) - data)));
        if (ts >= 0 && (counts->oldest_recv_ts < 0 || ts < counts->oldest_recv_ts)) {
          counts->oldest_recv_ts = ts;
        }
        first_line = false;
      }
    }
    for (const char* p = data;
         (p = static_cast<const char*>(std::memchr(p, '\n', size - static_cast<size_t>(p - data))));
         ++p) {
      ++counts->events;
      complete_bytes = offset + static_cast<uint64_t>(p - data) + 1;
    }
    offset += size;
  }
  counts->bytes += complete_bytes;
  return Status::Ok();
}

void MergeOldest(int64_t ts, int64_t* oldest) {
  if (ts >= 0 && (*oldest < 0 || ts < *oldest)) *oldest = ts;
}

Status MeasureRejects(const Spool& spool, RejectsBacklog* rejects) {
  Result<std::vector<std::string>> names = spool.env().ListDir(spool.RejectsDir());
  if (!names.ok()) return names.status().code() == Code::kNotFound ? Status::Ok() : names.status();
  for (const std::string& name : *names) {
    if (!name.ends_with(".rej")) continue;
    FileCounts counts;
    LOGROUTE_RETURN_IF_ERROR(CountFile(spool.env(), spool.RejectsDir() + "/" + name, &counts));
    ++rejects->files;
    rejects->entries += counts.events;
    rejects->bytes += counts.bytes;
  }
  return Status::Ok();
}

}  // namespace

Result<Backlog> MeasureBacklog(const Spool& spool, int64_t now) {
  Backlog backlog;
  backlog.spool_dir = spool.dir();
  backlog.spool_id = spool.id();
  backlog.measured_at = now;
  Env& env = spool.env();
  const std::set<FileId> held = HeldFlocks(env);
  for (int shard = 0; shard < spool.shards(); ++shard) {
    ShardBacklog sb;
    sb.shard = shard;
    // Segments first: a seal that happens meanwhile then moves records into
    // what we count next rather than out of what we counted already.
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(spool, shard));
    for (uint64_t seq : segments) {
      const std::string path = spool.SegmentPath(shard, seq);
      LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> there, env.Stat(path));
      if (!there) continue;
      ++sb.segments;
      LOGROUTE_RETURN_IF_ERROR(CountFile(env, path, &sb.sealed));
      sb.locks_held += IsHeld(env, held, path);
    }
    LOGROUTE_RETURN_IF_ERROR(CountFile(env, spool.ActivePath(shard), &sb.active));
    sb.locks_held += IsHeld(env, held, spool.LockPath(shard));
    MergeOldest(sb.sealed.oldest_recv_ts, &sb.oldest_recv_ts);
    MergeOldest(sb.active.oldest_recv_ts, &sb.oldest_recv_ts);
    backlog.shards.push_back(sb);
  }
  LOGROUTE_RETURN_IF_ERROR(MeasureRejects(spool, &backlog.rejects));
  return backlog;
}

uint64_t Backlog::TotalEvents() const {
  uint64_t total = 0;
  for (const ShardBacklog& s : shards) total += s.active.events + s.sealed.events;
  return total;
}

uint64_t Backlog::TotalBytes() const {
  uint64_t total = 0;
  for (const ShardBacklog& s : shards) total += s.active.bytes + s.sealed.bytes;
  return total;
}

uint64_t Backlog::TotalSegments() const {
  uint64_t total = 0;
  for (const ShardBacklog& s : shards) total += s.segments;
  return total;
}

int64_t Backlog::OldestRecvTs() const {
  int64_t oldest = -1;
  for (const ShardBacklog& s : shards) MergeOldest(s.oldest_recv_ts, &oldest);
  return oldest;
}

int64_t Backlog::OldestAgeSeconds() const {
  const int64_t oldest = OldestRecvTs();
  return oldest < 0 ? 0 : std::max<int64_t>(0, measured_at - oldest);
}

}  // namespace logroute::spool
