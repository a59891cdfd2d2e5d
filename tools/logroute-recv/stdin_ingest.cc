#include "tools/logroute-recv/stdin_ingest.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"

namespace logroute::recv {
namespace {

// Everything one run keeps between lines: the parser's buffers, the batch
// being built, the counters.
class Ingestor {
 public:
  Ingestor(const chain::Chain& chain, spool::SpoolWriter& writer, const IngestOptions& options,
           IngestStats* stats)
      : chain_(chain), writer_(writer), options_(options), stats_(stats) {
    batch_.reserve(options.batch_bytes + 4096);
  }

  // Handles one line (without LF). Returns DataError to stop (strict mode).
  Status Line(std::string_view line, int64_t recv_ts) {
    ++stats_->lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) return Done();
    if (!parser_.Parse(line, &event_)) return Bad(event::FormatErrors(parser_.errors()), line);
    chain::Decision decision = chain_.Handle(event_);
    switch (decision.action) {
      case chain::Decision::Action::kReject:
        return Bad(event::FormatErrors({decision.error}), line);
      case chain::Decision::Action::kDrop:
        ++stats_->dropped;
        return Done();
      case chain::Decision::Action::kRoute:
        break;
    }
    spool::AppendRecord(event_, decision.table, recv_ts, &batch_);
    ++batch_stats_.accepted;
    CountTable(&batch_stats_.per_table, decision.table, 1);
    if (batch_.size() >= options_.batch_bytes) return Flush();
    return Status::Ok();
  }

  // The line just read (stats_->lines) is bad: `data` is the line, or its
  // start when it is too long to keep whole.
  Status Bad(const std::string& reason, std::string_view data) {
    const uint64_t line_number = stats_->lines;
    ++stats_->rejected;
    if (stats_->rejected <= options_.max_reported_errors) {
      spdlog::warn("line {}: {}", line_number, reason);
      if (stats_->rejected == options_.max_reported_errors) {
        spdlog::warn("Further bad lines are counted but not reported{}",
                     rejects_file_ ? " here (all are in " + options_.rejects_file + ")" : "");
      }
    }
    if (rejects_file_) {
      constexpr size_t kMaxKept = 4096;
      spool::AppendRejectEntry("stdin", "line " + std::to_string(line_number), reason,
                               data.substr(0, kMaxKept), &rejects_);
    }
    if (!options_.strict) return Done();
    LOGROUTE_RETURN_IF_ERROR(Flush());    // the good lines before it are kept
    stats_->last_line = line_number - 1;  // a fixed line resumes the run here
    return Status::DataError("line " + std::to_string(line_number) + ": " + reason +
                             " (stopped there: --strict)");
  }

  // A line is dealt with; so are all before it unless some wait in the batch.
  Status Done() {
    if (batch_.empty()) stats_->last_line = stats_->lines;
    return Status::Ok();
  }

  // Appends the batch; with fsync on, returns once it is on stable storage.
  // Its events count as accepted only then: a summary after a failed append
  // must not claim events that are not in the spool. Then writes the entries
  // of the bad lines read so far to the rejects file, even after a failed
  // append: they were read, and reported on stderr.
  Status Flush() {
    Status appended = AppendBatch();
    // Exact whatever fails next: a resume must not spool a line twice.
    if (appended.ok()) stats_->last_line = stats_->lines;
    if (!rejects_.empty()) {
      Status written = WriteRejects();
      rejects_.clear();
      if (appended.ok()) return written;
    }
    return appended;
  }

  // The file is the operator's, not the spool's: it may be /dev/stderr (a
  // link) or a pipe, so stdio, not the spool's Env, which refuses links.
  Status OpenRejectsFile() {
    if (options_.rejects_file.empty()) return Status::Ok();
    rejects_file_.reset(std::fopen(options_.rejects_file.c_str(), "ae"));
    if (!rejects_file_) return ErrnoStatus("cannot open " + options_.rejects_file, errno);
    return Status::Ok();
  }

 private:
  Status WriteRejects() {
    if (std::fwrite(rejects_.data(), 1, rejects_.size(), rejects_file_.get()) != rejects_.size() ||
        std::fflush(rejects_file_.get()) != 0) {
      return ErrnoStatus("cannot write to " + options_.rejects_file, errno);
    }
    return Status::Ok();
  }

  Status AppendBatch() {
    if (batch_.empty()) return Status::Ok();
    spool::AppendTicket ticket;
    LOGROUTE_RETURN_IF_ERROR(writer_.Append(batch_, &ticket));
    batch_.clear();
    if (writer_.options().fsync) LOGROUTE_RETURN_IF_ERROR(writer_.WaitDurable(ticket));
    stats_->accepted += batch_stats_.accepted;
    for (const auto& [table, count] : batch_stats_.per_table) {
      CountTable(&stats_->per_table, table, count);
    }
    batch_stats_ = IngestStats();
    return Status::Ok();
  }

  const chain::Chain& chain_;
  spool::SpoolWriter& writer_;
  const IngestOptions& options_;
  IngestStats* stats_;
  event::EventParser parser_;
  event::Event event_;
  std::string batch_;
  IngestStats batch_stats_;  // what batch_ holds, counted into *stats_ once it is spooled
  struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, CloseFile> rejects_file_;  // --rejects-file
  std::string rejects_;  // entries of bad lines, written to rejects_file_ by Flush()
};

// Waits until `fd` has input, or `stop_fd` (when valid) is readable. Returns
// false when it is time to stop.
Result<bool> WaitForInput(int fd, int stop_fd) {
  if (stop_fd < 0) return true;
  pollfd fds[2] = {{stop_fd, POLLIN, 0}, {fd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) >= 0) return (fds[0].revents & POLLIN) == 0;
    if (errno != EINTR) return ErrnoStatus("cannot wait for standard input", errno);
  }
}

std::string TooLong(const IngestOptions& options) {
  return "longer than " + std::to_string(options.max_line_bytes) + " bytes (--max-line-bytes)";
}

}  // namespace

std::string IngestStats::Summary() const {
  std::string text =
      "accepted=" + std::to_string(accepted) + " rejected=" + std::to_string(rejected) +
      " dropped=" + std::to_string(dropped) + " lines=" + std::to_string(lines) + " tables=";
  return text + FormatTableCounts(per_table) + " last_line=" + std::to_string(last_line);
}

Status IngestStream(int fd, const chain::Chain& chain, spool::SpoolWriter& writer,
                    const IngestOptions& options, IngestStats* stats, Env* env) {
  Ingestor ingestor(chain, writer, options, stats);
  LOGROUTE_RETURN_IF_ERROR(ingestor.OpenRejectsFile());
  std::string buffer(std::max<size_t>(options.max_line_bytes + 2, 1 << 20), '\0');
  size_t begin = 0, end = 0;
  bool skipping_long_line = false;  // inside a line past the bound, until its LF
  for (;;) {
    // The lines of the last read are spooled: a stop here loses nothing read.
    LOGROUTE_ASSIGN_OR_RETURN(const bool go_on, WaitForInput(fd, options.stop_fd));
    if (!go_on) {
      stats->interrupted = true;
      return Status::Ok();
    }
    ssize_t n = ::read(fd, buffer.data() + end, buffer.size() - end);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status read_error = ErrnoStatus("cannot read standard input", errno);
      LOGROUTE_RETURN_IF_ERROR(ingestor.Flush());
      return read_error;
    }
    const bool at_eof = n == 0;
    end += static_cast<size_t>(n);
    const int64_t recv_ts = env->NowSeconds();  // once per read: cheap and precise enough

    for (;;) {
      const char* start = buffer.data() + begin;
      const void* newline = std::memchr(start, '\n', end - begin);
      if (newline == nullptr) break;
      const auto length = static_cast<size_t>(static_cast<const char*>(newline) - start);
      if (skipping_long_line) {
        skipping_long_line = false;
      } else if (length > options.max_line_bytes) {
        ++stats->lines;
        LOGROUTE_RETURN_IF_ERROR(ingestor.Bad(TooLong(options), std::string_view(start, length)));
      } else {
        LOGROUTE_RETURN_IF_ERROR(ingestor.Line(std::string_view(start, length), recv_ts));
      }
      begin += length + 1;
    }

    if (at_eof) {
      if (begin < end && !skipping_long_line) {  // a last line without LF is still a line
        LOGROUTE_RETURN_IF_ERROR(
            ingestor.Line(std::string_view(buffer.data() + begin, end - begin), recv_ts));
      }
      return ingestor.Flush();
    }
    // Spool what this read brought before waiting for more: a slow pipe
    // (tail -f) must not keep accepted events in memory.
    LOGROUTE_RETURN_IF_ERROR(ingestor.Flush());
    // Move the partial line to the front; a line past the bound is counted
    // once and its remaining bytes skipped.
    if (end - begin > options.max_line_bytes) {
      if (!skipping_long_line) {
        ++stats->lines;
        LOGROUTE_RETURN_IF_ERROR(
            ingestor.Bad(TooLong(options), std::string_view(buffer.data() + begin, end - begin)));
        skipping_long_line = true;
      }
      begin = end;
    }
    std::memmove(buffer.data(), buffer.data() + begin, end - begin);
    end -= begin;
    begin = 0;
  }
}

}  // namespace logroute::recv
