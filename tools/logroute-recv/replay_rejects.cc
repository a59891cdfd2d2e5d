#include "tools/logroute-recv/replay_rejects.h"

#include <climits>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/spool/record.h"
#include "libcore/spool/reject_file.h"
#include "libcore/spool/rejects.h"
#include "libcore/spool/replay.h"

namespace logroute::recv {
namespace {

// Reasons logged per file; the rest are counted. The file keeps them all.
constexpr uint64_t kReportedPerFile = 20;

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) == nullptr ? std::string() : std::string(resolved);
}

// The names under rejects/ of `files`, each once; Usage error for a path
// outside it or a name that is not a rejects file.
Result<std::vector<std::string>> NamesInRejects(const spool::Spool& spool,
                                                const std::vector<std::string>& files) {
  const std::string rejects = RealPath(spool.RejectsDir());
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const std::string& file : files) {
    const size_t slash = file.rfind('/');
    const std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : file.substr(0, slash));
    if (!name.ends_with(".rej")) {
      return Status::Usage("--replay-rejects " + file +
                           ": not a rejects file (the name does not end in .rej)");
    }
    if (rejects.empty() || RealPath(dir) != rejects) {
      return Status::Usage("--replay-rejects " + file + ": not in " + spool.RejectsDir() +
                           " (a replay takes the files of the spool's rejects/ directory)");
    }
    if (seen.insert(name).second) names.push_back(name);
  }
  return names;
}

// True when an entry names a segment that is still in the spool: flush may
// still be at it (it writes the rejects file before its commit, and rewrites
// it when it tries again), so its rejects are not final yet.
Result<bool> SegmentStillThere(const spool::Spool& spool, const spool::RejectEntry& entry) {
  const size_t slash = entry.source.find('/');
  uint64_t seq;
  if (!entry.source.starts_with("shard-") || slash == std::string::npos ||
      !spool::ParseSegmentName(std::string_view(entry.source).substr(slash + 1), &seq)) {
    return false;
  }
  return PathExists(spool.env(), spool.dir() + "/" + entry.source);
}

// One file's outcome, built before anything of it moves.
class FilePlan {
 public:
  FilePlan(const std::string& name, const chain::Chain& chain, bool force, int64_t now)
      : name_(name), chain_(chain), force_(force), now_(now) {}

  void Add(const spool::RejectFileEntry& entry) {
    if (!entry.decoded.ok()) {
      Keep(entry.line_number, "not a rejects entry: " + entry.decoded.message());
      KeepText(entry.text);
      return;
    }
    std::string kept_data;
    for (size_t i = 0; i < entry.records.size(); ++i) {
      const spool::RejectedRecord& record = entry.records[i];
      if (Take(entry.line_number, record)) continue;
      kept_data += record.line;
      const bool cut =
          i + 1 == entry.records.size() && entry.torn_region && !entry.entry.data.ends_with('\n');
      if (entry.torn_region && !cut) kept_data += '\n';
    }
    if (kept_data.empty()) return;
    if (entry.torn_region) {
      spool::AppendRejectEntry(entry.entry.source, entry.entry.position, entry.entry.reason,
                               kept_data, &kept_);
    } else {
      KeepText(entry.text);
    }
  }

  const std::string& records() const { return records_; }
  const std::string& kept() const { return kept_; }
  uint64_t kept_count() const { return kept_count_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t appended() const { return appended_; }
  const metrics::TableCounts& per_table() const { return per_table_; }

 private:
  // Appends `record` to the records to import, or says why not.
  bool Take(uint64_t line, const spool::RejectedRecord& record) {
    if (record.verdict == spool::Replayability::kNever) return Keep(line, record.why);
    if (record.verdict == spool::Replayability::kNeedsForce && !force_) {
      return Keep(line, record.why + " (--force replays it)");
    }
    std::vector<std::pair<std::string, std::string>> fields = {
        {"unix_ts", std::to_string(record.unix_ts)},
        {"user_id", std::to_string(record.user_id)},
        {"event_name", record.event_name}};
    if (!record.event_id.empty()) fields.emplace_back("event_id", record.event_id);
    if (!parser_.ParseFields(fields, &event_)) {
      return Keep(line, "not a valid event: " + event::FormatErrors(parser_.errors()));
    }
    const chain::Decision decision = chain_.Handle(event_);
    switch (decision.action) {
      case chain::Decision::Action::kReject:
        return Keep(line,
                    "refused by the handler chain: " + event::FormatErrors({*decision.error}));
      case chain::Decision::Action::kDrop:
        ++dropped_;
        return true;
      case chain::Decision::Action::kRoute:
        break;
    }
    spool::AppendRecord(event_, decision.table, now_, &records_);
    ++appended_;
    ++per_table_[decision.table];
    return true;
  }

  // An entry kept as the file holds it; a last line without LF gets one, so
  // that nothing is glued to it.
  void KeepText(const std::string& text) {
    kept_ += text;
    if (!text.ends_with('\n')) kept_ += '\n';
  }

  bool Keep(uint64_t line, const std::string& why) {
    if (++kept_count_ <= kReportedPerFile) {
      spdlog::warn("Not replayed: file=rejects/{} line={} reason={}", name_, line, why);
    }
    return false;
  }

  const std::string& name_;
  const chain::Chain& chain_;
  const bool force_;
  const int64_t now_;
  event::EventParser parser_;
  event::Event event_;
  std::string records_;
  std::string kept_;
  uint64_t kept_count_ = 0;
  uint64_t dropped_ = 0;
  uint64_t appended_ = 0;
  metrics::TableCounts per_table_;
};

Status ReplayFile(const spool::Spool& spool, spool::RejectsReplayer& replayer,
                  const std::string& name, const chain::Chain& chain, const ReplayOptions& options,
                  int64_t now, ReplayStats* stats) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<spool::RejectFileEntry> entries,
                            spool::ReadRejectFile(spool.env(), spool.RejectsDir() + "/" + name));
  for (const spool::RejectFileEntry& entry : entries) {
    if (!entry.decoded.ok()) continue;
    LOGROUTE_ASSIGN_OR_RETURN(const bool waiting, SegmentStillThere(spool, entry.entry));
    if (waiting) {
      spdlog::warn(
          "Not replayed yet: file=rejects/{} reason=its segment {} is still in the spool (flush "
          "has not finished with it); run logroute-flush, then replay it",
          name, entry.entry.source);
      ++stats->files_waiting;
      return Status::Ok();
    }
  }
  FilePlan plan(name, chain, options.force, now);
  for (const spool::RejectFileEntry& entry : entries) plan.Add(entry);
  if (plan.kept_count() > kReportedPerFile) {
    spdlog::warn("Not replayed: file=rejects/{} and {} more records (see the file)", name,
                 plan.kept_count() - kReportedPerFile);
  }
  stats->kept += plan.kept_count();
  if (plan.appended() == 0 && plan.dropped() == 0) {
    spdlog::warn("Nothing replayed: file=rejects/{} stays as it is", name);
    ++stats->files_unchanged;
    return Status::Ok();
  }
  LOGROUTE_ASSIGN_OR_RETURN(std::string done, replayer.Replay(name, plan.records(), plan.kept()));
  ++stats->files_replayed;
  stats->records += plan.appended();
  stats->dropped += plan.dropped();
  metrics::AddCounts(plan.per_table(), &stats->per_table);
  spdlog::info(
      "Replayed: file=rejects/{} records={} dropped={} kept={} moved_to=rejects/replayed/{}", name,
      plan.appended(), plan.dropped(), plan.kept_count(), done);
  return Status::Ok();
}

}  // namespace

std::string ReplayStats::Summary() const {
  std::string text = "files=" + std::to_string(files_replayed) +
                     " records=" + std::to_string(records) + " dropped=" + std::to_string(dropped) +
                     " kept=" + std::to_string(kept) +
                     " unchanged=" + std::to_string(files_unchanged) +
                     " waiting=" + std::to_string(files_waiting) + " tables=";
  return text + metrics::FormatTableCounts(per_table);
}

Status ReplayRejects(const spool::Spool& spool, const chain::Chain& chain,
                     const ReplayOptions& options, ReplayStats* stats, Env* env) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> names, NamesInRejects(spool, options.files));
  LOGROUTE_ASSIGN_OR_RETURN(spool::RejectsReplayer replayer, spool::RejectsReplayer::Open(spool));
  for (const std::string& done : replayer.finished_interrupted()) {
    spdlog::info("Finished an interrupted replay: moved_to=rejects/replayed/{}", done);
    ++stats->files_interrupted;
  }
  std::vector<std::string> todo;
  for (const std::string& name : names) {
    LOGROUTE_ASSIGN_OR_RETURN(const bool pending,
                              PathExists(spool.env(), spool.RejectsDir() + "/" + name));
    LOGROUTE_ASSIGN_OR_RETURN(const bool done,
                              PathExists(spool.env(), replayer.ReplayedDir() + "/" + name));
    if (pending) {
      todo.push_back(name);
    } else if (done) {
      spdlog::info("Already replayed: file=rejects/replayed/{}", name);
    } else {
      return Status::Usage("--replay-rejects: no file " + name + " in " + spool.RejectsDir());
    }
  }
  const int64_t now = env->NowSeconds();
  for (const std::string& name : todo) {
    LOGROUTE_RETURN_IF_ERROR(ReplayFile(spool, replayer, name, chain, options, now, stats));
  }
  if (stats->files_waiting > 0) {
    return Status::TempFail(std::to_string(stats->files_waiting) +
                            " rejects files wait for flush to finish with their segments; run "
                            "the same replay again after a flush pass");
  }
  if (stats->kept > 0) {
    return Status::DataError(std::to_string(stats->kept) +
                             " records were not replayed (reasons above); they stay in " +
                             spool.RejectsDir());
  }
  return Status::Ok();
}

}  // namespace logroute::recv
