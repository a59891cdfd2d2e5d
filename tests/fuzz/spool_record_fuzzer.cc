// libcore/spool/record: spool records, decoded from arbitrary lines and
// encoded from arbitrary events.
//
// The first byte picks the mode:
//   0: the rest is one line, decoded as it is;
//   1: the rest is one line, its first 8 bytes replaced by the right checksum,
//      so that the decoder's field checks are reached;
//   2: the rest is an event (two integers, a table, a name), encoded and decoded.
// Oracles: a decoded record has a valid table and a non-empty name, agrees with
// the cheap look-aheads (RecordTable, RecordRecvTime), and encodes back to a
// record that decodes to the same fields; an encoded event is one line of six
// fields that decodes to the same event.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "libcore/base/crc32c.h"
#include "libcore/chain/table_name.h"
#include "libcore/spool/record.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::spool {
namespace {

std::string Unescaped(std::string_view escaped) {
  std::string name;
  UnescapeName(escaped, &name);
  return name;
}

// Encodes `event` and checks that it decodes to the same fields.
void CheckRoundTrip(const event::Event& event, std::string_view table, int64_t recv_ts) {
  auto what = [&] {
    return "event {" + std::to_string(event.unix_ts) + ", " + std::to_string(event.user_id) + ", " +
           fuzz::Printable(event.event_name) + ", " + fuzz::Printable(event.event_id) +
           "} to table " + fuzz::Printable(table) + " at " + std::to_string(recv_ts);
  };
  std::string line = "kept";  // AppendRecord appends: what is there stays
  AppendRecord(event, table, recv_ts, &line);
  FUZZ_CHECK(line.starts_with("kept"), "AppendRecord changed what was in the buffer");
  line.erase(0, 4);
  FUZZ_CHECK(line.back() == '\n' && line.find('\n') == line.size() - 1,
             "not one line: " + fuzz::Printable(line) + " for " + what());
  line.pop_back();
  size_t tabs = 0;
  for (char c : line) tabs += c == '\t';
  FUZZ_CHECK(tabs == (event.event_id.empty() ? 5u : 6u),
             "not six fields (seven with an id): " + fuzz::Printable(line) + " for " + what());
  const Result<Record> record = DecodeRecord(line);
  FUZZ_CHECK(record.ok(), "does not decode (" + record.status().message() +
                              "): " + fuzz::Printable(line) + " for " + what());
  FUZZ_CHECK(record->recv_ts == recv_ts && record->table == table &&
                 record->unix_ts == event.unix_ts && record->user_id == event.user_id &&
                 Unescaped(record->escaped_name) == event.event_name &&
                 record->event_id == event.event_id,
             "decodes to other fields: " + fuzz::Printable(line) + " for " + what());
}

void CheckDecoded(std::string_view line) {
  const Result<Record> decoded = DecodeRecord(line);
  if (!decoded.ok()) return;
  const Record& record = *decoded;
  const std::string shown = fuzz::Printable(line);
  FUZZ_CHECK(chain::ValidateTableName(record.table).ok(), "a bad table passed: " + shown);
  FUZZ_CHECK(!record.escaped_name.empty(), "an empty name passed: " + shown);
  FUZZ_CHECK(record.event_id.empty() || event::IsValidEventId(record.event_id),
             "a bad event_id passed: " + shown);
  FUZZ_CHECK(RecordTable(line) == record.table, "RecordTable disagrees: " + shown);
  FUZZ_CHECK(RecordRecvTime(line) == record.recv_ts, "RecordRecvTime disagrees: " + shown);
  const event::Event event{record.unix_ts, record.user_id, Unescaped(record.escaped_name),
                           std::string(record.event_id)};
  CheckRoundTrip(event, record.table, record.recv_ts);
}

}  // namespace
}  // namespace logroute::spool

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  const uint8_t mode = input.Byte() % 3;
  if (mode == 2) {
    event::Event event;
    event.unix_ts = static_cast<int64_t>(input.Uint64());
    event.user_id = static_cast<int64_t>(input.Uint64());
    const auto recv_ts = static_cast<int64_t>(input.Uint64());
    const std::string table(input.TakeUntil('\0'));
    event.event_id = std::string(input.TakeUntil('\0'));
    event.event_name = std::string(input.Rest());
    if (!event.event_id.empty() && !event::IsValidEventId(event.event_id)) return 0;
    // Only what the chain can route reaches a record: a valid table, a name.
    if (!chain::ValidateTableName(table).ok() || event.event_name.empty()) return 0;
    spool::CheckRoundTrip(event, table, recv_ts);
    return 0;
  }
  std::string line(input.Rest());
  if (mode == 1 && line.size() >= 9) {
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", Crc32c(std::string_view(line).substr(9)));
    line.replace(0, 8, crc, 8);
    line[8] = '\t';
  }
  // Whatever the line, the look-aheads must not fail.
  (void)spool::RecordTable(line);
  (void)spool::RecordRecvTime(line);
  spool::CheckDecoded(line);
  return 0;
}
