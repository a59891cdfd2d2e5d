#include "libcore/base/exit_code.h"

#include <sysexits.h>

namespace logroute {

// No default: a new category does not compile (-Wswitch) until it has its exit status.
int ExitCode(Code code) {
  switch (code) {
    case Code::kOk:
      return EX_OK;
    case Code::kUsage:
      return EX_USAGE;
    case Code::kDataError:
      return EX_DATAERR;
    case Code::kNotFound:
      return EX_NOINPUT;
    case Code::kNoHost:
      return EX_NOHOST;
    case Code::kUnavailable:
      return EX_UNAVAILABLE;
    case Code::kInternal:
      return EX_SOFTWARE;
    case Code::kCannotCreate:
      return EX_CANTCREAT;
    case Code::kIoError:
      return EX_IOERR;
    case Code::kNoPermission:
      return EX_NOPERM;
    case Code::kNoSpace:
    case Code::kBusy:
    case Code::kTempFail:
      return EX_TEMPFAIL;
    case Code::kPartial:
      return 79;
  }
  return EX_SOFTWARE;  // not a Code: a bug
}

}  // namespace logroute
