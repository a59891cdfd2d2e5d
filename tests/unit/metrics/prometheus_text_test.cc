#include "libcore/metrics/prometheus_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace logroute::metrics {
namespace {

TEST(PrometheusTextTest, FamilyThenSamples) {
  PrometheusText text;
  text.Family("logroute_x_total", MetricType::kCounter, "Things.");
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
  text.Family("m", MetricType::kGauge, "a \"quoted\" \\ word\nnext");
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

TEST(PrometheusTextTest, AHistogramHasCumulativeBucketsASumAndACount) {
  PrometheusText text;
  const double bounds[] = {0.001, 0.5};
  const uint64_t counts[] = {2, 0, 1};  // the last: past every bound
  text.Histogram("logroute_x_seconds", "Times.", bounds, counts, 3.25);
  EXPECT_EQ(text.text(),
            "# HELP logroute_x_seconds Times.\n"
            "# TYPE logroute_x_seconds histogram\n"
            "logroute_x_seconds_bucket{le=\"0.001\"} 2\n"
            "logroute_x_seconds_bucket{le=\"0.5\"} 2\n"
            "logroute_x_seconds_bucket{le=\"+Inf\"} 3\n"
            "logroute_x_seconds_sum 3.25\n"
            "logroute_x_seconds_count 3\n");
}

TEST(PrometheusTextTest, ASampleLineReadsBack) {
  PrometheusText text;
  text.Sample("m", {{"xspool", "no"}, {"spool", "a\"b\\c\nd"}, {"table", "logs"}}, 1.5);
  const std::string line = text.text().substr(0, text.text().size() - 1);
  EXPECT_EQ(LabelValueOf(line, "spool"), "a\"b\\c\nd");
  EXPECT_EQ(LabelValueOf(line, "table"), "logs");
  EXPECT_EQ(LabelValueOf(line, "pool"), "") << "a label is matched by its whole name";
  EXPECT_EQ(SampleValueOf(line), 1.5);
  EXPECT_EQ(SampleValueOf("m{a=\"b\"} x"), std::nullopt);
}

}  // namespace
}  // namespace logroute::metrics
