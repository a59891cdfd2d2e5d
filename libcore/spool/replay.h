// Replaying rejects/ files into the spool: crash-safe, and each file's
// records imported once however often a replay is interrupted and run again
// (doc/spool-format.md, "Replaying rejects"). The steps of one file, each one
// rename:
//
//   (1) rejects/replaying/NAME.records  prepared: the records to import
//       rejects/replaying/NAME.kept     prepared: the entries that stay
//   (2) rejects/replaying/NAME          claimed (moved from rejects/NAME)
//   (3) shard-NN/seg-N                  NAME.records, imported (import.h)
//   (4) rejects/NAME                    NAME.kept, back for the operator
//   (5) rejects/replayed/NAME           the original, done
//
// A claimed file whose NAME.records is still in replaying/ has not been
// imported; one without it has. So whatever step a crash interrupts, the
// next replay finishes the claimed files without importing anything twice,
// and prepared files that no claim names are dropped (prepared again).
//
// Which records to import and which entries to keep is the caller's choice
// (recv re-validates them); this class only moves them safely.
//
// Thread safety: none; one replayer per spool at a time, which Open() ensures
// across processes with a lock.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/base/file_lock.h"
#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

class RejectsReplayer {
 public:
  // Creates rejects/replaying/ and rejects/replayed/ and takes the replay
  // lock (rejects/replaying/lock): Busy while another replay holds it.
  // Then finishes the replays an earlier run left claimed (steps 3 to 5),
  // and drops prepared files that no claim names.
  static Result<RejectsReplayer> Open(const Spool& spool);

  // The replays Open() finished: their names under rejects/replayed/.
  const std::vector<std::string>& finished_interrupted() const { return finished_interrupted_; }

  // Replays rejects/<name>: imports `records` (whole records, each ending in
  // LF; may be empty) into the shard the name starts with (shard-NN, else
  // shard 0), puts `kept` (entries; may be empty) back as rejects/<name> and
  // moves the original to rejects/replayed/. Returns its name there (a
  // suffix .2, .3, ... when the name is taken).
  Result<std::string> Replay(const std::string& name, std::string_view records,
                             std::string_view kept);

  std::string ReplayingDir() const { return spool_.RejectsDir() + "/replaying"; }
  std::string ReplayedDir() const { return spool_.RejectsDir() + "/replayed"; }

 private:
  RejectsReplayer(const Spool& spool, std::unique_ptr<File> lock_file, FileLock lock)
      : spool_(spool), lock_file_(std::move(lock_file)), lock_(std::move(lock)) {}
  Status FinishInterrupted();
  // Steps 3 to 5 of the claimed replaying/<name>.
  Result<std::string> Finish(const std::string& name);
  int ShardOf(const std::string& name) const;

  Spool spool_;
  std::unique_ptr<File> lock_file_;  // before lock_, which points into it
  FileLock lock_;
  std::vector<std::string> finished_interrupted_;
};

}  // namespace logroute::spool
