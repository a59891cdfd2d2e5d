// Errors of MariaDB Connector/C as logroute Statuses. What matters is who is
// at fault, not the exact code:
//   the connection or the server's state (retryable: keep the segment, retry,
//     maybe on a new connection: exit 75 if it lasts): Busy for a lock another
//     client holds, NoSpace for the server's full disk, TempFail for the rest;
//   the operator's setup (NoPermission, NoHost, Unavailable; Usage for a table
//     that cannot take our rows);
//   anything else is the statement's, so the rows' (DataError): flush bisects
//     an INSERT that fails that way, so that a poison row is found by how it
//     behaves — it fails alone while its neighbours go in — whatever its code
//     (a trigger's SIGNAL, a CHECK, a key, a charset...).
#pragma once

#include <string_view>

#include "libcore/base/status.h"

namespace logroute::sink {

Code ClassifyMysqlError(unsigned error, std::string_view message);

// True for the errors that end the connection because a packet was too big
// (or that look the same from here: the server went away while we sent).
bool IsPacketError(unsigned error);

// True when `message` is a duplicate-entry error (1062) for the key named
// `key`: "... for key 'k'" (MariaDB) or "... for key 't.k'" (MySQL 8).
bool IsDuplicateOfKey(std::string_view message, std::string_view key);

// "<context>: <what>: <server message> (error N)", classified.
Status MysqlStatus(std::string_view context, std::string_view what, unsigned error,
                   const char* message);

}  // namespace logroute::sink
