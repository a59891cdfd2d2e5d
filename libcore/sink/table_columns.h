// The one check every sink makes of an existing table before it takes rows:
// the columns flush fills are there, and no other column needs a value.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "libcore/base/status.h"

namespace logroute::sink {

// A column of a table, as a sink reads it from its database's catalogue.
struct TableColumn {
  std::string name;
  // NOT NULL without a default, and not filled by the database itself
  // (auto-increment, a rowid alias, a generated column).
  bool needs_value = false;
};

// OK when a table with `columns` can take our rows: it has unix_ts, user_id
// and event_name, and any other column can be left out (event_id is
// optional: a sink decides what to do without it). Otherwise a Usage error
// that names `sink` (its Describe()), the table, and what is wrong.
Status CheckTableColumns(std::string_view sink, std::string_view table,
                         std::span<const TableColumn> columns);

// Logs a warning when `--dedupe table` was asked for (`asked`) but the
// existing table has no unique key on event_id alone (`keyed`): its events
// are stored without their ids, and a retried one may be stored twice.
void WarnIfNotDeduplicated(std::string_view sink, std::string_view table, bool asked, bool keyed);

}  // namespace logroute::sink
