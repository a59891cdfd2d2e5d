#include "libcore/spool/reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace logroute::spool {

Result<std::vector<uint64_t>> ListSegments(const Spool& spool, int shard) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            spool.env().ListDir(spool.ShardDir(shard)));
  std::vector<uint64_t> segments;
  for (const std::string& name : names) {
    uint64_t seq;
    if (ParseSegmentName(name, &seq)) segments.push_back(seq);
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

LineReader::LineReader(ByteSource& source, std::string name, size_t cut_at)
    : source_(source), name_(std::move(name)), cut_at_(std::max<size_t>(cut_at, 1)) {
  buffer_.resize(std::max(cut_at_, kMaxLineBytes));
}

Result<bool> LineReader::NextAfterRead(std::string_view* line, bool* complete) {
  truncated_ = false;
  for (;;) {
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    if (skipping_) {
      if (newline != nullptr) {
        skipping_ = false;
        begin_ += static_cast<size_t>(newline - start) + 1;
        continue;
      }
      begin_ = end_;  // all of it belongs to the cut line
      if (eof_) return false;
    } else if (newline != nullptr) {
      TakeLine(start, newline, line, complete);
      return true;
    } else if (end_ - begin_ >= cut_at_) {  // no LF in sight: cut the line here
      *line = std::string_view(start, end_ - begin_);
      *complete = true;
      truncated_ = true;
      skipping_ = true;
      begin_ = end_;
      ++line_number_;
      return true;
    } else if (eof_) {
      if (begin_ == end_) return false;
      *line = std::string_view(start, end_ - begin_);
      *complete = false;
      begin_ = end_;
      ++line_number_;
      return true;
    }
    // Keep the partial line, make room, read more.
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (eof_) continue;
    Result<size_t> n = source_.Read(buffer_.data() + end_, buffer_.size() - end_);
    if (!n.ok()) return n.status();
    if (*n == 0) eof_ = true;
    end_ += *n;
  }
}

}  // namespace logroute::spool
