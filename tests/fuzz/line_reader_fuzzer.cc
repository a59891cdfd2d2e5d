// libcore/spool/reader: LineReader on arbitrary file contents, against a
// model of its contract, and every line it returns through the record decoder
// as flush gives it.
//
// The first byte picks the mode: 0xFF, the file also holds a line around
// LineReader::kMaxLineBytes long: a run of the next byte (never LF), of 1 to
// 2 MiB by the two bytes after, put at a position given by the rest of the
// input, which is the file around it; any other value, the rest is the file.
// (Long lines are rare on purpose: each costs milliseconds.)
// Oracles: the lines come in the order of the file, each without its LF; a
// line of kMaxLineBytes or more comes cut to its first kMaxLineBytes bytes and
// marked truncated(); only a last line without LF is incomplete; line_number()
// counts the lines; nothing else is returned.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::spool {
namespace {

struct Line {
  std::string_view text;
  bool complete;
  bool truncated;
};

// What LineReader must return for `content`.
std::vector<Line> ModelLines(std::string_view content) {
  std::vector<Line> lines;
  while (!content.empty()) {
    const size_t newline = content.find('\n');
    const bool complete = newline != std::string_view::npos;
    std::string_view text = content.substr(0, newline);
    content.remove_prefix(complete ? newline + 1 : content.size());
    const bool truncated = text.size() >= LineReader::kMaxLineBytes;
    if (truncated) text = text.substr(0, LineReader::kMaxLineBytes);
    lines.push_back({text, complete, truncated});
  }
  return lines;
}

// The content, read back in pieces of a size it chooses, as a pipe or a
// file may return them.
class PiecewiseSource final : public ByteSource {
 public:
  explicit PiecewiseSource(std::string_view content) : content_(content) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    const size_t piece = 1 + (content_.size() * 7 + offset_) % 65536;
    const size_t n = std::min({size, piece, content_.size() - offset_});
    std::memcpy(buffer, content_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  std::string_view content_;
  size_t offset_ = 0;
};

void CheckReader(std::string_view content) {
  const std::vector<Line> expected = ModelLines(content);
  PiecewiseSource source(content);
  LineReader reader(source, "content");
  auto where = [&](size_t i) {
    return "line " + std::to_string(i + 1) + " of " + std::to_string(expected.size()) +
           " in a file of " + std::to_string(content.size()) + " bytes";
  };
  for (size_t i = 0;; ++i) {
    std::string_view line;
    bool complete = false;
    Result<bool> more = reader.Next(&line, &complete);
    FUZZ_CHECK(more.ok(), "Next() failed at " + where(i) + ": " + more.status().message());
    if (!*more) {
      FUZZ_CHECK(i == expected.size(), "the reader stopped early, before " + where(i));
      break;
    }
    FUZZ_CHECK(i < expected.size(), "the reader returned more lines than the file has: " +
                                        fuzz::Printable(line.substr(0, 64)));
    const Line& want = expected[i];
    // memcmp, not ==: an instrumented loop over a 1 MiB line would be slow.
    FUZZ_CHECK(line.size() == want.text.size() &&
                   std::memcmp(line.data(), want.text.data(), line.size()) == 0,
               "wrong text at " + where(i) + ": " + fuzz::Printable(line.substr(0, 64)) +
                   ", expected " + fuzz::Printable(want.text.substr(0, 64)));
    FUZZ_CHECK(reader.truncated() == want.truncated, "wrong truncated() at " + where(i));
    // A cut line's end is not read: whether it had an LF is not known yet.
    if (!want.truncated) FUZZ_CHECK(complete == want.complete, "wrong complete at " + where(i));
    FUZZ_CHECK(reader.line_number() == i + 1, "wrong line_number() at " + where(i));
    // As flush judges a line; a decoded record's fields point into the line.
    if (complete && !reader.truncated()) {
      const Result<Record> record = DecodeRecord(line);
      FUZZ_CHECK(!record.ok() || (line.find(record->table) != std::string_view::npos &&
                                  line.ends_with(record->escaped_name)),
                 "a record's fields are not views of its line at " + where(i));
    }
  }
}

}  // namespace
}  // namespace logroute::spool

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute;
  fuzz::Input input(data, size);
  if (input.Byte() != 0xFF) {
    spool::CheckReader(input.Rest());
    return 0;
  }
  char fill = static_cast<char>(input.Byte());
  if (fill == '\n') fill = 'x';  // a million empty lines would only be slow
  const size_t extra = (size_t{input.Byte()} << 8 | input.Byte()) << 4;  // 0 to 1 MiB
  const size_t run = spool::LineReader::kMaxLineBytes - 16 + extra;      // around the limit
  const std::string_view rest = input.Rest();
  const size_t at = rest.empty() ? 0 : static_cast<size_t>(rest.front()) % (rest.size() + 1);
  std::string content(rest.substr(0, at));
  content.append(run, fill);
  content.append(rest.substr(at));
  spool::CheckReader(content);
  return 0;
}
