#include "libcore/spool/reject_file.h"

#include <algorithm>
#include <cstdio>

#include "libcore/base/crc32c.h"
#include "libcore/base/file_util.h"
#include "libcore/spool/record.h"

namespace logroute::spool {
namespace {

constexpr size_t kCrcDigits = 8;

constexpr const char* kTornBatch =
    "part of a batch that did not land whole (a torn tail): its sender was told it failed and "
    "may have sent it again, so replaying it may store its events twice";

// `line` with its checksum made to match: what DecodeRecord would take if
// only the checksum were wrong. Empty when the line has no checksum field.
std::string WithFreshChecksum(std::string_view line) {
  if (line.size() <= kCrcDigits || line[kCrcDigits] != '\t') return {};
  char hex[kCrcDigits + 1];
  std::snprintf(hex, sizeof hex, "%08x", Crc32c(line.substr(kCrcDigits + 1)));
  std::string fixed(line);
  fixed.replace(0, kCrcDigits, hex, kCrcDigits);
  return fixed;
}

void CopyFields(const Record& record, RejectedRecord* out) {
  out->recv_ts = record.recv_ts;
  out->table = std::string(record.table);
  out->unix_ts = record.unix_ts;
  out->user_id = record.user_id;
  UnescapeName(record.escaped_name, &out->event_name);
  out->event_id = std::string(record.event_id);
}

RejectedRecord Judge(std::string_view line, bool torn_region) {
  RejectedRecord judged;
  judged.line = std::string(line);
  const Result<Record> record = DecodeRecord(line);
  if (record.ok()) {
    CopyFields(*record, &judged);
    judged.verdict = torn_region ? Replayability::kNeedsForce : Replayability::kReplayable;
    if (torn_region) judged.why = kTornBatch;
    return judged;
  }
  const std::string& reason = record.status().message();
  const std::string fixed = WithFreshChecksum(line);
  const Result<Record> beyond_checksum = fixed.empty() ? record : DecodeRecord(fixed);
  if (!beyond_checksum.ok()) {
    judged.why = beyond_checksum.status().message();
    return judged;
  }
  CopyFields(*beyond_checksum, &judged);
  judged.verdict = Replayability::kNeedsForce;
  judged.why = torn_region ? reason + "; " + kTornBatch : reason;
  return judged;
}

}  // namespace

std::vector<RejectedRecord> RecordsOf(const RejectEntry& entry) {
  std::vector<RejectedRecord> records;
  const bool torn_region = entry.position.starts_with("byte ");
  if (!torn_region) {
    records.push_back(Judge(entry.data, false));
    return records;
  }
  std::string_view data = entry.data;
  for (size_t newline; (newline = data.find('\n')) != std::string_view::npos;) {
    records.push_back(Judge(data.substr(0, newline), true));
    data.remove_prefix(newline + 1);
  }
  if (!data.empty()) {
    RejectedRecord cut;
    cut.line = std::string(data);
    cut.why = "cut short: the writer stopped inside this record (no line end)";
    records.push_back(std::move(cut));
  }
  return records;
}

std::vector<RejectFileEntry> ParseRejectFile(std::string_view content) {
  std::vector<RejectFileEntry> entries;
  uint64_t line_number = 0;
  while (!content.empty()) {
    const size_t newline = content.find('\n');
    const size_t length = newline == std::string_view::npos ? content.size() : newline + 1;
    RejectFileEntry parsed;
    parsed.line_number = ++line_number;
    parsed.text = std::string(content.substr(0, length));
    std::string_view line = content.substr(0, length);
    if (line.ends_with('\n')) line.remove_suffix(1);
    parsed.decoded = DecodeRejectEntry(line, &parsed.entry);
    if (parsed.decoded.ok()) {
      parsed.torn_region = parsed.entry.position.starts_with("byte ");
      parsed.records = RecordsOf(parsed.entry);
    }
    entries.push_back(std::move(parsed));
    content.remove_prefix(length);
  }
  return entries;
}

Result<std::vector<RejectFileEntry>> ReadRejectFile(Env& env, const std::string& path) {
  LOGROUTE_ASSIGN_OR_RETURN(std::string content, ReadFile(env, path));
  return ParseRejectFile(content);
}

Result<std::vector<std::string>> ListNamesEndingIn(Env& env, const std::string& dir,
                                                   std::string_view suffix) {
  Result<std::vector<std::string>> listed = env.ListDir(dir);
  if (!listed.ok()) {
    if (listed.status().code() == Code::kNotFound) return std::vector<std::string>{};
    return listed.status();
  }
  std::vector<std::string> names;
  for (std::string& name : *listed) {
    if (name.ends_with(suffix)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace logroute::spool
