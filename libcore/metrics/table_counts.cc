#include "libcore/metrics/table_counts.h"

namespace logroute::metrics {

void AddCounts(const TableCounts& from, TableCounts* to) {
  for (const auto& [table, count] : from) (*to)[table] += count;
}

std::string FormatTableCounts(const TableCounts& counts) {
  std::string text;
  for (const auto& [table, count] : counts) {
    text += (text.empty() ? "" : ",") + table + ":" + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

}  // namespace logroute::metrics
