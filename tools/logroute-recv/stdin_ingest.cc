#include "tools/logroute-recv/stdin_ingest.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "libcore/spool/record.h"

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
    if (line.find_first_not_of(" \t") == std::string_view::npos) return Status::Ok();
    if (!parser_.Parse(line, &event_)) return Bad(event::FormatErrors(parser_.errors()));
    chain::Decision decision = chain_.Handle(event_);
    switch (decision.action) {
      case chain::Decision::Action::kReject:
        return Bad(decision.reason);
      case chain::Decision::Action::kDrop:
        ++stats_->dropped;
        return Status::Ok();
      case chain::Decision::Action::kRoute:
        break;
    }
    spool::AppendRecord(event_, decision.table, recv_ts, &batch_);
    ++batch_stats_.accepted;
    CountTable(&batch_stats_, decision.table, 1);
    if (batch_.size() >= options_.batch_bytes) return Flush();
    return Status::Ok();
  }

  Status Bad(const std::string& reason) { return Bad(stats_->lines, reason); }

  Status Bad(uint64_t line_number, const std::string& reason) {
    ++stats_->rejected;
    if (stats_->rejected <= options_.max_reported_errors) {
      spdlog::warn("line {}: {}", line_number, reason);
      if (stats_->rejected == options_.max_reported_errors) {
        spdlog::warn("Further bad lines are counted but not reported");
      }
    }
    if (!options_.strict) return Status::Ok();
    LOGROUTE_RETURN_IF_ERROR(Flush());  // the good lines before it are kept
    return Status::DataError("line " + std::to_string(line_number) + ": " + reason +
                             " (stopped there: --strict)");
  }

  // Appends the batch; with fsync on, returns once it is on stable storage.
  // Its events count as accepted only then: a summary after a failed append
  // must not claim events that are not in the spool.
  Status Flush() {
    if (batch_.empty()) return Status::Ok();
    spool::AppendTicket ticket;
    LOGROUTE_RETURN_IF_ERROR(writer_.Append(batch_, &ticket));
    batch_.clear();
    if (writer_.options().fsync) LOGROUTE_RETURN_IF_ERROR(writer_.WaitDurable(ticket));
    stats_->accepted += batch_stats_.accepted;
    for (const auto& [table, count] : batch_stats_.per_table) CountTable(stats_, table, count);
    batch_stats_ = IngestStats();
    return Status::Ok();
  }

 private:
  static void CountTable(IngestStats* stats, std::string_view table, uint64_t n) {
    for (auto& [name, count] : stats->per_table) {
      if (name == table) {
        count += n;
        return;
      }
    }
    stats->per_table.emplace_back(std::string(table), n);
  }

  const chain::Chain& chain_;
  spool::SpoolWriter& writer_;
  const IngestOptions& options_;
  IngestStats* stats_;
  event::EventParser parser_;
  event::Event event_;
  std::string batch_;
  IngestStats batch_stats_;  // what batch_ holds, counted into *stats_ once it is spooled
};

}  // namespace

std::string IngestStats::Summary() const {
  std::string text =
      "accepted=" + std::to_string(accepted) + " rejected=" + std::to_string(rejected) +
      " dropped=" + std::to_string(dropped) + " lines=" + std::to_string(lines) + " tables=";
  for (size_t i = 0; i < per_table.size(); ++i) {
    if (i > 0) text += ',';
    text += per_table[i].first + ":" + std::to_string(per_table[i].second);
  }
  if (per_table.empty()) text += "-";
  return text;
}

Status IngestStream(int fd, const chain::Chain& chain, spool::SpoolWriter& writer,
                    const IngestOptions& options, IngestStats* stats, Env* env) {
  Ingestor ingestor(chain, writer, options, stats);
  std::string buffer(std::max<size_t>(options.max_line_bytes + 2, 1 << 20), '\0');
  size_t begin = 0, end = 0;
  bool skipping_long_line = false;  // inside a line past the bound, until its LF
  for (;;) {
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
        LOGROUTE_RETURN_IF_ERROR(ingestor.Bad(
            "longer than " + std::to_string(options.max_line_bytes) + " bytes (--max-line-bytes)"));
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
        LOGROUTE_RETURN_IF_ERROR(ingestor.Bad(
            "longer than " + std::to_string(options.max_line_bytes) + " bytes (--max-line-bytes)"));
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
