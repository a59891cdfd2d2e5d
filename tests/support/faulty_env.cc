#include "tests/support/faulty_env.h"

#include <cerrno>

namespace logroute::testing {
namespace {

class FaultyFile final : public File {
 public:
  FaultyFile(FaultyEnv& env, std::unique_ptr<File> real)
      : File(real->path()), env_(env), real_(std::move(real)) {}

  Result<size_t> Read(char* buffer, size_t size) override { return real_->Read(buffer, size); }
  Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t size) override {
    return real_->ReadAt(offset, buffer, size);
  }
  Result<size_t> Write(std::string_view data) override { return env_.OnWrite(*real_, data); }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    return real_->WriteAt(offset, data);
  }
  Status Truncate(uint64_t size) override { return real_->Truncate(size); }
  Status Rewind() override { return real_->Rewind(); }
  Status Sync() override { return env_.OnSync(*real_); }
  Result<FileInfo> Stat() override { return real_->Stat(); }
  Status Lock() override { return real_->Lock(); }
  Result<bool> TryLock() override { return real_->TryLock(); }
  void Unlock() override { real_->Unlock(); }

 private:
  FaultyEnv& env_;
  std::unique_ptr<File> real_;
};

}  // namespace

Result<std::unique_ptr<File>> FaultyEnv::Open(const std::string& path, const OpenMode& mode) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> real, base_->Open(path, mode));
  if (!path.ends_with(faulted_suffix)) return real;
  return std::unique_ptr<File>(new FaultyFile(*this, std::move(real)));
}

Result<size_t> FaultyEnv::OnWrite(File& real, std::string_view data) {
  ++writes;
  switch (write_mode.load()) {
    case WriteMode::kNormal:
      return real.Write(data);
    case WriteMode::kNoSpace:
      return ErrnoStatus("cannot write " + real.path(), ENOSPC);
    case WriteMode::kEio:
      return ErrnoStatus("cannot write " + real.path(), EIO);
    case WriteMode::kHalfThenNoSpace:
      if (!wrote_half_.exchange(true)) return real.Write(data.substr(0, data.size() / 2));
      wrote_half_ = false;
      return ErrnoStatus("cannot write " + real.path(), ENOSPC);
  }
  return ErrnoStatus("cannot write " + real.path(), EIO);
}

Status FaultyEnv::OnSync(File& real) {
  const int n = ++syncs;
  if (block_first_sync && n == 1) {
    std::unique_lock<std::mutex> lock(mu);
    in_first_sync = true;
    cv.notify_all();
    cv.wait(lock, [this] { return release_first_sync; });
  }
  if (fail_sync) return ErrnoStatus("cannot sync " + real.path(), EIO);
  return real.Sync();
}

}  // namespace logroute::testing
