// Events per destination table, in order of first use: what recv's summary
// lines print ("tables=logs:3,signups:1").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace logroute::recv {

using TableCounts = std::vector<std::pair<std::string, uint64_t>>;

// Adds `n` events for `table`.
void CountTable(TableCounts* counts, std::string_view table, uint64_t n);

// "logs:3,signups:1"; "-" when empty.
std::string FormatTableCounts(const TableCounts& counts);

}  // namespace logroute::recv
