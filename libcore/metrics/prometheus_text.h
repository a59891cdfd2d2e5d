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
#include <string>
#include <string_view>

namespace logroute::metrics {

struct Label {
  std::string_view name;
  std::string_view value;
};

class PrometheusText {
 public:
  // Starts a metric family: its HELP and TYPE lines ("counter", "gauge",
  // "histogram"). Samples of the family follow.
  void Family(std::string_view name, std::string_view type, std::string_view help);

  void Sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void Sample(std::string_view name, std::initializer_list<Label> labels, int64_t value);
  // The shortest text that reads back as `value` ("0.25", "5e-05", "+Inf").
  void Sample(std::string_view name, std::initializer_list<Label> labels, double value);

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

}  // namespace logroute::metrics
