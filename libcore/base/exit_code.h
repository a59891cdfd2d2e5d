// ExitCode: the exit status of a tool for a Status — the one place where the
// categories of status.h become sysexits(3) values. Every exit status of the
// tools comes from it (their main(), option parsing, ToolMain's catch-all).
//
//   kOk 0 · kUsage 64 (EX_USAGE) · kDataError 65 (EX_DATAERR) ·
//   kNotFound 66 (EX_NOINPUT) · kNoHost 68 (EX_NOHOST) ·
//   kUnavailable 69 (EX_UNAVAILABLE) · kInternal 70 (EX_SOFTWARE) ·
//   kCannotCreate 73 (EX_CANTCREAT) · kIoError 74 (EX_IOERR) ·
//   kNoSpace, kBusy, kTempFail 75 (EX_TEMPFAIL: retry later, nothing is lost) ·
//   kNoPermission 77 (EX_NOPERM) · kPartial 79 (not a sysexits value: a flush
//   pass that did what it could, see logroute-flush(1))
#pragma once

#include "libcore/base/status.h"

namespace logroute {

int ExitCode(Code code);
inline int ExitCode(const Status& status) { return ExitCode(status.code()); }

}  // namespace logroute
