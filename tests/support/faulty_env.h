// FaultyEnv: the real file system (Env::Default()) with faults on demand, for
// tests of what the spool does when writes and syncs fail: a write that stops
// short and then finds the disk full, a write that fails with EIO, a sync
// that fails, a first sync held until the test releases it (group commit).
// Only File::Write and File::Sync of the files whose path ends with
// `faulted_suffix` ("/active": the records' files, by default) are faulted;
// everything else goes through.
//
// Thread safety: the fault switches are atomics; the first-sync hold is
// guarded by `mu`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "libcore/base/env.h"

namespace logroute::testing {

class FaultyEnv : public Env {
 public:
  enum class WriteMode { kNormal, kNoSpace, kHalfThenNoSpace, kEio };

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenMode& mode) override;
  Result<std::optional<FileInfo>> Stat(const std::string& path) override {
    return base_->Stat(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Status MakeDir(const std::string& path) override { return base_->MakeDir(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  Status Unlink(const std::string& path) override { return base_->Unlink(path); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  int64_t NowSeconds() override { return base_->NowSeconds(); }
  int64_t ProcessId() override { return base_->ProcessId(); }

  // What a faulty File does on Write()/Sync(); `real` does the real call.
  // A test may override them for a fault of its own.
  virtual Result<size_t> OnWrite(File& real, std::string_view data);
  virtual Status OnSync(File& real);

  std::string faulted_suffix = "/active";  // set before the files are opened
  std::atomic<WriteMode> write_mode{WriteMode::kNormal};
  std::atomic<int> writes{0};
  std::atomic<int> syncs{0};
  std::atomic<bool> fail_sync{false};

  bool block_first_sync = false;
  std::mutex mu;
  std::condition_variable cv;
  bool in_first_sync = false;
  bool release_first_sync = false;

 private:
  Env* base_ = Env::Default();
  std::atomic<bool> wrote_half_{false};
};

}  // namespace logroute::testing
