#include "tools/logroute-flush/textfile.h"

#include <set>
#include <sstream>

#include "libcore/base/file_util.h"
#include "libcore/metrics/prometheus_text.h"
#include "libcore/metrics/textfile.h"

namespace logroute::flush {
namespace {

constexpr std::string_view kLastSuccess = "logroute_flush_last_success_timestamp_seconds";
constexpr std::string_view kRows = "logroute_flush_last_pass_rows";

// What a previous file tells the next one.
struct Previous {
  double last_success = 0;
  std::string spool_id;
  std::set<std::string> tables;
};

Previous ReadPrevious(std::string_view text) {
  Previous previous;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(kLastSuccess) && line.size() > kLastSuccess.size() &&
        (line[kLastSuccess.size()] == '{' || line[kLastSuccess.size()] == ' ')) {
      if (std::optional<double> value = metrics::SampleValueOf(line)) {
        previous.last_success = *value;
      }
      previous.spool_id = metrics::LabelValueOf(line, "spool");
    } else if (line.starts_with(std::string(kRows) + "{")) {
      if (std::string table = metrics::LabelValueOf(line, "table"); !table.empty()) {
        previous.tables.insert(std::move(table));
      }
    }
  }
  return previous;
}

}  // namespace

std::string FormatPassMetrics(const PassMetrics& pass, std::string_view previous_text) {
  const Previous previous = ReadPrevious(previous_text);
  const std::string spool = pass.spool_id.empty() ? previous.spool_id : pass.spool_id;
  const FlushStats& stats = pass.stats;
  metrics::PrometheusText out;
  auto gauge = [&](std::string_view name, std::string_view help, auto value) {
    out.Family(name, metrics::MetricType::kGauge, help);
    out.Sample(name, {{"spool", spool}}, value);
  };
  gauge("logroute_flush_last_pass_timestamp_seconds", "When the last flush pass ended.",
        pass.ended_at);
  gauge("logroute_flush_last_pass_success", "1 when the last pass moved everything, else 0.",
        uint64_t{pass.success ? 1u : 0u});
  gauge(kLastSuccess, "When a flush pass last moved everything (0: never).",
        pass.success ? pass.ended_at : previous.last_success);
  gauge("logroute_flush_last_pass_duration_seconds",
        "How long the last pass took, connecting included.", pass.seconds);
  gauge("logroute_flush_last_pass_segments", "Segments the last pass committed.", stats.segments);
  out.Family(kRows, metrics::MetricType::kGauge, "Rows the last pass committed, by table.");
  std::set<std::string> tables = previous.tables;
  for (const auto& [table, rows] : stats.per_table) {
    out.Sample(kRows, {{"spool", spool}, {"table", table}}, rows);
    tables.erase(table);
  }
  // A table that got rows before and none now reads 0, rather than vanishing.
  for (const std::string& table : tables) {
    out.Sample(kRows, {{"spool", spool}, {"table", table}}, uint64_t{0});
  }
  gauge("logroute_flush_last_pass_rejected_records", "Records the last pass sent to rejects/.",
        stats.rejected);
  gauge("logroute_flush_last_pass_deduplicated_rows",
        "Rows the last pass left out: their event_id was in the table already.",
        stats.deduplicated);
  gauge("logroute_flush_last_pass_failed_segments",
        "Segments the last pass kept on disk after an error.", stats.failed_segments);
  gauge("logroute_flush_last_pass_failed_shards",
        "Shards the last pass could not seal, or refused as a copy.", stats.failed_shards);
  return out.Take();
}

Status WritePassMetrics(const std::string& path, const PassMetrics& pass) {
  // A missing or unreadable previous file only loses what it carried over.
  Result<std::string> previous = ReadFile(*Env::Default(), path);
  return metrics::WriteTextfile(path,
                                FormatPassMetrics(pass, previous.ok() ? *previous : std::string()));
}

}  // namespace logroute::flush
