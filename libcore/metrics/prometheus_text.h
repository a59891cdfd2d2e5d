// PrometheusText: the Prometheus text exposition format (version 0.0.4), as
// GET /metrics, node_exporter's textfile collector and promtool read it.
//
//   # HELP logroute_spool_events Events waiting in the spool.
//   # TYPE logroute_spool_events gauge
//   logroute_spool_events{spool="6f1c...",shard="0"} 120
//
// Names follow logroute_<noun>_<unit>, `_total` for counters (STYLE.md); the
// caller passes valid metric and label names. Label values may hold any
// bytes: \ " and LF are escaped as the format requires.
//
// Thread safety: none; build one text per thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace logroute::metrics {

struct Label {
  std::string_view name;
  std::string_view value;
};

enum class MetricType { kCounter, kGauge, kHistogram };

class PrometheusText {
 public:
  // Starts a metric family: its HELP and TYPE lines. Samples of the family follow.
  void Family(std::string_view name, MetricType type, std::string_view help);

  void Sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void Sample(std::string_view name, std::initializer_list<Label> labels, int64_t value);
  // The shortest text that reads back as `value` ("0.25", "5e-05", "+Inf").
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);

  // A whole histogram family without labels: NAME_bucket for each of
  // `bounds` (upper bounds, ascending) and +Inf, cumulative, then NAME_sum
  // and NAME_count. `counts` holds the observations of each bucket alone,
  // one more than `bounds` (the last: past every bound).
  void Histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const uint64_t> counts, double sum);

  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  void Series(std::string_view name, std::initializer_list<Label> labels);
  std::string text_;
};

// `value` as the format writes a number: shortest round trip, "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

// Appends `value` escaped for a label value (without the quotes).
void AppendLabelValue(std::string_view value, std::string* out);

// Reading back a sample line (`name{a="x",b="y"} 12`) of a text written
// here, as flush does with its previous textfile: the value of label
// `label`, unescaped ("" when the line has none), and the sample's value,
// the number that starts after the last space (nullopt when none does).
std::string LabelValueOf(std::string_view line, std::string_view label);
std::optional<double> SampleValueOf(std::string_view line);

}  // namespace logroute::metrics
