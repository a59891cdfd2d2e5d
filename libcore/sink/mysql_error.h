// Errors of MariaDB Connector/C as logroute Statuses: which ones a retry may
// cure (TempFail: exit 75), which are the data's fault (DataError: flush
// bisects), which are the operator's (Usage, NoPermission, Unavailable).
#pragma once

#include <string_view>

#include "libcore/base/status.h"

namespace logroute::sink {

Code ClassifyMysqlError(unsigned error);

// "<context>: <what>: <server message> (error N)", classified.
Status MysqlStatus(std::string_view context, std::string_view what, unsigned error,
                   const char* message);

}  // namespace logroute::sink
