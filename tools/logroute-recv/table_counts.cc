#include "tools/logroute-recv/table_counts.h"

namespace logroute::recv {

void CountTable(TableCounts* counts, std::string_view table, uint64_t n) {
  for (auto& [name, count] : *counts) {
    if (name == table) {
      count += n;
      return;
    }
  }
  counts->emplace_back(std::string(table), n);
}

std::string FormatTableCounts(const TableCounts& counts) {
  std::string text;
  for (const auto& [table, count] : counts) {
    text += (text.empty() ? "" : ",") + table + ":" + std::to_string(count);
  }
  return text.empty() ? "-" : text;
}

}  // namespace logroute::recv
