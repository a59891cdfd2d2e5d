// Logging: spdlog to stderr, one format for every tool.
//
//   2024-05-15T08:27:51.123+02:00 logroute-flush: info: Flushed to ...
//
// Each line starts with the local time (ISO 8601, milliseconds, UTC offset),
// except when stderr is the systemd journal, which stamps lines itself: that
// is when JOURNAL_STREAM names stderr's device and inode, as systemd.exec(5)
// says to check (a child of a unit whose stderr was redirected elsewhere
// inherits the variable, and gets timestamps).
//
// Messages are capitalised sentences with key=value context; ERROR means data
// is at risk or an operator must act.
#pragma once

#include <string_view>

namespace logroute {

// The least severe message that is logged (--log-level).
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };

// Sets the default spdlog logger of the process.
void InitLogging(std::string_view tool, LogLevel level = LogLevel::kInfo);

// Changes the level of the default logger (a reload). Any thread.
void SetLogLevel(LogLevel level);

}  // namespace logroute
