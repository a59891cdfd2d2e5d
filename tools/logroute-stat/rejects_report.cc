#include "tools/logroute-stat/rejects_report.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include <nlohmann/json.hpp>

#include "libcore/base/file_util.h"
#include "libcore/spool/reject_file.h"

namespace logroute::stat {
namespace {

void CountReason(const std::string& reason, std::vector<RejectReasonCount>* reasons) {
  for (RejectReasonCount& counted : *reasons) {
    if (counted.reason == reason) {
      ++counted.entries;
      return;
    }
  }
  reasons->push_back({reason, 1});
}

// False when the file is gone (replayed or purged meanwhile).
Result<bool> MeasureFile(const std::string& dir, const std::string& name, RejectFileReport* file) {
  const std::string path = dir + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return ErrnoStatus("cannot stat " + path, errno);
  }
  Result<std::vector<spool::RejectFileEntry>> entries =
      spool::ReadRejectFile(*Env::Default(), path);
  if (!entries.ok()) {
    LOGROUTE_ASSIGN_OR_RETURN(const bool still_there, PathExists(*Env::Default(), path));
    if (!still_there) return false;
    return entries.status();
  }
  file->name = name;
  file->bytes = static_cast<uint64_t>(st.st_size);
  file->modified_at = st.st_mtim.tv_sec;
  for (const spool::RejectFileEntry& entry : *entries) {
    ++file->entries;
    if (!entry.decoded.ok()) {
      ++file->unreadable;
      CountReason("(not a rejects entry: " + entry.decoded.message() + ")", &file->reasons);
      continue;
    }
    CountReason(entry.entry.reason, &file->reasons);
    for (const spool::RejectedRecord& record : entry.records) {
      ++file->records;
      switch (record.verdict) {
        case spool::Replayability::kReplayable:
          ++file->replayable;
          break;
        case spool::Replayability::kNeedsForce:
          ++file->needs_force;
          break;
        case spool::Replayability::kNever:
          ++file->never;
          break;
      }
    }
  }
  return true;
}

// "1 entry", "2 entries"
std::string Count(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Age(int64_t seconds) {
  if (seconds < 120) return std::to_string(std::max<int64_t>(seconds, 0)) + " s";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 86400) + " d";
}

// "5 records (3 replayable, 2 only with --force)"
std::string RecordsText(const RejectFileReport& f) {
  std::string parts;
  auto part = [&](uint64_t n, const char* what) {
    if (n == 0) return;
    parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  part(f.replayable, "replayable");
  part(f.needs_force, "only with --force");
  part(f.never, "never replayable");
  return Count(f.records, "record", "records") + (parts.empty() ? "" : " (" + parts + ")");
}

}  // namespace

Result<RejectsReport> MeasureRejects(const spool::Spool& spool, int64_t now) {
  RejectsReport report;
  report.rejects_dir = spool.RejectsDir();
  report.measured_at = now;
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> names,
                            spool::ListNamesEndingIn(spool.env(), report.rejects_dir, ".rej"));
  for (const std::string& name : names) {
    RejectFileReport file;
    LOGROUTE_ASSIGN_OR_RETURN(bool there, MeasureFile(report.rejects_dir, name, &file));
    if (there) report.files.push_back(std::move(file));
  }
  LOGROUTE_ASSIGN_OR_RETURN(
      report.replaying,
      spool::ListNamesEndingIn(spool.env(), report.rejects_dir + "/replaying", ".rej"));
  const std::string replayed_dir = report.rejects_dir + "/replayed";
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<std::string> replayed,
                            spool::ListNamesEndingIn(spool.env(), replayed_dir, ".rej"));
  for (const std::string& name : replayed) {
    struct stat st;
    if (::stat((replayed_dir + "/" + name).c_str(), &st) != 0) continue;  // purged meanwhile
    ++report.replayed_files;
    report.replayed_bytes += static_cast<uint64_t>(st.st_size);
  }
  return report;
}

std::string FormatRejectsTable(const RejectsReport& report) {
  RejectFileReport total;
  for (const RejectFileReport& f : report.files) {
    total.entries += f.entries;
    total.records += f.records;
    total.replayable += f.replayable;
    total.needs_force += f.needs_force;
    total.never += f.never;
  }
  std::string out;
  if (report.files.empty()) {
    out = "No rejects in " + report.rejects_dir + ".\n";
  } else {
    out = "Rejects in " + report.rejects_dir + ": " + Count(report.files.size(), "file", "files") +
          ", " + Count(total.entries, "entry", "entries") + ", " + RecordsText(total) + "\n";
  }
  for (const RejectFileReport& f : report.files) {
    out += "\n" + f.name + "\n  " + Count(f.entries, "entry", "entries") + ", " + RecordsText(f) +
           ", " + Count(f.bytes, "byte", "bytes") + ", written " +
           Age(report.measured_at - f.modified_at) + " ago\n";
    for (const RejectReasonCount& reason : f.reasons) {
      out += "  " + Count(reason.entries, "entry", "entries") + ": " + reason.reason + "\n";
    }
  }
  for (const std::string& name : report.replaying) {
    out += "\nInterrupted replay of " + name +
           " (in rejects/replaying/): the next logroute-recv --replay-rejects finishes it\n";
  }
  if (report.replayed_files > 0) {
    out += "\nReplayed: " + Count(report.replayed_files, "file", "files") + ", " +
           Count(report.replayed_bytes, "byte", "bytes") +
           " in rejects/replayed/ (logroute-flush --purge-rejects AGE deletes old ones)\n";
  }
  return out;
}

std::string FormatRejectsJson(const RejectsReport& report) {
  using nlohmann::json;
  json files = json::array();
  json totals = {{"files", report.files.size()},
                 {"entries", 0},
                 {"records", 0},
                 {"replayable", 0},
                 {"needs_force", 0},
                 {"never", 0}};
  for (const RejectFileReport& f : report.files) {
    json reasons = json::array();
    for (const RejectReasonCount& reason : f.reasons) {
      reasons.push_back({{"reason", reason.reason}, {"entries", reason.entries}});
    }
    files.push_back({{"file", f.name},
                     {"bytes", f.bytes},
                     {"modified_at", f.modified_at},
                     {"age_seconds", std::max<int64_t>(0, report.measured_at - f.modified_at)},
                     {"entries", f.entries},
                     {"unreadable", f.unreadable},
                     {"records", f.records},
                     {"replayable", f.replayable},
                     {"needs_force", f.needs_force},
                     {"never", f.never},
                     {"reasons", reasons}});
    for (const char* key : {"entries", "records", "replayable", "needs_force", "never"}) {
      totals[key] = totals[key].get<uint64_t>() + files.back()[key].get<uint64_t>();
    }
  }
  json doc = {{"format", 1},
              {"rejects_dir", report.rejects_dir},
              {"measured_at", report.measured_at},
              {"files", files},
              {"replaying", report.replaying},
              {"replayed", {{"files", report.replayed_files}, {"bytes", report.replayed_bytes}}},
              {"totals", totals}};
  // Reasons quote the database and file names come from the disk: neither is
  // sure to be UTF-8, which JSON needs.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace logroute::stat
