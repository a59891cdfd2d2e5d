#include "libcore/spool/spool.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <sstream>

#include <spdlog/spdlog.h>

#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"

namespace logroute::spool {
namespace {

constexpr int kFormat = 1;

Result<std::string> NewSpoolId() {
  unsigned char bytes[16];
  size_t filled = 0;
  while (filled < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + filled, sizeof bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot draw a random spool id", errno);
    }
    filled += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xF]);
  }
  return id;
}

Status ParseIdentity(const std::string& path, const std::string& text, std::string* id, int* shards,
                     int* format) {
  std::istringstream lines(text);
  std::string key, value;
  while (lines >> key >> value) {
    if (key == "id") *id = value;
    if (key == "shards") *shards = std::atoi(value.c_str());
    if (key == "format") *format = std::atoi(value.c_str());
  }
  const bool id_ok = !id->empty() && id->size() <= 64 &&
                     id->find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!id_ok || *shards < 1 || *shards > kMaxShards) {
    return Status::DataError(
        path + " is damaged: it must hold 'id <hex>', 'shards <1-256>' and 'format' lines");
  }
  return Status::Ok();
}

std::string IdentityText(const std::string& id, int shards) {
  return "id " + id + "\nshards " + std::to_string(shards) + "\nformat " + std::to_string(kFormat) +
         "\n";
}

}  // namespace

std::string SegmentName(uint64_t seq) {
  char name[32];
  std::snprintf(name, sizeof name, "seg-%020llu", static_cast<unsigned long long>(seq));
  return name;
}

bool ParseSegmentName(std::string_view name, uint64_t* seq) {
  if (name.size() != 24 || !name.starts_with("seg-")) return false;
  auto [end, ec] = std::from_chars(name.data() + 4, name.data() + name.size(), *seq);
  return ec == std::errc() && end == name.data() + name.size();
}

std::string Spool::ShardName(int shard) const {
  char name[16];
  std::snprintf(name, sizeof name, "shard-%02d", shard);
  return name;
}

std::string Spool::ShardDir(int shard) const { return dir_ + "/" + ShardName(shard); }

std::string Spool::SegmentPath(int shard, uint64_t seq) const {
  return ShardDir(shard) + "/" + SegmentName(seq);
}

Result<Spool> Spool::Open(const std::string& dir, const OpenOptions& options) {
  if (dir.empty()) return Status::Usage("--spool is empty");
  if (options.shards < 0 || options.shards > kMaxShards) {
    return Status::Usage("--shards must be between 1 and " + std::to_string(kMaxShards));
  }
  Spool spool;
  spool.dir_ = dir;
  while (spool.dir_.size() > 1 && spool.dir_.back() == '/') spool.dir_.pop_back();
  const std::string identity_path = spool.dir_ + "/spool.id";

  // A spool this user may not enter is no missing spool: say why (exit 77).
  if (struct stat st; ::stat(identity_path.c_str(), &st) != 0 && errno != ENOENT) {
    return ErrnoStatus("cannot open the spool " + spool.dir_, errno);
  }
  if (!PathExists(identity_path)) {
    if (!options.create) {
      return Status::Unavailable("no spool at " + spool.dir_ + " (" + identity_path +
                                 " is missing; logroute-recv creates it)");
    }
    LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.dir_));
    LOGROUTE_ASSIGN_OR_RETURN(UniqueFd init_fd,
                              OpenFile(spool.dir_ + "/init.lock", O_RDWR | O_CREAT));
    LOGROUTE_ASSIGN_OR_RETURN(FileLock init_lock, FileLock::Acquire(init_fd.get()));
    if (!PathExists(identity_path)) {  // another process may have won the race
      spool.shards_ = options.shards > 0 ? options.shards : kDefaultShards;
      LOGROUTE_ASSIGN_OR_RETURN(spool.id_, NewSpoolId());
      LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.RejectsDir()));
      for (int shard = 0; shard < spool.shards_; ++shard) {
        LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.ShardDir(shard)));
        LOGROUTE_ASSIGN_OR_RETURN(UniqueFd lock_fd,
                                  OpenFile(spool.LockPath(shard), O_RDWR | O_CREAT));
        LOGROUTE_RETURN_IF_ERROR(SyncDir(spool.ShardDir(shard)));
      }
      // spool.id is written last: its presence means the layout is complete.
      LOGROUTE_RETURN_IF_ERROR(
          WriteFileAtomic(identity_path, IdentityText(spool.id_, spool.shards_)));
      return spool;
    }
  }

  LOGROUTE_ASSIGN_OR_RETURN(std::string identity, ReadFile(identity_path));
  int format = 0;
  LOGROUTE_RETURN_IF_ERROR(
      ParseIdentity(identity_path, identity, &spool.id_, &spool.shards_, &format));
  if (format != kFormat) {
    return Status::DataError(identity_path + ": spool format " + std::to_string(format) +
                             " is not supported (this build reads format " +
                             std::to_string(kFormat) + ")");
  }
  if (options.shards != 0 && options.shards != spool.shards_) {
    // Not an error: --shards sits in the shared config file, and a unit that
    // refused to start over it would restart forever.
    spdlog::warn(
        "Spool {} has {} shards; --shards {} is ignored (it applies only when a spool is "
        "created)",
        spool.dir_, spool.shards_, options.shards);
  }
  return spool;
}

Result<Spool> Spool::WithNewIdentity() const {
  Spool renamed = *this;
  LOGROUTE_ASSIGN_OR_RETURN(renamed.id_, NewSpoolId());
  LOGROUTE_ASSIGN_OR_RETURN(UniqueFd init_fd, OpenFile(dir_ + "/init.lock", O_RDWR | O_CREAT));
  LOGROUTE_ASSIGN_OR_RETURN(FileLock init_lock, FileLock::Acquire(init_fd.get()));
  LOGROUTE_RETURN_IF_ERROR(WriteFileAtomic(dir_ + "/spool.id", IdentityText(renamed.id_, shards_)));
  return renamed;
}

}  // namespace logroute::spool
