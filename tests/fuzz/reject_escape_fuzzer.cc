// libcore/spool/rejects: the escaping of rejects/ entries, as a round trip
// through the product's own decoder.
//
// The first byte picks the mode:
//   0: the rest is four fields (split at NUL bytes, the last taking the
//      rest), written by AppendRejectEntry and read back by DecodeRejectEntry;
//   1: the rest is one line given to DecodeRejectEntry as it is.
// Oracles: an entry is one line of four TAB-separated fields holding no
// control byte but TAB, and decodes to the very fields written; a line that
// decodes, written again and decoded again, gives the same fields.
#include <cstdint>
#include <string>
#include <string_view>

#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::spool {
namespace {

bool Same(const RejectEntry& a, const RejectEntry& b) {
  return a.source == b.source && a.position == b.position && a.reason == b.reason &&
         a.data == b.data;
}

std::string Show(const RejectEntry& e) {
  return fuzz::Printable(e.source) + " " + fuzz::Printable(e.position) + " " +
         fuzz::Printable(e.reason) + " " + fuzz::Printable(e.data);
}

// Writes `entry` and checks the line and that it decodes to `entry`.
void CheckWritten(const RejectEntry& entry) {
  std::string line;
  AppendRejectEntry(entry.source, entry.position, entry.reason, entry.data, &line);
  FUZZ_CHECK(!line.empty() && line.back() == '\n', "no LF at the end for " + Show(entry));
  line.pop_back();
  size_t tabs = 0;
  for (char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(c == '\t' || (byte >= 0x20 && byte != 0x7F),
               "a raw control byte in " + fuzz::Printable(line) + " for " + Show(entry));
    tabs += c == '\t';
  }
  FUZZ_CHECK(tabs == 3, "not four fields: " + fuzz::Printable(line) + " for " + Show(entry));
  RejectEntry decoded;
  const Status status = DecodeRejectEntry(line, &decoded);
  FUZZ_CHECK(status.ok(), "does not decode (" + status.message() + "): " + fuzz::Printable(line));
  FUZZ_CHECK(Same(decoded, entry), "decodes to " + Show(decoded) + ", not to " + Show(entry) +
                                       ": " + fuzz::Printable(line));

  std::string escaped, unescaped;
  AppendEscapedBytes(entry.data, &escaped);
  FUZZ_CHECK(AppendUnescapedBytes(escaped, &unescaped) && unescaped == entry.data,
             "the escaped bytes do not round-trip: " + fuzz::Printable(entry.data));
}

}  // namespace
}  // namespace logroute::spool

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  if (input.Byte() % 2 == 0) {
    spool::RejectEntry entry;
    entry.source = input.TakeUntil('\0');
    entry.position = input.TakeUntil('\0');
    entry.reason = input.TakeUntil('\0');
    entry.data = input.Rest();
    spool::CheckWritten(entry);
    return 0;
  }
  spool::RejectEntry entry;
  if (spool::DecodeRejectEntry(input.Rest(), &entry).ok()) spool::CheckWritten(entry);
  return 0;
}
