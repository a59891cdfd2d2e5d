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

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
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
  text_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
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

}  // namespace logroute::metrics
