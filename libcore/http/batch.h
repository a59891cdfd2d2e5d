// Splitting a batch body into its items, without judging the items.
//
// A batch is a JSON array of events, or NDJSON (one event per line). These
// functions find the boundaries of the items only; each item is then parsed
// and validated as a whole JSON document by event::EventParser, so a slice of
// malformed input always ends in an error, never in a half-checked event.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/status.h"

namespace logroute::http {

struct BatchItem {
  std::string_view text;  // one item; points into the body
  size_t line = 0;        // NDJSON: its 1-based line number; arrays: 0
};

// Splits a JSON array (`body` starts with '[' after whitespace) into its
// elements. A DataError says why the array itself is malformed (a bad
// element is left to the event parser).
Status SplitJsonArray(std::string_view body, std::vector<BatchItem>* items);

// Splits NDJSON into its lines (LF or CRLF); blank lines are skipped.
void SplitNdjson(std::string_view body, std::vector<BatchItem>* items);

// True when `body` holds only JSON whitespace.
bool IsBlank(std::string_view body);

}  // namespace logroute::http
