#include "tools/logroute-recv/stdin_ingest.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/ingest/pipeline.h"
#include "libcore/spool/reader.h"
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
    switch (pipeline_.Take(chain_, line, recv_ts, &batch_)) {
      case ingest::Verdict::kInvalid:
        return Bad(event::FormatErrors(pipeline_.errors()), line);
      case ingest::Verdict::kRejected:
        return Bad(event::FormatErrors({*pipeline_.decision().error}), line);
      case ingest::Verdict::kDropped:
        ++stats_->dropped;
        return Done();
      case ingest::Verdict::kRouted:
        break;
    }
    ++batch_stats_.accepted;
    ++batch_stats_.per_table[pipeline_.decision().table];
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
    metrics::AddCounts(batch_stats_.per_table, &stats_->per_table);
    batch_stats_ = IngestStats();
    return Status::Ok();
  }

  const chain::Chain& chain_;
  spool::SpoolWriter& writer_;
  const IngestOptions& options_;
  IngestStats* stats_;
  ingest::Pipeline pipeline_;
  std::string batch_;
  IngestStats batch_stats_;  // what batch_ holds, counted into *stats_ once it is spooled
  struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, CloseFile> rejects_file_;  // --rejects-file
  std::string rejects_;  // entries of bad lines, written to rejects_file_ by Flush()
};

// Standard input, for the LineReader: before each read(2), which may block,
// it spools what the last one brought (a slow pipe, tail -f, must not keep
// accepted events in memory), then waits for input or the stop. A stop reads
// as the end of the input, with stopped() set.
class StdinSource final : public ByteSource {
 public:
  StdinSource(int fd, int stop_fd, Ingestor& ingestor, Env* env)
      : fd_(fd), stop_fd_(stop_fd), ingestor_(ingestor), env_(env) {}

  Result<size_t> Read(char* buffer, size_t size) override {
    LOGROUTE_RETURN_IF_ERROR(ingestor_.Flush());
    // The lines of the last read are spooled: a stop here loses nothing read.
    LOGROUTE_ASSIGN_OR_RETURN(const bool go_on, WaitForInput());
    if (!go_on) {
      stopped_ = true;
      return 0;
    }
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoStatus("cannot read standard input", errno);
      recv_ts_ = env_->NowSeconds();  // once per read: cheap and precise enough
      return static_cast<size_t>(n);
    }
  }

  bool stopped() const { return stopped_; }
  int64_t recv_ts() const { return recv_ts_; }

 private:
  // Waits until fd_ has input, or stop_fd_ (when valid) is readable. Returns
  // false when it is time to stop.
  Result<bool> WaitForInput() const {
    if (stop_fd_ < 0) return true;
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) >= 0) return (fds[0].revents & POLLIN) == 0;
      if (errno != EINTR) return ErrnoStatus("cannot wait for standard input", errno);
    }
  }

  const int fd_;
  const int stop_fd_;
  Ingestor& ingestor_;
  Env* env_;
  bool stopped_ = false;
  int64_t recv_ts_ = 0;
};

}  // namespace

std::string IngestStats::Summary() const {
  std::string text =
      "accepted=" + std::to_string(accepted) + " rejected=" + std::to_string(rejected) +
      " dropped=" + std::to_string(dropped) + " lines=" + std::to_string(lines) + " tables=";
  return text + metrics::FormatTableCounts(per_table) + " last_line=" + std::to_string(last_line);
}

Status IngestStream(int fd, const chain::Chain& chain, spool::SpoolWriter& writer,
                    const IngestOptions& options, IngestStats* stats, Env* env) {
  Ingestor ingestor(chain, writer, options, stats);
  LOGROUTE_RETURN_IF_ERROR(ingestor.OpenRejectsFile());
  StdinSource source(fd, options.stop_fd, ingestor, env);
  spool::LineReader reader(source, "standard input", options.max_line_bytes + 1);
  for (;;) {
    std::string_view line;
    bool complete;
    // An error comes from a read, or from spooling the lines before it:
    // Flush() has set last_line either way.
    LOGROUTE_ASSIGN_OR_RETURN(const bool more, reader.Next(&line, &complete));
    if (!more) break;
    if (source.stopped() && !complete) break;  // the start of a line: not read yet
    if (reader.truncated()) {
      ++stats->lines;
      LOGROUTE_RETURN_IF_ERROR(ingestor.Bad(
          "longer than " + std::to_string(options.max_line_bytes) + " bytes (--max-line-bytes)",
          line));
    } else {
      // A last line without LF is still a line.
      LOGROUTE_RETURN_IF_ERROR(ingestor.Line(line, source.recv_ts()));
    }
  }
  if (source.stopped()) {
    stats->interrupted = true;
    return Status::Ok();
  }
  return ingestor.Flush();
}

}  // namespace logroute::recv
