#include "libcore/metrics/textfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "libcore/base/env.h"
#include "libcore/base/file_util.h"

namespace logroute::metrics {

Status WriteTextfile(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Result<UniqueFd> fd = OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!fd.ok()) {
    const Status& status = fd.status();
    // A missing directory is the operator's to create.
    return status.code() == Code::kIoError ? Status::CannotCreate(status.message()) : status;
  }
  Status status =
      ::fchmod(fd->get(), 0644) == 0 ? Status::Ok() : ErrnoStatus("cannot chmod " + tmp, errno);
  if (status.ok()) status = WriteAll(Env::Default(), fd->get(), text, tmp);
  fd->Reset();
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("cannot rename " + tmp + " to " + path, errno);
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

}  // namespace logroute::metrics
