#include "libcore/http/http_status.h"

namespace logroute::http {

// No default: a new category does not compile (-Wswitch) until it has its HTTP status.
unsigned HttpStatusOf(Code code) {
  switch (code) {
    case Code::kNoSpace:
      return 507;
    // A lock another process holds passes, as a full disk does; but it is no
    // lack of storage, and 503 is what says "try again shortly".
    case Code::kBusy:
    case Code::kTempFail:
    case Code::kUsage:
    case Code::kDataError:
    case Code::kNotFound:
    case Code::kNoHost:
    case Code::kUnavailable:
    case Code::kInternal:
    case Code::kCannotCreate:
    case Code::kIoError:
    case Code::kNoPermission:
    case Code::kPartial:
      return 503;
    case Code::kOk:
      break;
  }
  return 500;
}

}  // namespace logroute::http
