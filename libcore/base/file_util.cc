#include "libcore/base/file_util.h"

#include <optional>

namespace logroute {

Status WriteAll(File& file, std::string_view data) {
  while (!data.empty()) {
    LOGROUTE_ASSIGN_OR_RETURN(size_t written, file.Write(data));
    if (written == 0) return ErrnoStatus("cannot write " + file.path(), ENOSPC);
    data.remove_prefix(written);
  }
  return Status::Ok();
}

Result<std::string> ReadFile(Env& env, const std::string& path) {
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> file, env.Open(path, {}));
  std::string content;
  char buffer[4096];
  for (;;) {
    LOGROUTE_ASSIGN_OR_RETURN(size_t n, file->Read(buffer, sizeof buffer));
    if (n == 0) return content;
    content.append(buffer, n);
  }
}

Result<bool> PathExists(Env& env, const std::string& path) {
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> info, env.Stat(path));
  return info.has_value();
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status WriteFileAtomic(Env& env, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp." + std::to_string(env.ProcessId());
  Status written;
  {
    Result<std::unique_ptr<File>> file =
        env.Open(tmp, {.access = OpenMode::Access::kReadWrite, .create = true, .truncate = true});
    if (!file.ok()) return file.status();
    written = WriteAll(**file, data);
    if (written.ok()) written = (*file)->Sync();
  }
  if (written.ok()) written = env.Rename(tmp, path);
  if (!written.ok()) {
    (void)env.Unlink(tmp);  // best effort: the error that matters is `written`
    return written;
  }
  return env.SyncDir(DirName(path));
}

}  // namespace logroute
