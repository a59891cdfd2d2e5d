#include "libcore/spool/shard.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string>

#include "libcore/spool/rejects.h"

namespace logroute::spool {
namespace {

constexpr size_t kSeqDigits = 20;

// The highest sequence number among the shard's segments, 0 when none: a
// floor for the counter should its file ever be lost.
Result<uint64_t> HighestSegment(const std::string& shard_dir) {
  DIR* dir = ::opendir(shard_dir.c_str());
  if (dir == nullptr) return ErrnoStatus("cannot list " + shard_dir, errno);
  uint64_t highest = 0;
  while (const dirent* entry = ::readdir(dir)) {
    uint64_t seq;
    if (ParseSegmentName(entry->d_name, &seq) && seq > highest) highest = seq;
  }
  ::closedir(dir);
  return highest;
}

Result<uint64_t> NextSequence(const Spool& spool, int shard, int seq_fd) {
  char text[kSeqDigits + 1] = {};
  ssize_t n = ::pread(seq_fd, text, kSeqDigits, 0);
  if (n < 0) return ErrnoStatus("cannot read " + spool.SeqPath(shard), errno);
  uint64_t next = 1;
  if (n > 0) std::from_chars(text, text + n, next);
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t highest, HighestSegment(spool.ShardDir(shard)));
  return std::max(next, highest + 1);
}

std::string PendingPath(const Spool& spool, int shard) {
  return spool.ShardDir(shard) + "/pending";
}

struct Pending {
  uint64_t inode = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The last append's record; nullopt when there is none (or it cannot be parsed).
Result<std::optional<Pending>> ReadPending(const Spool& spool, int shard) {
  const std::string path = PendingPath(spool, shard);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<Pending>();
    return ErrnoStatus("cannot open " + path, errno);
  }
  char text[96];
  const ssize_t n = ::pread(fd.get(), text, sizeof text - 1, 0);
  if (n < 0) return ErrnoStatus("cannot read " + path, errno);
  text[n] = '\0';
  unsigned long long inode, offset, length;
  if (std::sscanf(text, "%llu %llu %llu", &inode, &offset, &length) != 3) {
    return std::optional<Pending>();
  }
  return std::optional<Pending>(Pending{inode, offset, length});
}

// Moves the bytes of `fd` from `keep` on (`tail`) to rejects/ and truncates the file to `keep`.
Result<off_t> MoveTailAside(const Spool& spool, int shard, int fd, off_t keep,
                            std::string_view tail, const std::string& reason) {
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  const std::string stem = spool.ShardName(shard) + ".torn." + std::to_string(now.tv_sec) +
                           std::to_string(now.tv_nsec) + "." + std::to_string(::getpid());
  std::string entry;
  AppendRejectEntry(spool.ShardName(shard) + "/active", "byte " + std::to_string(keep), reason,
                    tail, &entry);
  LOGROUTE_RETURN_IF_ERROR(WriteRejects(spool, stem, entry));
  if (::ftruncate(fd, keep) != 0) {
    return ErrnoStatus("cannot truncate the torn tail of " + spool.ActivePath(shard), errno);
  }
  return keep;
}

// The bytes [from, to) of `fd`.
Result<std::string> ReadRange(const Spool& spool, int shard, int fd, off_t from, off_t to) {
  std::string data(static_cast<size_t>(to - from), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pread(fd, data.data() + done, data.size() - done, from + static_cast<off_t>(done));
    if (n <= 0) return ErrnoStatus("cannot read " + spool.ActivePath(shard), n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return data;
}

// The offset just after the last LF before `end` in `fd`; 0 when there is none.
Result<off_t> AfterLastLineEnd(const Spool& spool, int shard, int fd, off_t end) {
  char block[65536];  // a torn tail is at most one write long: few blocks back
  while (end > 0) {
    const off_t from = std::max<off_t>(0, end - static_cast<off_t>(sizeof block));
    const auto length = static_cast<size_t>(end - from);
    if (::pread(fd, block, length, from) != static_cast<ssize_t>(length)) {
      return ErrnoStatus("cannot read " + spool.ActivePath(shard), errno);
    }
    const size_t newline = std::string_view(block, length).rfind('\n');
    if (newline != std::string_view::npos) return from + static_cast<off_t>(newline) + 1;
    end = from;
  }
  return off_t{0};
}

}  // namespace

Result<PendingFile> PendingFile::Open(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(PendingPath(spool, shard), O_RDWR | O_CREAT));
  return PendingFile(std::move(fd));
}

Status PendingFile::Record(ino_t inode, off_t offset, size_t length) const {
  // Fixed width, one write at offset 0 within a page: a kill leaves the old
  // record or the new one, never a mix. No sync: it serves process crashes,
  // and the page cache outlives those.
  char text[64];
  const int n = std::snprintf(
      text, sizeof text, "%020llu %020llu %020llu\n", static_cast<unsigned long long>(inode),
      static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length));
  if (::pwrite(fd_.get(), text, static_cast<size_t>(n), 0) != n) {
    return ErrnoStatus("cannot write the shard's pending file", errno);
  }
  return Status::Ok();
}

Status PendingFile::Sync() const {
  if (::fdatasync(fd_.get()) != 0)
    return ErrnoStatus("cannot sync the shard's pending file", errno);
  return Status::Ok();
}

Result<ShardLockFile> ShardLockFile::Open(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(spool.LockPath(shard), O_RDWR | O_CREAT));
  return ShardLockFile(std::move(fd));
}

Result<off_t> RepairTornTail(const Spool& spool, int shard, int fd, off_t size) {
  if (size == 0) return size;
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<Pending> pending, ReadPending(spool, shard));
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat " + spool.ActivePath(shard), errno);
  if (pending && pending->inode == static_cast<uint64_t>(st.st_ino) &&
      pending->offset < static_cast<uint64_t>(size) &&
      static_cast<uint64_t>(size) < pending->offset + pending->length) {
    // The last append to this file stopped short: even if the cut fell on a
    // line end, its records are a part of one batch, which lands whole or not
    // at all. A batch starts at a line start; should `pending` say otherwise
    // (damaged), the cut goes back to one, never leaving half a line.
    const auto offset = static_cast<off_t>(pending->offset);
    LOGROUTE_ASSIGN_OR_RETURN(const off_t keep, AfterLastLineEnd(spool, shard, fd, offset));
    LOGROUTE_ASSIGN_OR_RETURN(std::string tail, ReadRange(spool, shard, fd, keep, size));
    return MoveTailAside(spool, shard, fd, keep, tail,
                         "torn tail: a writer stopped mid-batch (" + std::to_string(size - offset) +
                             " of " + std::to_string(pending->length) + " bytes written)");
  }
  char last;
  if (::pread(fd, &last, 1, size - 1) != 1) {
    return ErrnoStatus("cannot read " + spool.ActivePath(shard), errno);
  }
  if (last == '\n') return size;
  LOGROUTE_ASSIGN_OR_RETURN(const off_t keep, AfterLastLineEnd(spool, shard, fd, size));
  LOGROUTE_ASSIGN_OR_RETURN(std::string tail, ReadRange(spool, shard, fd, keep, size));
  return MoveTailAside(spool, shard, fd, keep, tail,
                       "torn tail: a writer stopped mid-record (" + std::to_string(tail.size()) +
                           " bytes without a line end)");
}

Result<std::optional<uint64_t>> SealActiveLocked(const Spool& spool, int shard) {
  const std::string active = spool.ActivePath(shard);
  UniqueFd active_fd(::open(active.c_str(), O_RDWR | O_CLOEXEC));
  if (!active_fd.valid()) {
    if (errno == ENOENT) return std::optional<uint64_t>();
    return ErrnoStatus("cannot open " + active, errno);
  }
  struct stat st;
  if (::fstat(active_fd.get(), &st) != 0) return ErrnoStatus("cannot stat " + active, errno);
  LOGROUTE_ASSIGN_OR_RETURN(off_t size, RepairTornTail(spool, shard, active_fd.get(), st.st_size));
  if (size == 0) return std::optional<uint64_t>();

  LOGROUTE_ASSIGN_OR_RETURN(UniqueFd seq_fd, OpenFile(spool.SeqPath(shard), O_RDWR | O_CREAT));
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t seq, NextSequence(spool, shard, seq_fd.get()));
  char text[kSeqDigits + 2];
  std::snprintf(text, sizeof text, "%020llu\n", static_cast<unsigned long long>(seq + 1));
  // One 21-byte write at offset 0 stays within a sector; synced before the
  // rename, so that no crash can hand out `seq` a second time.
  if (::pwrite(seq_fd.get(), text, kSeqDigits + 1, 0) != static_cast<ssize_t>(kSeqDigits + 1) ||
      ::fdatasync(seq_fd.get()) != 0) {
    return ErrnoStatus("cannot update " + spool.SeqPath(shard), errno);
  }
  const std::string segment = spool.SegmentPath(shard, seq);
  if (::rename(active.c_str(), segment.c_str()) != 0) {
    return ErrnoStatus("cannot seal " + active + " as " + segment, errno);
  }
  return std::optional<uint64_t>(seq);
}

Result<std::optional<uint64_t>> SealActive(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(ShardLockFile lock_file, ShardLockFile::Open(spool, shard));
  std::optional<uint64_t> sealed;
  {
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, lock_file.Lock());
    LOGROUTE_ASSIGN_OR_RETURN(sealed, SealActiveLocked(spool, shard));
  }
  if (sealed) LOGROUTE_RETURN_IF_ERROR(SyncDir(spool.ShardDir(shard)));
  return sealed;
}

}  // namespace logroute::spool
