// Reading a spool: listing sealed segments and streaming a file's lines with
// bounded memory (flush and stat never load a whole segment).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/file_util.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

// Sequence numbers of the shard's sealed segments, ascending.
Result<std::vector<uint64_t>> ListSegments(const Spool& spool, int shard);

// Reads a file or a stream line by line through a fixed buffer, so that memory
// stays bounded whatever it holds: flush and stat read segments with it, recv
// reads standard input. Spool records are far shorter than kMaxLineBytes. A
// line of `cut_at` bytes or more (a hand-made file, a zero-filled region after
// a power cut, a line past --max-line-bytes) is returned once with truncated()
// set: its first bytes, at least `cut_at` of them (as many as the buffer
// holds; exactly `cut_at` with the default), and the rest of it is skipped.
class LineReader {
 public:
  static constexpr size_t kMaxLineBytes = 1 << 20;

  // Reads from `source`, which outlives the reader; `name` is for errors.
  explicit LineReader(ByteSource& source, std::string name, size_t cut_at = kMaxLineBytes);

  // The next line without its LF. Returns false at the end of the input. A
  // last line with no LF is returned with *complete = false (a torn record).
  // A cut line has *complete = true, though its end may not be read
  // yet. The line is valid until the next call. Errors are the source's.
  Result<bool> Next(std::string_view* line, bool* complete) {
    // A whole line already in the buffer, the common case, is taken here,
    // inline in the caller's loop: recv --stdin calls this once per event.
    if (!skipping_) {
      const char* start = buffer_.data() + begin_;
      const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
      if (newline != nullptr) {
        TakeLine(start, newline, line, complete);
        return true;
      }
    }
    return NextAfterRead(line, complete);
  }
  uint64_t line_number() const { return line_number_; }
  // True when the line Next() returned last was cut (see above).
  bool truncated() const { return truncated_; }

 private:
  // Next() when the buffer holds no whole line: reads more, cuts or ends.
  Result<bool> NextAfterRead(std::string_view* line, bool* complete);
  // Returns the buffered line [start, newline) and moves past its LF.
  void TakeLine(const char* start, const char* newline, std::string_view* line, bool* complete) {
    const auto length = static_cast<size_t>(newline - start);
    *line = std::string_view(start, length);
    *complete = true;
    truncated_ = length >= cut_at_;
    begin_ += length + 1;
    ++line_number_;
  }

  ByteSource& source_;
  std::string name_;
  size_t cut_at_;
  std::string buffer_;
  size_t begin_ = 0;  // unread data is buffer_[begin_, end_)
  size_t end_ = 0;
  bool eof_ = false;
  bool truncated_ = false;
  bool skipping_ = false;  // inside the rest of a cut line, up to its LF
  uint64_t line_number_ = 0;
};

}  // namespace logroute::spool
