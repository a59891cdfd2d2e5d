// Spool records: one accepted, routed event per line (doc/spool-format.md).
//
//   CRC TAB RECV_TS TAB TABLE TAB UNIX_TS TAB USER_ID TAB EVENT_NAME [TAB EVENT_ID] LF
//
// EVENT_ID is there only for an event that carries one (format 2): a record
// without it is also a format-1 record, so format-1 spools read as they are.
// CRC is the CRC-32C of everything between the first TAB and the LF, as 8
// lowercase hex digits. EVENT_NAME is escaped as MySQL's LOAD DATA reads it by
// default (\\ \t \n \r \0), so a record holds no raw TAB or LF and a segment
// can feed a bulk load without re-encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libcore/base/result.h"
#include "libcore/event/event.h"

namespace logroute::spool {

// Appends the record for `event`, routed to `table`, received at `recv_ts`.
void AppendRecord(const event::Event& event, std::string_view table, int64_t recv_ts,
                  std::string* out);

// A decoded record. The views point into the line given to DecodeRecord.
struct Record {
  int64_t recv_ts = 0;
  std::string_view table;
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string_view escaped_name;  // as stored: unescape with UnescapeName
  std::string_view event_id;      // empty when the record has none (needs no unescaping)
};

// Decodes one line (without its LF). A corrupt line is a DataError whose
// message is the reason ("checksum mismatch", "user_id is not an integer").
// Takes records of format 1 (no EVENT_ID) and 2.
Result<Record> DecodeRecord(std::string_view line);

// The event name of a record, unescaped into *out (replacing its content).
void UnescapeName(std::string_view escaped, std::string* out);
// The same, appended to *out.
void AppendUnescapedName(std::string_view escaped, std::string* out);

// Escapes arbitrary bytes for one field of a text line (rejects files, logs):
// backslash escapes for \ TAB LF CR, \xNN for other control bytes.
void AppendEscapedBytes(std::string_view bytes, std::string* out);

// The inverse of AppendEscapedBytes: appends the original bytes to *out.
// Also takes \xNN for any byte (a hand-edited file). Returns false, with *out
// unspecified, on a raw TAB or LF, or a backslash not followed by one of
// \\ \t \n \r \xNN.
bool AppendUnescapedBytes(std::string_view escaped, std::string* out);

// The TABLE field of `line` without checking the record (empty when there is
// none): a cheap look-ahead; DecodeRecord decides whether the record is valid.
std::string_view RecordTable(std::string_view line);

// The receive time of the record on `line`, or -1 when the line is not a record.
int64_t RecordRecvTime(std::string_view line);

}  // namespace logroute::spool
