// Table names: the identifiers that routes, the spool and the sinks share.
// Only [A-Za-z_][A-Za-z0-9_]{0,63}, not reserved: safe to quote in SQL without escaping, and
// within MySQL's 64-character limit.
#pragma once

#include <string_view>

#include "libcore/base/status.h"

namespace logroute::chain {

inline constexpr size_t kMaxTableNameLength = 64;

// OK, or a usage error naming the table and the rule it breaks. Names flush
// needs for itself (logroute_ledger) or that a database keeps for its own
// (sqlite_*, information_schema, performance_schema, mysql) are reserved, in
// any case: SQLite's names ignore it.
Status ValidateTableName(std::string_view table);
bool IsReservedTableName(std::string_view table);

}  // namespace logroute::chain
