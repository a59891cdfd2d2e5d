// The configuration file shared by the tools (logroute(7), CONFIGURATION):
//
//   # a comment (also ; at the start of a line)
//   key = value            the value up to the end of the line, trimmed
//   key = "a value"        quoted: "..." takes \" \\ \t \n escapes, '...' is literal
//   key = ["a", "b"]       a list, for options given several times; may span lines
//
// A key is an option's long name with '_' or '-' (`max_events`, `max-events`).
// This file only reads the syntax; which keys exist is options.cc's business.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"

namespace logroute::config {

struct ConfigEntry {
  std::string key;  // as written, e.g. "max_events"
  std::vector<std::string> values;
  bool is_list = false;  // written as [...]
  int line = 0;          // 1-based, where the key is
};

// Parses the text of a config file named `path` (for messages). Usage error
// naming path:line for a line that is not a comment, a key = value or part of
// a list, for a bad quote, an unclosed list, and a key set twice.
Result<std::vector<ConfigEntry>> ParseConfigText(std::string_view text, const std::string& path);

// Reads and parses the file at `path`; a file that cannot be read is a usage error.
Result<std::vector<ConfigEntry>> ReadConfigFile(const std::string& path);

}  // namespace logroute::config
