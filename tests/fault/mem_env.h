// MemEnv: an in-memory file system behind the Env seam, for proving the
// spool's and flush's guarantees at every crash point (leveldb's
// fault_injection_test, SQLite's crash tests, ALICE's crash states).
//
// It keeps, beside what a process sees, what would survive a power cut:
// - a file's data as of its last Sync() (fdatasync);
// - a directory's entries as of its last SyncDir() (fsync of the directory),
//   and the ordered log of the creates, renames and unlinks made since.
//
// A "process" is whatever runs between two Revive() calls. CrashAt(k) makes
// the k-th mutating call (0-based: creating open, Write, WriteAt, Truncate,
// Sync, Rename, Unlink, MakeDir, SyncDir) and every later call fail without
// effect, as if the process had been killed just before it; a Write can also
// be cut after some of its bytes (the kernel cuts a killed write at a page
// boundary). Revive() then starts the next process on:
// - kProcessCrash: the file system as it was (the page cache survives);
// - kPowerLoss: what a power cut may leave: each file keeps its synced data
//   plus, when it was only appended to since, any prefix of the rest (and
//   that prefix possibly zeroed, as XFS shows after a crash); each directory
//   keeps its synced entries plus a prefix of its log (journals keep the
//   order of metadata within a directory). `rng` picks among those.
//
// Paths are absolute ("/spool/shard-00/active"). flock is modelled between
// Files: Lock() on a file another File holds fails (a simulation has one
// thread). Single-threaded; not for production.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "libcore/base/env.h"

namespace logroute::fault {

class MemEnv final : public Env {
 public:
  enum class Loss { kProcessCrash, kPowerLoss };
  // How much of what was not synced a power cut keeps.
  enum class Keep { kNothing, kRandom };

  MemEnv();
  ~MemEnv() override;

  // Every mutating call from the `ops`-th on fails; a Write that is the
  // `ops`-th keeps `write_cut` of its bytes first (nullopt: none).
  void CrashAt(uint64_t ops, std::optional<size_t> write_cut = std::nullopt);
  bool crashed() const { return crashed_; }
  // The process dies now (another part of it, the database client, was hit).
  void Kill() { crashed_ = true; }
  // Mutating calls made since the last Revive() (and so the crash points).
  uint64_t ops() const { return ops_; }
  // The data of the Write calls, by op index: where a write may be cut.
  const std::map<uint64_t, std::string>& writes() const { return writes_; }
  // Starts the next process (see the header comment). Files of the previous
  // one must be gone (destroyed) by then.
  void Revive(Loss loss, Keep keep = Keep::kNothing, std::mt19937_64* rng = nullptr);

  // For checks: a file's content now (nullopt when there is none), and the
  // names under a directory.
  std::optional<std::string> Contents(const std::string& path);
  std::vector<std::string> Names(const std::string& dir);

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenMode& mode) override;
  Result<std::optional<FileInfo>> Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status MakeDir(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Unlink(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  int64_t NowSeconds() override { return 1700000000; }
  int64_t ProcessId() override { return generation_; }

  struct Node;
  class MemFile;
  // Counts a mutating call; false when the process is dead (the call must fail).
  bool Step(std::string_view write = {}, size_t* cut = nullptr);
  Status Dead(const std::string& what) const;

 private:
  struct Lookup;
  Lookup Resolve(const std::string& path);
  std::shared_ptr<Node> Find(const std::string& path);
  void Log(const std::shared_ptr<Node>& dir, const std::string& name, std::shared_ptr<Node> target);

  std::shared_ptr<Node> root_;
  uint64_t next_inode_ = 2;
  uint64_t ops_ = 0;
  std::optional<uint64_t> crash_at_;
  std::optional<size_t> write_cut_;
  bool crashed_ = false;
  int64_t generation_ = 1;
  std::map<uint64_t, std::string> writes_;
  std::vector<std::weak_ptr<Node>> all_nodes_;
};

}  // namespace logroute::fault
