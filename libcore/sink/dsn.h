// Parsing mysql:// DSNs.
//
//   mysql://[USER@]HOST[:PORT]/DB[?KEY=VALUE&...]
//   mysql://[USER@]localhost/DB?socket=PATH
//
// Keys: socket, ssl-mode (DISABLED, PREFERRED, REQUIRED, VERIFY_CA,
// VERIFY_IDENTITY), ssl-ca, ssl-cert, ssl-key, bulk (array | load | insert),
// max-packet (the largest statement to send, in bytes; default: the server's
// max_allowed_packet, read at connect: set it lower for a proxy that allows
// less). A password
// in the DSN is refused: it would show in `ps` and in logs. It comes from
// MYSQL_PWD, the option files or --password-file.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "libcore/base/result.h"

namespace logroute::sink {

struct MysqlDsn {
  std::string user;   // empty: from the option files
  std::string host;   // empty: from the option files (default localhost)
  unsigned port = 0;  // 0: default
  std::string database;
  std::map<std::string, std::string> params;

  std::string Param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
  // The DSN as given, for logs (it never holds a password).
  std::string text;
};

Result<MysqlDsn> ParseMysqlDsn(std::string_view dsn);

}  // namespace logroute::sink
