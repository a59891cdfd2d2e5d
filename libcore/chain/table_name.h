// Table names: the identifiers that routes, the spool and the sinks share.
// Only [A-Za-z_][A-Za-z0-9_]{0,63}: safe to quote in SQL without escaping, and
// within MySQL's 64-character limit.
#pragma once

#include <string_view>

#include "libcore/base/status.h"

namespace logroute::chain {

inline constexpr size_t kMaxTableNameLength = 64;

// OK, or a usage error naming the table and the rule it breaks.
Status ValidateTableName(std::string_view table);

}  // namespace logroute::chain
