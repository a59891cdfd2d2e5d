#include "libcore/metrics/textfile.h"

#include <sys/stat.h>

#include <cerrno>
#include <memory>

#include "libcore/base/env.h"
#include "libcore/base/file_util.h"

namespace logroute::metrics {

Status WriteTextfile(const std::string& path, std::string_view text) {
  Env& env = *Env::Default();
  const std::string tmp = path + ".tmp." + std::to_string(env.ProcessId());
  Status status;
  {
    Result<std::unique_ptr<File>> file =
        env.Open(tmp, {.access = OpenMode::Access::kReadWrite, .create = true, .truncate = true});
    if (!file.ok()) {
      const Status& failed = file.status();
      // A missing directory is the operator's to create.
      return failed.code() == Code::kNotFound ? Status::CannotCreate(failed.message()) : failed;
    }
    status = WriteAll(**file, text);
  }
  // Env creates files 0640; node_exporter runs as another user. The file is
  // this process's own, just created in a directory only root may write.
  if (status.ok() && ::chmod(tmp.c_str(), 0644) != 0) {
    status = ErrnoStatus("cannot chmod " + tmp, errno);
  }
  if (status.ok()) status = env.Rename(tmp, path);
  if (!status.ok()) (void)env.Unlink(tmp);  // best effort: `status` is what matters
  return status;
}

}  // namespace logroute::metrics
