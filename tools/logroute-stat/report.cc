#include "tools/logroute-stat/report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace logroute::stat {
namespace {

int64_t AgeOf(const spool::Backlog& backlog, int64_t oldest_recv_ts) {
  return oldest_recv_ts < 0 ? 0 : std::max<int64_t>(0, backlog.measured_at - oldest_recv_ts);
}

std::string HumanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

std::string Bar(uint64_t value, uint64_t max, size_t width) {
  const size_t filled =
      max == 0 ? 0 : static_cast<size_t>((value * width + max - 1) / max);  // any backlog shows
  return std::string(filled, '#') + std::string(width - filled, '.');
}

}  // namespace

std::string FormatTable(const spool::Backlog& backlog) {
  uint64_t max_events = 0;
  for (const auto& s : backlog.shards)
    max_events = std::max(max_events, s.active.events + s.sealed.events);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "spool %s (id %s)\n", backlog.spool_dir.c_str(),
                backlog.spool_id.c_str());
  out += line;
  std::snprintf(line, sizeof line, "%-8s %12s %10s %5s %12s %10s %8s %5s  %s\n", "shard", "active",
                "bytes", "segs", "sealed", "bytes", "age_s", "locks", "backlog");
  out += line;
  for (const auto& s : backlog.shards) {
    std::snprintf(line, sizeof line, "%-8d %12llu %10s %5llu %12llu %10s %8lld %5llu  %s\n",
                  s.shard, static_cast<unsigned long long>(s.active.events),
                  HumanBytes(s.active.bytes).c_str(), static_cast<unsigned long long>(s.segments),
                  static_cast<unsigned long long>(s.sealed.events),
                  HumanBytes(s.sealed.bytes).c_str(),
                  static_cast<long long>(AgeOf(backlog, s.oldest_recv_ts)),
                  static_cast<unsigned long long>(s.locks_held),
                  Bar(s.active.events + s.sealed.events, max_events, 20).c_str());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "total: %llu events, %s, %llu segments, oldest %lld s; rejects: %llu entries in "
                "%llu files\n",
                static_cast<unsigned long long>(backlog.TotalEvents()),
                HumanBytes(backlog.TotalBytes()).c_str(),
                static_cast<unsigned long long>(backlog.TotalSegments()),
                static_cast<long long>(backlog.OldestAgeSeconds()),
                static_cast<unsigned long long>(backlog.rejects.entries),
                static_cast<unsigned long long>(backlog.rejects.files));
  out += line;
  return out;
}

std::string FormatJson(const spool::Backlog& backlog) {
  using nlohmann::json;
  json shards = json::array();
  for (const auto& s : backlog.shards) {
    shards.push_back({
        {"shard", s.shard},
        {"active", {{"events", s.active.events}, {"bytes", s.active.bytes}}},
        {"sealed",
         {{"segments", s.segments}, {"events", s.sealed.events}, {"bytes", s.sealed.bytes}}},
        {"events", s.active.events + s.sealed.events},
        {"oldest_age_seconds", AgeOf(backlog, s.oldest_recv_ts)},
        {"locks_held", s.locks_held},
    });
  }
  json doc = {
      {"format", 1},
      {"spool", backlog.spool_dir},
      {"spool_id", backlog.spool_id},
      {"measured_at", backlog.measured_at},
      {"shards", shards},
      {"rejects",
       {{"files", backlog.rejects.files},
        {"entries", backlog.rejects.entries},
        {"bytes", backlog.rejects.bytes}}},
      {"totals",
       {{"events", backlog.TotalEvents()},
        {"bytes", backlog.TotalBytes()},
        {"segments", backlog.TotalSegments()},
        {"oldest_age_seconds", backlog.OldestAgeSeconds()}}},
  };
  return doc.dump(2) + "\n";
}

std::string FormatPrometheus(const spool::Backlog& backlog) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto sample = [&](const char* name, const std::string& labels, uint64_t value) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on
    // `" " + std::to_string(value)` (GCC bug 105329).
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  const std::string spool_label = "spool=\"" + backlog.spool_id + "\"";
  auto shard_label = [&](int shard, const char* state) {
    return spool_label + ",shard=\"" + std::to_string(shard) + "\"" +
           (state ? std::string(",state=\"") + state + "\"" : "");
  };

  family("logroute_spool_events", "gauge", "Events waiting in the spool, by shard and state.");
  for (const auto& s : backlog.shards) {
    sample("logroute_spool_events", shard_label(s.shard, "active"), s.active.events);
    sample("logroute_spool_events", shard_label(s.shard, "sealed"), s.sealed.events);
  }
  family("logroute_spool_bytes", "gauge", "Bytes waiting in the spool, by shard and state.");
  for (const auto& s : backlog.shards) {
    sample("logroute_spool_bytes", shard_label(s.shard, "active"), s.active.bytes);
    sample("logroute_spool_bytes", shard_label(s.shard, "sealed"), s.sealed.bytes);
  }
  family("logroute_spool_segments", "gauge", "Sealed segments waiting for flush, by shard.");
  for (const auto& s : backlog.shards) {
    sample("logroute_spool_segments", shard_label(s.shard, nullptr), s.segments);
  }
  family("logroute_spool_oldest_event_age_seconds", "gauge",
         "Seconds the oldest waiting event has waited, by shard (0 when empty).");
  for (const auto& s : backlog.shards) {
    sample("logroute_spool_oldest_event_age_seconds", shard_label(s.shard, nullptr),
           static_cast<uint64_t>(AgeOf(backlog, s.oldest_recv_ts)));
  }
  family("logroute_spool_locks_held", "gauge", "Flocks held on the shard and its segments.");
  for (const auto& s : backlog.shards) {
    sample("logroute_spool_locks_held", shard_label(s.shard, nullptr), s.locks_held);
  }
  family("logroute_spool_reject_entries", "gauge", "Entries in rejects/ (kept for an operator).");
  sample("logroute_spool_reject_entries", spool_label, backlog.rejects.entries);
  family("logroute_spool_reject_files", "gauge", "Files in rejects/.");
  sample("logroute_spool_reject_files", spool_label, backlog.rejects.files);
  family("logroute_spool_measured_timestamp_seconds", "gauge", "When this backlog was measured.");
  sample("logroute_spool_measured_timestamp_seconds", spool_label,
         static_cast<uint64_t>(backlog.measured_at));
  return out;
}

std::string CheckThresholds(const spool::Backlog& backlog, const Thresholds& thresholds) {
  std::string crossed;
  if (thresholds.max_age_seconds && backlog.OldestAgeSeconds() > *thresholds.max_age_seconds) {
    crossed += "oldest event waited " + std::to_string(backlog.OldestAgeSeconds()) +
               " s > --max-age " + std::to_string(*thresholds.max_age_seconds);
  }
  if (thresholds.max_events && backlog.TotalEvents() > *thresholds.max_events) {
    if (!crossed.empty()) crossed += "; ";
    crossed += std::to_string(backlog.TotalEvents()) + " events waiting > --max-events " +
               std::to_string(*thresholds.max_events);
  }
  return crossed;
}

std::string FormatWatchScreen(const spool::Backlog& backlog, double interval_seconds,
                              const Thresholds& thresholds) {
  const std::time_t measured = static_cast<std::time_t>(backlog.measured_at);
  std::tm local = {};
  localtime_r(&measured, &local);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &local);
  char header[96];
  std::snprintf(header, sizeof header, "Every %gs: logroute-stat    %s\n\n", interval_seconds,
                when);
  std::string out = "\033[H\033[2J";  // cursor home, clear screen
  out += header;
  out += FormatTable(backlog);
  const std::string crossed = CheckThresholds(backlog, thresholds);
  if (!crossed.empty()) out += "\nTHRESHOLD CROSSED: " + crossed + "\n";
  return out;
}

}  // namespace logroute::stat
