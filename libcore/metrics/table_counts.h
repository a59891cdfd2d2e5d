// Counts by destination table, in the order the tables first came: the
// events recv appended (its summary lines, GET /metrics), the rows flush
// committed (its summary, its textfile), what waits in the spool (stat).
// A handful of tables is the norm, so a vector searched from the front
// beats a map, and keeps the order of first use, which the summaries print.
//
// Thread safety: none; a caller shared by threads guards it (http::Metrics).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace logroute::metrics {

template <typename Counts>
class PerTable {
 public:
  using Entry = std::pair<std::string, Counts>;

  // The counts of `table`, value-initialised (zero) at its first use.
  Counts& operator[](std::string_view table) {
    for (Entry& entry : entries_) {
      if (entry.first == table) return entry.second;
    }
    return entries_.emplace_back(std::string(table), Counts{}).second;
  }

  // Orders the tables by name (bytewise), for a report rather than a summary.
  void SortByTable() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.first < b.first; });
  }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }
  typename std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  typename std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

// A number per table: events, rows.
using TableCounts = PerTable<uint64_t>;

// Adds every count of `from` to `to`'s.
void AddCounts(const TableCounts& from, TableCounts* to);

// "logs:3,signups:1" (the summary lines' tables=); "-" when empty.
std::string FormatTableCounts(const TableCounts& counts);

}  // namespace logroute::metrics
