// unix_ts and user_id against the original service's serializer: Django REST
// framework's IntegerField (fields.py: a string longer than 1000 characters
// is refused, then int(re.sub(r'\.0*\s*$', '', str(value)))), on a model's
// BIGINT columns (min and max of int64). Each row gives DRF's verdict and
// ours; where they differ, the row says why (doc/event.md lists the same).
// The same strings through form fields (ParseFields) get the same verdicts.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libcore/event/event.h"

namespace logroute::event {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

struct Row {
  std::string json;             // the JSON value of unix_ts
  std::optional<int64_t> drf;   // DRF: the value it takes, or nullopt: refused
  std::optional<int64_t> ours;  // logroute: the same, or nullopt: refused (400)
  std::string why;              // where drf != ours
};

Row Same(std::string json, std::optional<int64_t> value) {
  return {std::move(json), value, value, ""};
}

std::vector<Row> Rows() {
  const std::string long_digits = "\"" + std::string(1000, '0') + "7\"";  // 1001 characters
  return {
      // JSON integers.
      Same("1684129671", 1684129671),
      Same("-5", -5),
      Same("9223372036854775807", kMax),
      Same("9223372036854775808", std::nullopt),  // past BIGINT (DRF: max_value)
      // Strings of integers, as the issue's example.
      Same(R"("1684129671")", 1684129671),
      Same(R"("1684129671.0")", 1684129671),
      Same(R"("1684129671.000")", 1684129671),
      Same(R"("1684129671.")", 1684129671),
      Same(R"("12.5")", std::nullopt),
      Same(R"("5.1")", std::nullopt),
      Same(R"("5.0.0")", std::nullopt),
      Same(R"(".0")", std::nullopt),
      Same(R"(".5")", std::nullopt),
      // Whitespace, signs, leading zeros, underscores: Python's int().
      Same(R"(" 5 ")", 5),
      Same(R"("\t5\n")", 5),
      Same(R"("\u001c5\u001f")", 5),  // Python counts \x1c-\x1f as whitespace
      Same(R"("5.0 ")", 5),
      Same(R"("5 .0")", 5),  // the suffix goes first, then int() strips the space
      Same(R"("+5")", 5),
      Same(R"("-5")", -5),
      Same(R"("-0")", 0),
      Same(R"("007")", 7),
      Same(R"("1_000")", 1000),
      Same(R"("1__000")", std::nullopt),
      Same(R"("_1")", std::nullopt),
      Same(R"("1_")", std::nullopt),
      Same(R"("- 5")", std::nullopt),
      Same(R"("+-5")", std::nullopt),
      Same(R"("")", std::nullopt),
      Same(R"(" ")", std::nullopt),
      Same(R"("abc")", std::nullopt),
      Same(R"("1e3")", std::nullopt),
      Same(R"("0x10")", std::nullopt),
      Same(R"("9223372036854775807")", kMax),
      Same(R"("-9223372036854775808")", kMin),
      Same(R"("9223372036854775808")", std::nullopt),
      Same(long_digits, std::nullopt),  // "String value too large."
      // JSON numbers with a fraction or an exponent: DRF reads str(float).
      Same("5.0", 5),
      Same("-0.0", 0),
      Same("1684129671.0", 1684129671),
      Same("1e3", 1000),
      Same("1E3", 1000),
      Same("1.5e1", 15),
      Same("12.5", std::nullopt),
      Same("1e-3", std::nullopt),
      Same("1e19", std::nullopt),
      // Neither numbers nor strings.
      Same("true", std::nullopt),
      Same("false", std::nullopt),
      Same("null", std::nullopt),
      Same("[1]", std::nullopt),
      Same(R"({"v":1})", std::nullopt),
      // Where logroute differs, on purpose.
      {"1.0000000000000001", 1, std::nullopt,
       "DRF rounds to a double first; logroute never stores a value other than the one sent"},
      {"1e16", std::nullopt, 10000000000000000,
       "str(1e16) is '1e+16', which int() refuses: an artifact of Python's float repr"},
      {"9223372036854775807.0", std::nullopt, kMax,
       "the double rounds past int64; logroute reads the exact text"},
      {R"("\u0663")", 3, std::nullopt, "Python's int() takes every Unicode digit; ASCII only here"},
      {R"("\u00a05")", 5, std::nullopt,
       "Python's int() strips every Unicode space; ASCII only here"},
  };
}

std::optional<int64_t> OursFromJson(const std::string& json, std::string* errors) {
  EventParser parser;
  Event event;
  if (!parser.Parse(R"({"user_id":1,"event_name":"e","unix_ts":)" + json + "}", &event)) {
    *errors = FormatErrors(parser.errors());
    return std::nullopt;
  }
  return event.unix_ts;
}

TEST(DrfIntegerTest, EveryRowAsJson) {
  for (const Row& row : Rows()) {
    std::string errors;
    EXPECT_EQ(OursFromJson(row.json, &errors), row.ours) << row.json << ": " << errors;
    if (!row.ours) {
      EXPECT_EQ(errors.rfind("unix_ts: ", 0), 0u) << row.json << ": " << errors;
    }
    EXPECT_EQ(row.drf != row.ours, !row.why.empty()) << row.json << ": say why we differ";
  }
}

TEST(DrfIntegerTest, ErrorsSayWhatWasSent) {
  std::string errors;
  OursFromJson(R"("12.5")", &errors);
  EXPECT_EQ(errors, R"(unix_ts: expected an integer, got the string "12.5")");
  OursFromJson("12.5", &errors);
  EXPECT_EQ(errors, "unix_ts: expected an integer, got 12.5");
  OursFromJson("true", &errors);
  EXPECT_EQ(errors, "unix_ts: expected an integer, got a boolean");
  OursFromJson(R"("99999999999999999999")", &errors);
  EXPECT_EQ(errors, "unix_ts: integer out of range (must fit a signed 64-bit integer)");
  OursFromJson("1e19", &errors);
  EXPECT_EQ(errors, "unix_ts: integer out of range (must fit a signed 64-bit integer)");
  OursFromJson("\"" + std::string(1001, '1') + "\"", &errors);
  EXPECT_EQ(errors, "unix_ts: expected an integer, got a string of more than 1000 characters");
  OursFromJson("\"" + std::string(50, 'x') + "\"", &errors);
  EXPECT_EQ(errors,
            "unix_ts: expected an integer, got the string \"" + std::string(40, 'x') + "...\"");
}

// A form sends every value as text: the string rows, unquoted, are read alike.
TEST(DrfIntegerTest, StringRowsAsFormFields) {
  EventParser parser;
  int checked = 0;
  for (const Row& row : Rows()) {
    if (row.json.front() != '"') continue;
    const std::string text = nlohmann::json::parse(row.json).get<std::string>();
    Event event;
    const std::vector<std::pair<std::string, std::string>> fields = {
        {"unix_ts", text}, {"user_id", "1"}, {"event_name", "e"}};
    const bool ok = parser.ParseFields(fields, &event);
    EXPECT_EQ(ok ? std::optional<int64_t>(event.unix_ts) : std::nullopt, row.ours)
        << row.json << ": " << FormatErrors(parser.errors());
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace logroute::event
