#include "libcore/spool/spool.h"

#include <sys/random.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <sstream>

#include <spdlog/spdlog.h>

#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"

namespace logroute::spool {
namespace {

constexpr OpenMode kCreateReadWrite{.access = OpenMode::Access::kReadWrite, .create = true};

// Format 2 adds the optional EVENT_ID field of a record; format 1 spools are
// read as they are (their records are format-2 records without one).
constexpr int kFormat = 2;
constexpr int kOldestFormat = 1;

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

// S_IWOTH, for FileInfo::mode; <sys/stat.h> stays behind the Env seam.
constexpr uint32_t kOthersMayWrite = 0002;

// A spool others may write is one where anyone could plant a segment.
Status CheckOwnership(Env& env, const std::string& dir) {
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> info, env.Stat(dir));
  if (!info) return Status::Unavailable("no spool at " + dir);
  if (info->symlink) {
    return Status::NoPermission(dir + " is a symbolic link: give the spool's real path");
  }
  if (!info->directory) return Status::Unavailable(dir + " is not a directory");
  if ((info->mode & kOthersMayWrite) != 0) {
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", info->mode);
    return Status::NoPermission("the spool directory " + dir +
                                " may be written by any user (mode " + mode + "): chmod o-w " +
                                dir + " (logroute creates it 0750)");
  }
  return Status::Ok();
}

Result<bool> Exists(Env& env, const std::string& path) {
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> info, env.Stat(path));
  return info.has_value();
}

// Creates the layout under SPOOL/init.lock; spool.id is written last: its
// presence means the layout is complete.
Status Create(Spool* spool, int shards, std::string* id) {
  Env& env = spool->env();
  LOGROUTE_ASSIGN_OR_RETURN(*id, NewSpoolId());
  LOGROUTE_RETURN_IF_ERROR(env.MakeDir(spool->RejectsDir()));
  for (int shard = 0; shard < shards; ++shard) {
    LOGROUTE_RETURN_IF_ERROR(env.MakeDir(spool->ShardDir(shard)));
    LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> lock,
                              env.Open(spool->LockPath(shard), kCreateReadWrite));
    LOGROUTE_RETURN_IF_ERROR(env.SyncDir(spool->ShardDir(shard)));
  }
  LOGROUTE_RETURN_IF_ERROR(env.SyncDir(spool->dir()));
  return WriteFileAtomic(env, spool->dir() + "/spool.id", IdentityText(*id, shards));
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
  spool.env_ = options.env;
  Env& env = *spool.env_;
  spool.dir_ = dir;
  while (spool.dir_.size() > 1 && spool.dir_.back() == '/') spool.dir_.pop_back();
  const std::string identity_path = spool.dir_ + "/spool.id";

  LOGROUTE_ASSIGN_OR_RETURN(bool exists, Exists(env, identity_path));
  if (!exists) {
    if (!options.create) {
      return Status::Unavailable("no spool at " + spool.dir_ + " (" + identity_path +
                                 " is missing; logroute-recv creates it)");
    }
    Status made = env.MakeDir(spool.dir_);
    if (!made.ok() && made.code() != Code::kNoPermission && !made.retryable()) {
      return Status::CannotCreate(made.message());
    }
    LOGROUTE_RETURN_IF_ERROR(made);
    LOGROUTE_RETURN_IF_ERROR(CheckOwnership(env, spool.dir_));
    LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> init,
                              env.Open(spool.dir_ + "/init.lock", kCreateReadWrite));
    LOGROUTE_ASSIGN_OR_RETURN(FileLock init_lock, FileLock::Acquire(*init));
    LOGROUTE_ASSIGN_OR_RETURN(exists, Exists(env, identity_path));
    if (!exists) {  // another process may have won the race
      spool.shards_ = options.shards > 0 ? options.shards : kDefaultShards;
      LOGROUTE_RETURN_IF_ERROR(Create(&spool, spool.shards_, &spool.id_));
      return spool;
    }
  }
  LOGROUTE_RETURN_IF_ERROR(CheckOwnership(env, spool.dir_));

  LOGROUTE_ASSIGN_OR_RETURN(std::string identity, ReadFile(env, identity_path));
  int format = 0;
  LOGROUTE_RETURN_IF_ERROR(
      ParseIdentity(identity_path, identity, &spool.id_, &spool.shards_, &format));
  if (format < kOldestFormat || format > kFormat) {
    return Status::DataError(identity_path + ": spool format " + std::to_string(format) +
                             " is not supported (this build reads formats " +
                             std::to_string(kOldestFormat) + " to " + std::to_string(kFormat) +
                             ")");
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
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> init,
                            env_->Open(dir_ + "/init.lock", kCreateReadWrite));
  LOGROUTE_ASSIGN_OR_RETURN(FileLock init_lock, FileLock::Acquire(*init));
  LOGROUTE_RETURN_IF_ERROR(
      WriteFileAtomic(*env_, dir_ + "/spool.id", IdentityText(renamed.id_, shards_)));
  return renamed;
}

}  // namespace logroute::spool
