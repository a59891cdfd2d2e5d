#include "libcore/spool/replay.h"

#include <cstdio>

#include "libcore/base/file_util.h"
#include "libcore/spool/import.h"
#include "libcore/spool/reject_file.h"

namespace logroute::spool {
namespace {

constexpr std::string_view kRecordsSuffix = ".records";
constexpr std::string_view kKeptSuffix = ".kept";

// `name` without its .rej, then `suffix` and .rej: "a.rej" and ".2" give "a.2.rej".
std::string WithSuffix(const std::string& name, const std::string& suffix) {
  const std::string stem = name.ends_with(".rej") ? name.substr(0, name.size() - 4) : name;
  return stem + suffix + ".rej";
}

}  // namespace

Result<RejectsReplayer> RejectsReplayer::Open(const Spool& spool) {
  const std::string replaying = spool.RejectsDir() + "/replaying";
  Env& env = spool.env();
  LOGROUTE_RETURN_IF_ERROR(env.MakeDir(spool.RejectsDir()));
  LOGROUTE_RETURN_IF_ERROR(env.MakeDir(replaying));
  LOGROUTE_RETURN_IF_ERROR(env.MakeDir(spool.RejectsDir() + "/replayed"));
  LOGROUTE_ASSIGN_OR_RETURN(
      std::unique_ptr<File> lock_file,
      env.Open(replaying + "/lock", {.access = OpenMode::Access::kReadWrite, .create = true}));
  LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(*lock_file));
  if (!lock.held()) {
    return Status::Busy("another replay of " + spool.RejectsDir() + " is running (it holds " +
                        replaying + "/lock); try again later");
  }
  RejectsReplayer replayer(spool, std::move(lock_file), std::move(lock));
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
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> claimed,
                            ListNamesEndingIn(spool_.env(), dir, ".rej"));
  for (const std::string& name : claimed) {
    LOGROUTE_ASSIGN_OR_RETURN(std::string done, Finish(name));
    finished_interrupted_.push_back(std::move(done));
  }
  // Whatever is left was prepared by a run stopped before its claim (or is
  // the temporary file of such a preparation): the next replay prepares again.
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> all, ListNamesEndingIn(spool_.env(), dir, ""));
  for (const std::string& name : all) {
    if (name == "lock") continue;
    const Status removed = spool_.env().Unlink(dir + "/" + name);
    if (!removed.ok() && removed.code() != Code::kNotFound) return removed;
  }
  return Status::Ok();
}

Result<std::string> RejectsReplayer::Replay(const std::string& name, std::string_view records,
                                            std::string_view kept) {
  const std::string dir = ReplayingDir();
  const std::string base = dir + "/" + name;
  // (1) Both prepared files are durable before the claim makes them count.
  if (!records.empty()) {
    LOGROUTE_RETURN_IF_ERROR(
        WriteFileAtomic(spool_.env(), base + std::string(kRecordsSuffix), records));
  }
  if (!kept.empty()) {
    LOGROUTE_RETURN_IF_ERROR(WriteFileAtomic(spool_.env(), base + std::string(kKeptSuffix), kept));
  }
  // (2)
  LOGROUTE_RETURN_IF_ERROR(spool_.env().Rename(spool_.RejectsDir() + "/" + name, base));
  LOGROUTE_RETURN_IF_ERROR(spool_.env().SyncDir(dir));
  LOGROUTE_RETURN_IF_ERROR(spool_.env().SyncDir(spool_.RejectsDir()));
  return Finish(name);
}

Result<std::string> RejectsReplayer::Finish(const std::string& name) {
  const std::string dir = ReplayingDir();
  const std::string base = dir + "/" + name;
  // (3) Imported when, and only when, the prepared file is gone.
  const std::string records = base + std::string(kRecordsSuffix);
  LOGROUTE_ASSIGN_OR_RETURN(const bool to_import, PathExists(spool_.env(), records));
  if (to_import) {
    LOGROUTE_RETURN_IF_ERROR(ImportSegment(spool_, ShardOf(name), records).status());
  }
  // (4) Before (5): a kept file left in replaying/ by a claim already moved
  // on would be taken for a stale preparation and dropped.
  const std::string kept = base + std::string(kKeptSuffix);
  LOGROUTE_ASSIGN_OR_RETURN(const bool to_keep, PathExists(spool_.env(), kept));
  if (to_keep) {
    LOGROUTE_RETURN_IF_ERROR(spool_.env().Rename(kept, spool_.RejectsDir() + "/" + name));
    LOGROUTE_RETURN_IF_ERROR(spool_.env().SyncDir(spool_.RejectsDir()));
  }
  // (5)
  std::string done = name;
  for (int n = 2;; ++n) {
    LOGROUTE_ASSIGN_OR_RETURN(const bool taken,
                              PathExists(spool_.env(), ReplayedDir() + "/" + done));
    if (!taken) break;
    done = WithSuffix(name, "." + std::to_string(n));
  }
  LOGROUTE_RETURN_IF_ERROR(spool_.env().Rename(base, ReplayedDir() + "/" + done));
  LOGROUTE_RETURN_IF_ERROR(spool_.env().SyncDir(ReplayedDir()));
  LOGROUTE_RETURN_IF_ERROR(spool_.env().SyncDir(dir));
  return done;
}

}  // namespace logroute::spool
