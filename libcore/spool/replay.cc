#include "libcore/spool/replay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "libcore/spool/import.h"
#include "libcore/spool/reject_file.h"

namespace logroute::spool {
namespace {

constexpr std::string_view kRecordsSuffix = ".records";
constexpr std::string_view kKeptSuffix = ".kept";

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus("cannot move " + from + " to " + to, errno);
  }
  return Status::Ok();
}

// `name` without its .rej, then `suffix` and .rej: "a.rej" and ".2" give "a.2.rej".
std::string WithSuffix(const std::string& name, const std::string& suffix) {
  const std::string stem = name.ends_with(".rej") ? name.substr(0, name.size() - 4) : name;
  return stem + suffix + ".rej";
}

}  // namespace

Result<RejectsReplayer> RejectsReplayer::Open(const Spool& spool) {
  const std::string replaying = spool.RejectsDir() + "/replaying";
  LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.RejectsDir()));
  LOGROUTE_RETURN_IF_ERROR(MakeDir(replaying));
  LOGROUTE_RETURN_IF_ERROR(MakeDir(spool.RejectsDir() + "/replayed"));
  LOGROUTE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(replaying + "/lock", O_RDWR | O_CREAT));
  LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(fd.get()));
  if (!lock.held()) {
    return Status::TempFail("another replay of " + spool.RejectsDir() + " is running (it holds " +
                            replaying + "/lock); try again later");
  }
  RejectsReplayer replayer(spool, std::move(fd), std::move(lock));
  LOGROUTE_RETURN_IF_ERROR(replayer.FinishInterrupted());
  return replayer;
}

int RejectsReplayer::ShardOf(const std::string& name) const {
  int shard = 0;
  if (std::sscanf(name.c_str(), "shard-%d", &shard) != 1 || shard < 0 || shard >= spool_.shards()) {
    return 0;
  }
  return shard;
}

Status RejectsReplayer::FinishInterrupted() {
  const std::string dir = ReplayingDir();
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> claimed, ListNamesEndingIn(dir, ".rej"));
  for (const std::string& name : claimed) {
    LOGROUTE_ASSIGN_OR_RETURN(std::string done, Finish(name));
    finished_interrupted_.push_back(std::move(done));
  }
  // Whatever is left was prepared by a run stopped before its claim (or is
  // the temporary file of such a preparation): the next replay prepares again.
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> all, ListNamesEndingIn(dir, ""));
  for (const std::string& name : all) {
    if (name == "lock") continue;
    if (::unlink((dir + "/" + name).c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove " + dir + "/" + name, errno);
    }
  }
  return Status::Ok();
}

Result<std::string> RejectsReplayer::Replay(const std::string& name, std::string_view records,
                                            std::string_view kept) {
  const std::string dir = ReplayingDir();
  const std::string base = dir + "/" + name;
  // (1) Both prepared files are durable before the claim makes them count.
  if (!records.empty()) {
    LOGROUTE_RETURN_IF_ERROR(WriteFileAtomic(base + std::string(kRecordsSuffix), records));
  }
  if (!kept.empty()) {
    LOGROUTE_RETURN_IF_ERROR(WriteFileAtomic(base + std::string(kKeptSuffix), kept));
  }
  // (2)
  LOGROUTE_RETURN_IF_ERROR(Rename(spool_.RejectsDir() + "/" + name, base));
  LOGROUTE_RETURN_IF_ERROR(SyncDir(dir));
  LOGROUTE_RETURN_IF_ERROR(SyncDir(spool_.RejectsDir()));
  return Finish(name);
}

Result<std::string> RejectsReplayer::Finish(const std::string& name) {
  const std::string dir = ReplayingDir();
  const std::string base = dir + "/" + name;
  // (3) Imported when, and only when, the prepared file is gone.
  const std::string records = base + std::string(kRecordsSuffix);
  if (PathExists(records)) {
    LOGROUTE_RETURN_IF_ERROR(ImportSegment(spool_, ShardOf(name), records).status());
  }
  // (4) Before (5): a kept file left in replaying/ by a claim already moved
  // on would be taken for a stale preparation and dropped.
  const std::string kept = base + std::string(kKeptSuffix);
  if (PathExists(kept)) {
    LOGROUTE_RETURN_IF_ERROR(Rename(kept, spool_.RejectsDir() + "/" + name));
    LOGROUTE_RETURN_IF_ERROR(SyncDir(spool_.RejectsDir()));
  }
  // (5)
  std::string done = name;
  for (int n = 2; PathExists(ReplayedDir() + "/" + done); ++n) {
    done = WithSuffix(name, "." + std::to_string(n));
  }
  LOGROUTE_RETURN_IF_ERROR(Rename(base, ReplayedDir() + "/" + done));
  LOGROUTE_RETURN_IF_ERROR(SyncDir(ReplayedDir()));
  LOGROUTE_RETURN_IF_ERROR(SyncDir(dir));
  return done;
}

}  // namespace logroute::spool
