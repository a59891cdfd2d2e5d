// Rendering a spool's backlog: a table for people, JSON for scripts
// (doc/stat-json.md documents its shape), Prometheus text for monitoring, and
// threshold checks for Nagios-style exit statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libcore/spool/backlog.h"
#include "tools/logroute-stat/table_backlog.h"

namespace logroute::stat {

// What one run of stat measured.
struct Report {
  spool::Backlog backlog;
  TableBacklogs tables;  // by destination table
};

// The table for people: numbers with thousands separators ("1,234,567"),
// counts in words ("1 event", "2 files").
std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatPrometheus(const Report& report);

struct Thresholds {
  std::optional<int64_t> max_age_seconds;
  std::optional<uint64_t> max_events;
};

// The thresholds crossed, as a sentence naming each ("oldest event waited 95 s
// > --max-age 60"); empty when none is.
std::string CheckThresholds(const spool::Backlog& backlog, const Thresholds& thresholds);

// One screen of `--watch`: clears the terminal (ANSI), then a header naming the
// interval and the measuring time, the table, and the thresholds crossed.
std::string FormatWatchScreen(const Report& report, double interval_seconds,
                              const Thresholds& thresholds);

// "1,234,567".
std::string WithSeparators(uint64_t value);

}  // namespace logroute::stat
