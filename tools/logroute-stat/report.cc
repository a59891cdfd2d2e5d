#include "tools/logroute-stat/report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "libcore/metrics/prometheus_text.h"

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

std::string Seconds(int64_t seconds) {
  return WithSeparators(static_cast<uint64_t>(std::max<int64_t>(0, seconds))) + " s";
}

// "1 event", "2 events", "1,000 events".
std::string Counted(uint64_t count, const char* singular, const char* plural) {
  return WithSeparators(count) + " " + (count == 1 ? singular : plural);
}

std::string Bar(uint64_t value, uint64_t max, size_t width) {
  const size_t filled =
      max == 0 ? 0 : static_cast<size_t>((value * width + max - 1) / max);  // any backlog shows
  return std::string(filled, '#') + std::string(width - filled, '.');
}

void AppendRow(std::string* out, const char* format, auto... args) {
  char line[512];
  const int n = std::snprintf(line, sizeof line, format, args...);
  if (n > 0) out->append(line, std::min(static_cast<size_t>(n), sizeof line - 1));
}

}  // namespace

std::string WithSeparators(uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatTable(const Report& report) {
  const spool::Backlog& backlog = report.backlog;
  uint64_t max_events = 0;
  for (const auto& s : backlog.shards)
    max_events = std::max(max_events, s.active.events + s.sealed.events);
  std::string out;
  AppendRow(&out, "spool %s (id %s)\n", backlog.spool_dir.c_str(), backlog.spool_id.c_str());
  // Two spaces between columns: the titles have spaces of their own.
  AppendRow(&out, "%-5s  %13s  %11s  %8s  %13s  %11s  %9s  %5s  %s\n", "shard", "active events",
            "active size", "segments", "sealed events", "sealed size", "oldest", "locks",
            "backlog");
  for (const auto& s : backlog.shards) {
    AppendRow(&out, "%-5d  %13s  %11s  %8s  %13s  %11s  %9s  %5s  %s\n", s.shard,
              WithSeparators(s.active.events).c_str(), HumanBytes(s.active.bytes).c_str(),
              WithSeparators(s.segments).c_str(), WithSeparators(s.sealed.events).c_str(),
              HumanBytes(s.sealed.bytes).c_str(), Seconds(AgeOf(backlog, s.oldest_recv_ts)).c_str(),
              WithSeparators(s.locks_held).c_str(),
              Bar(s.active.events + s.sealed.events, max_events, 20).c_str());
  }
  if (!report.tables.empty()) {
    size_t width = 5;
    for (const auto& [table, t] : report.tables) width = std::max(width, table.size());
    const int w = static_cast<int>(width);
    AppendRow(&out, "\n%-*s  %13s  %11s  %9s\n", w, "table", "events", "size", "oldest");
    for (const auto& [table, t] : report.tables) {
      AppendRow(&out, "%-*s  %13s  %11s  %9s\n", w, table.c_str(), WithSeparators(t.events).c_str(),
                HumanBytes(t.bytes).c_str(), Seconds(AgeOf(backlog, t.oldest_recv_ts)).c_str());
    }
  }
  out += "\ntotal: " + Counted(backlog.TotalEvents(), "event", "events") + ", " +
         HumanBytes(backlog.TotalBytes()) + ", " +
         Counted(backlog.TotalSegments(), "segment", "segments") + ", oldest " +
         Seconds(backlog.OldestAgeSeconds()) +
         "; rejects: " + Counted(backlog.rejects.entries, "entry", "entries") + " in " +
         Counted(backlog.rejects.files, "file", "files") + "\n";
  return out;
}

std::string FormatJson(const Report& report) {
  using nlohmann::json;
  const spool::Backlog& backlog = report.backlog;
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
  json tables = json::array();
  for (const auto& [table, t] : report.tables) {
    tables.push_back({{"table", table},
                      {"events", t.events},
                      {"bytes", t.bytes},
                      {"oldest_age_seconds", AgeOf(backlog, t.oldest_recv_ts)}});
  }
  json doc = {
      {"format", 1},
      {"spool", backlog.spool_dir},
      {"spool_id", backlog.spool_id},
      {"measured_at", backlog.measured_at},
      {"shards", shards},
      {"tables", tables},
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

std::string FormatPrometheus(const Report& report) {
  constexpr metrics::MetricType kGauge = metrics::MetricType::kGauge;
  const spool::Backlog& backlog = report.backlog;
  metrics::PrometheusText out;
  const std::string& id = backlog.spool_id;
  std::vector<std::string> shard_names;
  for (const auto& s : backlog.shards) shard_names.push_back(std::to_string(s.shard));

  // One gauge family with a sample per shard: value(s) picks the number.
  auto per_shard = [&](const char* name, const char* help, auto value) {
    out.Family(name, kGauge, help);
    for (size_t i = 0; i < backlog.shards.size(); ++i) {
      out.Sample(name, {{"spool", id}, {"shard", shard_names[i]}}, value(backlog.shards[i]));
    }
  };
  auto per_state = [&](const char* name, const char* help, auto active, auto sealed) {
    out.Family(name, kGauge, help);
    for (size_t i = 0; i < backlog.shards.size(); ++i) {
      const spool::ShardBacklog& s = backlog.shards[i];
      out.Sample(name, {{"spool", id}, {"shard", shard_names[i]}, {"state", "active"}}, active(s));
      out.Sample(name, {{"spool", id}, {"shard", shard_names[i]}, {"state", "sealed"}}, sealed(s));
    }
  };
  using Shard = spool::ShardBacklog;
  per_state(
      "logroute_spool_events", "Events waiting in the spool, by shard and state.",
      [](const Shard& s) { return s.active.events; },
      [](const Shard& s) { return s.sealed.events; });
  per_state(
      "logroute_spool_bytes", "Bytes waiting in the spool, by shard and state.",
      [](const Shard& s) { return s.active.bytes; }, [](const Shard& s) { return s.sealed.bytes; });
  per_shard("logroute_spool_segments", "Sealed segments waiting for flush, by shard.",
            [](const Shard& s) { return s.segments; });
  per_shard("logroute_spool_oldest_event_age_seconds",
            "Seconds the oldest waiting event has waited, by shard (0 when empty).",
            [&](const Shard& s) { return AgeOf(backlog, s.oldest_recv_ts); });
  per_shard("logroute_spool_locks_held", "Flocks held on the shard and its segments.",
            [](const Shard& s) { return s.locks_held; });

  out.Family("logroute_spool_table_events", kGauge,
             "Events waiting in the spool, by destination table.");
  for (const auto& [table, t] : report.tables) {
    out.Sample("logroute_spool_table_events", {{"spool", id}, {"table", table}}, t.events);
  }
  out.Family("logroute_spool_table_oldest_event_age_seconds", kGauge,
             "Seconds the oldest event waiting for each destination table has waited.");
  for (const auto& [table, t] : report.tables) {
    out.Sample("logroute_spool_table_oldest_event_age_seconds", {{"spool", id}, {"table", table}},
               AgeOf(backlog, t.oldest_recv_ts));
  }

  out.Family("logroute_spool_reject_entries", kGauge,
             "Entries in rejects/ (kept for an operator).");
  out.Sample("logroute_spool_reject_entries", {{"spool", id}}, backlog.rejects.entries);
  out.Family("logroute_spool_reject_files", kGauge, "Files in rejects/.");
  out.Sample("logroute_spool_reject_files", {{"spool", id}}, backlog.rejects.files);
  out.Family("logroute_spool_measured_timestamp_seconds", kGauge,
             "When this backlog was measured.");
  out.Sample("logroute_spool_measured_timestamp_seconds", {{"spool", id}}, backlog.measured_at);
  return out.Take();
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

std::string FormatWatchScreen(const Report& report, double interval_seconds,
                              const Thresholds& thresholds) {
  const std::time_t measured = static_cast<std::time_t>(report.backlog.measured_at);
  std::tm local = {};
  localtime_r(&measured, &local);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &local);
  char header[96];
  std::snprintf(header, sizeof header, "Every %gs: logroute-stat    %s\n\n", interval_seconds,
                when);
  std::string out = "\033[H\033[2J";  // cursor home, clear screen
  out += header;
  out += FormatTable(report);
  const std::string crossed = CheckThresholds(report.backlog, thresholds);
  if (!crossed.empty()) out += "\nTHRESHOLD CROSSED: " + crossed + "\n";
  return out;
}

}  // namespace logroute::stat
