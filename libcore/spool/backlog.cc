#include "libcore/spool/backlog.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "libcore/base/file_util.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"

namespace logroute::spool {
namespace {

using FileId = std::pair<dev_t, ino_t>;

// Files someone holds a flock on. Reading /proc/locks takes no lock itself,
// unlike probing with flock(LOCK_NB), which could delay a writer.
std::set<FileId> HeldFlocks() {
  std::set<FileId> held;
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" (the id is MAJOR:MINOR:INODE)
    std::istringstream fields(line);
    std::string index, kind, mode, access, pid, id;
    if (!(fields >> index >> kind) || kind != "FLOCK") continue;
    if (!(fields >> mode >> access >> pid >> id)) continue;
    unsigned major = 0, minor = 0;
    unsigned long long inode = 0;
    if (std::sscanf(id.c_str(), "%x:%x:%llu", &major, &minor, &inode) == 3) {
      held.insert({makedev(major, minor), static_cast<ino_t>(inode)});
    }
  }
  return held;
}

bool IsHeld(const std::set<FileId>& held, const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && held.count({st.st_dev, st.st_ino}) > 0;
}

// Counts the whole records of a file. ENOENT (sealed or flushed meanwhile) is
// not an error: the file is simply not there any more.
Status CountFile(const std::string& path, FileCounts* counts) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return errno == ENOENT ? Status::Ok() : ErrnoStatus("cannot open " + path, errno);
  static thread_local std::string buffer(1 << 20, '\0');
  uint64_t complete_bytes = 0, offset = 0;
  bool first_line = true;
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read " + path, errno);
    }
    if (n == 0) break;
    const char* data = buffer.data();
    const auto size = static_cast<size_t>(n);
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
  const std::string dir_path = spool.RejectsDir();
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr)
    return errno == ENOENT ? Status::Ok() : ErrnoStatus("cannot list " + dir_path, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.ends_with(".rej")) names.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    FileCounts counts;
    LOGROUTE_RETURN_IF_ERROR(CountFile(dir_path + "/" + name, &counts));
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
  const std::set<FileId> held = HeldFlocks();
  for (int shard = 0; shard < spool.shards(); ++shard) {
    ShardBacklog sb;
    sb.shard = shard;
    // Segments first: a seal that happens meanwhile then moves records into
    // what we count next rather than out of what we counted already.
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(spool, shard));
    for (uint64_t seq : segments) {
      const std::string path = spool.SegmentPath(shard, seq);
      if (!PathExists(path)) continue;
      ++sb.segments;
      LOGROUTE_RETURN_IF_ERROR(CountFile(path, &sb.sealed));
      sb.locks_held += IsHeld(held, path);
    }
    LOGROUTE_RETURN_IF_ERROR(CountFile(spool.ActivePath(shard), &sb.active));
    sb.locks_held += IsHeld(held, spool.LockPath(shard));
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
