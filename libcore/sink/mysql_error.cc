#include "libcore/sink/mysql_error.h"

#include <mysqld_error.h>

#include <string>

namespace logroute::sink {

Code ClassifyMysqlError(unsigned error) {
  switch (error) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
      return Code::kNoPermission;
    case ER_BAD_DB_ERROR:
      return Code::kUnavailable;
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_BAD_NULL_ERROR:
    case ER_DUP_ENTRY:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED_2:
    case WARN_DATA_TRUNCATED:
    case ER_CONSTRAINT_FAILED:
      return Code::kDataError;
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
      return Code::kUsage;
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_OPTION_PREVENTS_STATEMENT:  // read-only during a failover
    case ER_UNKNOWN_COM_ERROR:          // Galera: "WSREP has not yet prepared node"
      return Code::kTempFail;
    default:
      // Client-side errors (2000-2999): host down, connection lost, timeouts.
      if (error >= 2000 && error < 3000) return Code::kTempFail;
      return Code::kIoError;
  }
}

Status MysqlStatus(std::string_view context, std::string_view what, unsigned error,
                   const char* message) {
  return {ClassifyMysqlError(error), std::string(context) + ": " + std::string(what) + ": " +
                                         (message != nullptr ? message : "") + " (error " +
                                         std::to_string(error) + ")"};
}

}  // namespace logroute::sink
