#include "libcore/sink/mysql_error.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <string>

namespace logroute::sink {

Code ClassifyMysqlError(unsigned error, std::string_view message) {
  switch (error) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
      return Code::kNoPermission;
    case ER_BAD_DB_ERROR:
      return Code::kUnavailable;
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
      return Code::kUsage;
    case CR_UNKNOWN_HOST:
      // getaddrinfo's EAI_AGAIN (-3): the resolver did not answer, which passes.
      return message.find("(-3)") != std::string_view::npos ? Code::kTempFail : Code::kNoHost;
    // The server's state, not the statement's: a lock another client holds,
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_ABORTED:
    case ER_CANT_LOCK:
      return Code::kBusy;
    // its disk,
    case ER_DISK_FULL:
    case ER_RECORD_FILE_FULL:
    case ER_TEMP_FILE_WRITE_FAILURE:
      return Code::kNoSpace;
    // or anything else that passes.
    case ER_LOCK_TABLE_FULL:
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
    case ER_TOO_MANY_CONCURRENT_TRXS:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
    case ER_STATEMENT_TIMEOUT:
    case ER_OPTION_PREVENTS_STATEMENT:  // read-only during a failover
    case ER_READ_ONLY_MODE:
    case ER_UNKNOWN_COM_ERROR:  // Galera: "WSREP has not yet prepared node"
    case ER_NET_PACKET_TOO_LARGE:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_OUTOFMEMORY:
    case ER_OUT_OF_RESOURCES:
    case ER_ERROR_DURING_COMMIT:
    case ER_NEED_REPREPARE:
      return Code::kTempFail;
    default:
      // Client-side errors (2000-2999): host down, connection lost, timeouts.
      if (error >= 2000 && error < 3000) return Code::kTempFail;
      return Code::kDataError;
  }
}

bool IsPacketError(unsigned error) {
  return error == ER_NET_PACKET_TOO_LARGE || error == CR_NET_PACKET_TOO_LARGE ||
         error == CR_SERVER_GONE_ERROR || error == CR_SERVER_LOST;
}

bool IsDuplicateOfKey(std::string_view message, std::string_view key) {
  const std::string quoted = " for key '" + std::string(key) + "'";
  const std::string qualified = "." + std::string(key) + "'";
  return message.starts_with("Duplicate entry ") &&
         (message.ends_with(quoted) || message.ends_with(qualified));
}

Status MysqlStatus(std::string_view context, std::string_view what, unsigned error,
                   const char* message) {
  const std::string_view text = message != nullptr ? message : "";
  return {ClassifyMysqlError(error, text), std::string(context) + ": " + std::string(what) + ": " +
                                               std::string(text) + " (error " +
                                               std::to_string(error) + ")"};
}

}  // namespace logroute::sink
