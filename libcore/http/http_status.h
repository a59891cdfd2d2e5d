// HttpStatusOf: the HTTP status of a request the server could not take for a
// reason of its own (a Status from the spool) — the one table where the
// categories of base/status.h become HTTP statuses (doc/http-api.md, "Status
// codes"). Errors of the request itself (4xx) come from judging it, not from here.
//
//   kNoSpace -> 507 Insufficient Storage: the spool's disk or quota is full
//   every other category -> 503 Service Unavailable (kBusy: every shard is
//   locked by another process, for now; kIoError, kNoPermission, ...: until
//   an operator acts)
#pragma once

#include "libcore/base/status.h"

namespace logroute::http {

// `code` is not kOk (a caller's bug: 500).
unsigned HttpStatusOf(Code code);
inline unsigned HttpStatusOf(const Status& status) { return HttpStatusOf(status.code()); }

}  // namespace logroute::http
