#include "libcore/spool/shard.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "libcore/base/crc32c.h"
#include "libcore/base/file_util.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/rejects.h"

namespace logroute::spool {
namespace {

constexpr size_t kSeqDigits = 20;
constexpr OpenMode kCreateReadWrite{.access = OpenMode::Access::kReadWrite, .create = true};

// The highest sequence number among the shard's segments, 0 when none: a
// floor for the counter should its file ever be lost.
Result<uint64_t> HighestSegment(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(spool, shard));
  return segments.empty() ? 0 : segments.back();
}

// The counter's value, nullopt when it holds none (a new shard, or a lost file).
Result<std::optional<uint64_t>> ReadCounter(File& seq) {
  char text[kSeqDigits + 1] = {};
  LOGROUTE_ASSIGN_OR_RETURN(size_t n, seq.ReadAt(0, text, kSeqDigits));
  uint64_t value = 0;
  if (n == 0 || std::from_chars(text, text + n, value).ec != std::errc()) {
    return std::optional<uint64_t>();
  }
  return std::optional<uint64_t>(value);
}

Result<uint64_t> NextSequence(const Spool& spool, int shard, File& seq) {
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<uint64_t> counter, ReadCounter(seq));
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t highest, HighestSegment(spool, shard));
  return std::max(counter.value_or(1), highest + 1);
}

Status WriteCounter(File& seq, uint64_t next) {
  char text[kSeqDigits + 2];
  std::snprintf(text, sizeof text, "%020llu\n", static_cast<unsigned long long>(next));
  // One 21-byte write at offset 0 stays within a sector; synced before the
  // rename, so that no crash can hand out a number a second time.
  LOGROUTE_RETURN_IF_ERROR(seq.WriteAt(0, std::string_view(text, kSeqDigits + 1)));
  return seq.Sync();
}

// Caller holds the shard lock. Numbers up to `used` are taken already (the
// ledger says so). A counter that is not beyond them was copied with the
// spool: refused. A counter that is not there at all (lost) starts after them.
Status CheckCounter(const Spool& spool, int shard, uint64_t used) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> seq,
                            spool.env().Open(spool.SeqPath(shard), kCreateReadWrite));
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<uint64_t> counter, ReadCounter(*seq));
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t next, NextSequence(spool, shard, *seq));
  if (next > used) return Status::Ok();
  if (counter) {
    return Status::DataError(spool.ShardName(shard) + ": its next segment number is " +
                             std::to_string(next) + ", but segment " + std::to_string(used) +
                             " of this spool id is committed already");
  }
  spdlog::warn("The segment counter of {} was missing; it goes on after the ledger's {}",
               spool.ShardName(shard), used);
  return WriteCounter(*seq, used + 1);
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
  Result<std::unique_ptr<File>> file = spool.env().Open(PendingPath(spool, shard), {});
  if (!file.ok()) {
    if (file.status().code() == Code::kNotFound) return std::optional<Pending>();
    return file.status();
  }
  char text[96];
  LOGROUTE_ASSIGN_OR_RETURN(size_t n, (*file)->ReadAt(0, text, sizeof text - 1));
  text[n] = '\0';
  unsigned long long inode, offset, length;
  if (std::sscanf(text, "%llu %llu %llu", &inode, &offset, &length) != 3) {
    return std::optional<Pending>();
  }
  return std::optional<Pending>(Pending{inode, offset, length});
}

// The bytes [from, to) of `file`.
Result<std::string> ReadRange(File& file, uint64_t from, uint64_t to) {
  std::string data(static_cast<size_t>(to - from), '\0');
  size_t done = 0;
  while (done < data.size()) {
    LOGROUTE_ASSIGN_OR_RETURN(size_t n,
                              file.ReadAt(from + done, data.data() + done, data.size() - done));
    if (n == 0) return Status::IoError("cannot read " + file.path() + ": it shrank while read");
    done += n;
  }
  return data;
}

// The offset just after the last LF before `end` in `file`; 0 when there is none.
Result<uint64_t> AfterLastLineEnd(File& file, uint64_t end) {
  constexpr uint64_t kBlock = 65536;  // a torn tail is at most one write long: few blocks back
  while (end > 0) {
    const uint64_t from = end > kBlock ? end - kBlock : 0;
    LOGROUTE_ASSIGN_OR_RETURN(std::string chunk, ReadRange(file, from, end));
    const size_t newline = chunk.rfind('\n');
    if (newline != std::string::npos) return from + newline + 1;
    end = from;
  }
  return uint64_t{0};
}

// Moves the bytes of `active` from `keep` to `size` to rejects/ and truncates
// the file to `keep`. The reject file is named after the incident (the file,
// where the tail starts, its checksum), so that a repair cut short by a crash
// and done again writes the same file, never a second copy of its entry.
Result<uint64_t> MoveTailAside(const Spool& spool, int shard, File& active, uint64_t keep,
                               uint64_t size, const std::string& reason) {
  LOGROUTE_ASSIGN_OR_RETURN(std::string tail, ReadRange(active, keep, size));
  LOGROUTE_ASSIGN_OR_RETURN(FileInfo info, active.Stat());
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x", Crc32c(tail));
  const std::string stem = spool.ShardName(shard) + ".torn." + std::to_string(info.inode) + "-" +
                           std::to_string(keep) + "-" + crc;
  std::string entry;
  AppendRejectEntry(spool.ShardName(shard) + "/active", "byte " + std::to_string(keep), reason,
                    tail, &entry);
  LOGROUTE_RETURN_IF_ERROR(WriteRejects(spool, stem, entry));
  spdlog::warn("Torn tail set aside: shard={} bytes={} file=rejects/{}.rej ({})",
               spool.ShardName(shard), size - keep, stem, reason);
  LOGROUTE_RETURN_IF_ERROR(active.Truncate(keep));
  // Synced before anything else happens to the file: a power cut that undid
  // the cut after a seal would bring the torn records into a segment (and
  // make a committed segment's checksum wrong).
  LOGROUTE_RETURN_IF_ERROR(active.Sync());
  return keep;
}

}  // namespace

Result<PendingFile> PendingFile::Open(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                            spool.env().Open(PendingPath(spool, shard), kCreateReadWrite));
  return PendingFile(std::move(file));
}

Status PendingFile::Record(uint64_t inode, uint64_t offset, uint64_t length) const {
  // Fixed width, one write at offset 0 within a page: a kill leaves the old
  // record or the new one, never a mix. No sync: it serves process crashes,
  // and the page cache outlives those.
  char text[64];
  const int n = std::snprintf(
      text, sizeof text, "%020llu %020llu %020llu\n", static_cast<unsigned long long>(inode),
      static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length));
  return file_->WriteAt(0, std::string_view(text, static_cast<size_t>(n)));
}

Status PendingFile::Sync() const { return file_->Sync(); }

Result<ShardLockFile> ShardLockFile::Open(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                            spool.env().Open(spool.LockPath(shard), kCreateReadWrite));
  return ShardLockFile(std::move(file));
}

Result<uint64_t> RepairTornTail(const Spool& spool, int shard, File& active, uint64_t size) {
  if (size == 0) return size;
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<Pending> pending, ReadPending(spool, shard));
  LOGROUTE_ASSIGN_OR_RETURN(FileInfo info, active.Stat());
  if (pending && pending->inode == info.inode && pending->offset < size &&
      size < pending->offset + pending->length) {
    // The last append to this file stopped short: even if the cut fell on a
    // line end, its records are a part of one batch, which lands whole or not
    // at all. A batch starts at a line start; should `pending` say otherwise
    // (damaged), the cut goes back to one, never leaving half a line.
    LOGROUTE_ASSIGN_OR_RETURN(const uint64_t keep, AfterLastLineEnd(active, pending->offset));
    return MoveTailAside(spool, shard, active, keep, size,
                         "torn tail: a writer stopped mid-batch (" +
                             std::to_string(size - pending->offset) + " of " +
                             std::to_string(pending->length) + " bytes written)");
  }
  char last;
  LOGROUTE_ASSIGN_OR_RETURN(size_t read, active.ReadAt(size - 1, &last, 1));
  if (read != 1) return Status::IoError("cannot read " + active.path() + ": it shrank while read");
  if (last == '\n') return size;
  LOGROUTE_ASSIGN_OR_RETURN(const uint64_t keep, AfterLastLineEnd(active, size));
  return MoveTailAside(spool, shard, active, keep, size,
                       "torn tail: a writer stopped mid-record (" + std::to_string(size - keep) +
                           " bytes without a line end)");
}

Result<std::optional<uint64_t>> SealActiveLocked(const Spool& spool, int shard) {
  Env& env = spool.env();
  const std::string active_path = spool.ActivePath(shard);
  Result<std::unique_ptr<File>> active =
      env.Open(active_path, {.access = OpenMode::Access::kReadWrite});
  if (!active.ok()) {
    if (active.status().code() == Code::kNotFound) return std::optional<uint64_t>();
    return active.status();
  }
  LOGROUTE_ASSIGN_OR_RETURN(FileInfo info, (*active)->Stat());
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t size, RepairTornTail(spool, shard, **active, info.size));
  if (size == 0) return std::optional<uint64_t>();

  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> seq_file,
                            env.Open(spool.SeqPath(shard), kCreateReadWrite));
  LOGROUTE_ASSIGN_OR_RETURN(uint64_t seq, NextSequence(spool, shard, *seq_file));
  LOGROUTE_RETURN_IF_ERROR(WriteCounter(*seq_file, seq + 1));
  LOGROUTE_RETURN_IF_ERROR(env.Rename(active_path, spool.SegmentPath(shard, seq)));
  return std::optional<uint64_t>(seq);
}

Result<std::optional<uint64_t>> SealActive(const Spool& spool, int shard, uint64_t used) {
  LOGROUTE_ASSIGN_OR_RETURN(ShardLockFile lock_file, ShardLockFile::Open(spool, shard));
  std::optional<uint64_t> sealed;
  {
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, lock_file.Lock());
    if (used > 0) LOGROUTE_RETURN_IF_ERROR(CheckCounter(spool, shard, used));
    LOGROUTE_ASSIGN_OR_RETURN(sealed, SealActiveLocked(spool, shard));
  }
  if (sealed) LOGROUTE_RETURN_IF_ERROR(spool.env().SyncDir(spool.ShardDir(shard)));
  return sealed;
}

}  // namespace logroute::spool
