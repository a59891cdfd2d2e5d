#include "libcore/metrics/prometheus_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace logroute::metrics {
namespace {

TEST(PrometheusTextTest, FamilyThenSamples) {
  PrometheusText text;
  text.Family("logroute_x_total", "counter", "Things.");
  text.Sample("logroute_x_total", {{"table", "logs"}, {"code", "201"}}, uint64_t{3});
  text.Sample("logroute_x_total", {}, int64_t{-1});
  EXPECT_EQ(text.text(),
            "# HELP logroute_x_total Things.\n"
            "# TYPE logroute_x_total counter\n"
            "logroute_x_total{table=\"logs\",code=\"201\"} 3\n"
            "logroute_x_total -1\n");
}

TEST(PrometheusTextTest, LabelValuesAreEscaped) {
  PrometheusText text;
  text.Sample("m", {{"event_name", "a\"b\\c\nd é"}}, uint64_t{1});
  EXPECT_EQ(text.text(), "m{event_name=\"a\\\"b\\\\c\\nd é\"} 1\n");
}

TEST(PrometheusTextTest, HelpEscapesBackslashAndLineBreakOnly) {
  PrometheusText text;
  text.Family("m", "gauge", "a \"quoted\" \\ word\nnext");
  EXPECT_EQ(text.text(), "# HELP m a \"quoted\" \\\\ word\\nnext\n# TYPE m gauge\n");
}

TEST(PrometheusTextTest, FloatsAreShortestRoundTrip) {
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.00005), "5e-05");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(1796171411.6333957), "1796171411.6333957");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

}  // namespace
}  // namespace logroute::metrics
