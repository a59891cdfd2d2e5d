#include "libcore/base/status.h"

#include <cerrno>
#include <cstring>

namespace logroute {

Status Status::Wrap(std::string_view context) const {
  if (ok()) return *this;
  std::string wrapped(context);
  wrapped += ": ";
  wrapped += message_;
  return {code_, std::move(wrapped)};
}

Status ErrnoStatus(std::string_view what, int err) {
  std::string message(what);
  message += ": ";
  message += std::strerror(err);
  switch (err) {
    // A full disk or quota frees up; an interrupted or busy call can be retried.
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(message));
    case EAGAIN:
    case EINTR:
    case EBUSY:
      return Status::Busy(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::NoPermission(std::move(message));
    case ENOENT:
      return Status::NotFound(std::move(message));
    default:
      return Status::IoError(std::move(message));
  }
}

}  // namespace logroute
