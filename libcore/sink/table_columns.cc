#include "libcore/sink/table_columns.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace logroute::sink {
namespace {

constexpr std::string_view kFilled[] = {"unix_ts", "user_id", "event_name"};

bool Filled(std::string_view column) {
  return std::find(std::begin(kFilled), std::end(kFilled), column) != std::end(kFilled);
}

}  // namespace

Status CheckTableColumns(std::string_view sink, std::string_view table,
                         std::span<const TableColumn> columns) {
  const std::string where = std::string(sink) + ": table " + std::string(table);
  for (std::string_view required : kFilled) {
    if (std::none_of(columns.begin(), columns.end(),
                     [&](const TableColumn& column) { return column.name == required; })) {
      return Status::Usage(where + " has no column " + std::string(required) +
                           " (needs unix_ts, user_id, event_name)");
    }
  }
  for (auto column = columns.rbegin(); column != columns.rend(); ++column) {
    if (column->needs_value && !Filled(column->name)) {
      // Every row would be refused and, one by one, rejected: a setup error instead.
      return Status::Usage(where + " has column " + column->name +
                           " NOT NULL without a default; no row could be inserted");
    }
  }
  return Status::Ok();
}

void WarnIfNotDeduplicated(std::string_view sink, std::string_view table, bool asked, bool keyed) {
  if (!asked || keyed) return;
  spdlog::warn(
      "{}: --dedupe {}: table {} has no unique key on event_id alone, so its events are stored"
      " without their ids and a retried one may be stored twice (doc/operations.md says how to"
      " add the key)",
      sink, table, table);
}

}  // namespace logroute::sink
