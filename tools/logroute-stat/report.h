// Rendering a spool's backlog: a table for people, JSON for scripts
// (doc/stat-json.md documents its shape), Prometheus text for monitoring, and
// threshold checks for Nagios-style exit statuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "libcore/spool/backlog.h"

namespace logroute::stat {

std::string FormatTable(const spool::Backlog& backlog);
std::string FormatJson(const spool::Backlog& backlog);
std::string FormatPrometheus(const spool::Backlog& backlog);

struct Thresholds {
  std::optional<int64_t> max_age_seconds;
  std::optional<uint64_t> max_events;
};

// The thresholds crossed, as a sentence naming each ("oldest event waited 95 s
// > --max-age 60"); empty when none is.
std::string CheckThresholds(const spool::Backlog& backlog, const Thresholds& thresholds);

// One screen of `--watch`: clears the terminal (ANSI), then a header naming the
// interval and the measuring time, the table, and the thresholds crossed.
std::string FormatWatchScreen(const spool::Backlog& backlog, double interval_seconds,
                              const Thresholds& thresholds);

}  // namespace logroute::stat
