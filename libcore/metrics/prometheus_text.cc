#include "libcore/metrics/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace logroute::metrics {

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

void AppendLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

namespace {

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

void PrometheusText::Family(std::string_view name, MetricType type, std::string_view help) {
  text_.append("# HELP ").append(name).append(" ");
  // HELP text escapes only \ and LF.
  for (char c : help) {
    if (c == '\\') {
      text_.append("\\\\");
    } else if (c == '\n') {
      text_.append("\\n");
    } else {
      text_.push_back(c);
    }
  }
  text_.append("\n# TYPE ").append(name).append(" ").append(TypeName(type)).append("\n");
}

void PrometheusText::Series(std::string_view name, std::initializer_list<Label> labels) {
  text_.append(name);
  if (labels.size() == 0) return;
  text_.push_back('{');
  bool first = true;
  for (const Label& label : labels) {
    if (!first) text_.push_back(',');
    first = false;
    text_.append(label.name).append("=\"");
    AppendLabelValue(label.value, &text_);
    text_.push_back('"');
  }
  text_.push_back('}');
}

void PrometheusText::Sample(std::string_view name, std::initializer_list<Label> labels,
                            uint64_t value) {
  Series(name, labels);
  text_.append(" ").append(std::to_string(value)).append("\n");
}

void PrometheusText::Sample(std::string_view name, std::initializer_list<Label> labels,
                            int64_t value) {
  Series(name, labels);
  text_.append(" ").append(std::to_string(value)).append("\n");
}

void PrometheusText::Sample(std::string_view name, std::initializer_list<Label> labels,
                            double value) {
  Series(name, labels);
  text_.append(" ").append(FormatValue(value)).append("\n");
}

void PrometheusText::Histogram(std::string_view name, std::string_view help,
                               std::span<const double> bounds, std::span<const uint64_t> counts,
                               double sum) {
  Family(name, MetricType::kHistogram, help);
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    Sample(bucket, {{"le", FormatValue(bounds[i])}}, cumulative);
  }
  cumulative += counts[bounds.size()];
  Sample(bucket, {{"le", "+Inf"}}, cumulative);
  Sample(std::string(name) + "_sum", {}, sum);
  Sample(std::string(name) + "_count", {}, cumulative);  // consistent with +Inf
}

std::string LabelValueOf(std::string_view line, std::string_view label) {
  const std::string key = std::string(label) + "=\"";
  size_t at = line.find(key);
  // A label name starts after '{' or ','; "xspool=" is not "spool=".
  while (at != std::string_view::npos && at > 0 && line[at - 1] != '{' && line[at - 1] != ',') {
    at = line.find(key, at + 1);
  }
  if (at == std::string_view::npos) return "";
  std::string value;
  for (size_t i = at + key.size(); i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      ++i;
      value.push_back(line[i] == 'n' ? '\n' : line[i]);
    } else {
      value.push_back(line[i]);
    }
  }
  return value;
}

std::optional<double> SampleValueOf(std::string_view line) {
  const size_t space = line.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  double value = 0;
  const char* end = line.data() + line.size();
  const auto result = std::from_chars(line.data() + space + 1, end, value);
  if (result.ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace logroute::metrics
