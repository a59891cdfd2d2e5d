// Reading a spool: listing sealed segments and streaming a file's lines with
// bounded memory (flush and stat never load a whole segment).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/file_util.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

// Sequence numbers of the shard's sealed segments, ascending.
Result<std::vector<uint64_t>> ListSegments(const Spool& spool, int shard);

// Reads a file line by line through a fixed buffer. A line longer than the
// buffer is returned in one piece all the same (the buffer grows for it).
class LineReader {
 public:
  static constexpr size_t kBufferBytes = 1 << 20;

  // Reads from `fd`, which the caller keeps open while reading.
  explicit LineReader(int fd, std::string path);

  // The next line without its LF. Returns false at the end of the file. A last
  // line with no LF is returned with *complete = false (a torn record).
  Result<bool> Next(std::string_view* line, bool* complete);
  uint64_t line_number() const { return line_number_; }

 private:
  int fd_;
  std::string path_;
  std::string buffer_;
  size_t begin_ = 0;  // unread data is buffer_[begin_, end_)
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace logroute::spool
