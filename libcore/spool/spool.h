// Spool: the on-disk queue between recv and flush (doc/spool-format.md).
//
//   SPOOL/spool.id                    identity: "id <hex>", "shards <N>", "format <1|2>";
//                                     written last at creation (its presence = complete layout)
//   SPOOL/init.lock                   flock(2) target while the spool is created or given a new id
//   SPOOL/shard-NN/lock               flock(2) target of the shard, never renamed
//   SPOOL/shard-NN/active             appended by recv, whole records only
//   SPOOL/shard-NN/pending            the last append's extent in `active` (inode, offset,
//                                     length): how a torn tail is told after a crash (shard.h)
//   SPOOL/shard-NN/seq                next segment sequence number
//   SPOOL/shard-NN/seg-<20 digits>    sealed segments, immutable, flush's only input
//   SPOOL/rejects/*.rej               what could not be spooled or flushed, with the reason
//   SPOOL/rejects/replaying/          replays in progress, and their lock (replay.h)
//   SPOOL/rejects/replayed/*.rej      rejects files replayed, kept until purged
//
// Files written whole (spool.id, rejects files) are written as NAME.tmp.<pid>,
// then renamed (WriteFileAtomic).
//
// A Spool value is the opened layout (paths, identity, and the Env through
// which every file of it is reached); it holds no open files and may be
// copied and shared between threads.
//
// Ownership: the spool directory and everything in it are created 0750 and
// 0640 whatever the umask: the owner (the service's user) writes, its group
// reads (operators in it run logroute-stat), others have no access. A spool
// directory that others may write is refused: anyone could plant files in it.
#pragma once

#include <cstdint>
#include <string>

#include "libcore/base/env.h"
#include "libcore/base/result.h"

namespace logroute::spool {

inline constexpr int kDefaultShards = 10;
inline constexpr int kMaxShards = 256;

struct OpenOptions {
  // Shards of a new spool (0: kDefaultShards). An existing spool keeps the
  // count it was created with; a different value is logged and ignored.
  int shards = 0;
  // Create the spool when it does not exist (recv does; flush and stat do not).
  bool create = false;
  // How its files are reached; tests inject faults here.
  Env* env = Env::Default();
};

class Spool {
 public:
  // Opens the spool at `dir`, creating it if asked. Safe against several
  // processes creating the same spool at once (init runs under SPOOL/init.lock).
  static Result<Spool> Open(const std::string& dir, const OpenOptions& options);

  // Writes a new random id to spool.id (same shards and format) and returns
  // the spool under it: for a copy that must stop sharing its ledger keys
  // with the spool it came from. The caller keeps recv and flush away.
  Result<Spool> WithNewIdentity() const;

  Env& env() const { return *env_; }
  const std::string& dir() const { return dir_; }
  const std::string& id() const { return id_; }
  int shards() const { return shards_; }

  std::string ShardDir(int shard) const;
  std::string ShardName(int shard) const;  // "shard-03"
  std::string LockPath(int shard) const { return ShardDir(shard) + "/lock"; }
  std::string ActivePath(int shard) const { return ShardDir(shard) + "/active"; }
  std::string SeqPath(int shard) const { return ShardDir(shard) + "/seq"; }
  std::string SegmentPath(int shard, uint64_t seq) const;
  std::string RejectsDir() const { return dir_ + "/rejects"; }

 private:
  Env* env_ = Env::Default();
  std::string dir_;
  std::string id_;
  int shards_ = 0;
};

// "seg-00000000000000000042": zero-padded, so names sort as numbers.
std::string SegmentName(uint64_t seq);
// The sequence number of a segment file name, or false when `name` is not one.
bool ParseSegmentName(std::string_view name, uint64_t* seq);

}  // namespace logroute::spool
