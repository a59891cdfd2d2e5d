// Events from form fields (EventParser::ParseFields): the schema of
// doc/event.md with every value given as text.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "libcore/event/event.h"

namespace logroute::event {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(EventFieldsTest, AFormEvent) {
  EventParser parser;
  Event event;
  ASSERT_TRUE(parser.ParseFields(
      Fields{{"event_name", "login"}, {"unix_ts", "1684129671.0"}, {"user_id", " 42 "}, {"x", ""}},
      &event))
      << FormatErrors(parser.errors());
  EXPECT_EQ(event.unix_ts, 1684129671);
  EXPECT_EQ(event.user_id, 42);
  EXPECT_EQ(event.event_name, "login");
}

TEST(EventFieldsTest, EveryProblemWithItsField) {
  EventParser parser;
  Event event;
  EXPECT_FALSE(parser.ParseFields(Fields{{"unix_ts", "12.5"}, {"event_name", ""}}, &event));
  EXPECT_EQ(parser.errors(),
            (FieldErrors{{"unix_ts", "expected an integer, got the string \"12.5\""},
                         {"event_name", "must not be empty"},
                         {"user_id", "this field is required"}}));
  EXPECT_FALSE(parser.ParseFields(
      Fields{{"unix_ts", "1"}, {"user_id", "99999999999999999999"}, {"event_name", "e"}}, &event));
  EXPECT_EQ(parser.errors(),
            (FieldErrors{{"user_id", "integer out of range (must fit a signed 64-bit integer)"}}));
  EXPECT_FALSE(parser.ParseFields(Fields{}, &event));
  EXPECT_EQ(parser.errors().size(), 3u);
}

TEST(EventFieldsTest, EventNameMustBeUtf8OfAtMost255Characters) {
  EventParser parser;
  Event event;
  for (const char* bad :
       {"log\xFFin", "\xC0\xAF", "\xE2\x82", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    EXPECT_FALSE(parser.ParseFields(Fields{{"unix_ts", "1"}, {"user_id", "2"}, {"event_name", bad}},
                                    &event));
    EXPECT_EQ(parser.errors(), (FieldErrors{{"event_name", "not valid UTF-8"}}));
  }
  std::string emoji255;
  for (int i = 0; i < 255; ++i) emoji255 += "\xF0\x9F\x98\x80";
  EXPECT_TRUE(parser.ParseFields(
      Fields{{"unix_ts", "1"}, {"user_id", "2"}, {"event_name", emoji255}}, &event));
  EXPECT_EQ(event.event_name, emoji255);
  EXPECT_FALSE(parser.ParseFields(
      Fields{{"unix_ts", "1"}, {"user_id", "2"}, {"event_name", emoji255 + "a"}}, &event));
  EXPECT_EQ(parser.errors(), (FieldErrors{{"event_name", "longer than 255 characters (256)"}}));
}

TEST(EventFieldsTest, EventIdIsOptionalAndCheckedAsInJson) {
  EventParser parser;
  Event event;
  const Fields base{{"unix_ts", "1"}, {"user_id", "2"}, {"event_name", "e"}};
  Fields with_id = base;
  with_id.emplace_back("event_id", "0f8fad5b-d9cb-469f-a165-70867728950e");
  ASSERT_TRUE(parser.ParseFields(with_id, &event)) << FormatErrors(parser.errors());
  EXPECT_EQ(event.event_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  ASSERT_TRUE(parser.ParseFields(base, &event));
  EXPECT_EQ(event.event_id, "");  // a reused event keeps no earlier id
  for (const std::string& bad :
       std::vector<std::string>{"", "a b", std::string(65, 'a'), "\xC3\xA9"}) {
    Fields fields = base;
    fields.emplace_back("event_id", bad);
    EXPECT_FALSE(parser.ParseFields(fields, &event));
    EXPECT_EQ(parser.errors(),
              (FieldErrors{{"event_id", "must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"}}));
  }
}

// As in JSON, a field given twice is refused: two readers of the form (Django
// keeps the last value) must never disagree on what it says.
TEST(EventFieldsTest, AFieldGivenTwiceIsRefused) {
  EventParser parser;
  Event event;
  EXPECT_FALSE(parser.ParseFields(
      Fields{{"unix_ts", "1"}, {"user_id", "2"}, {"event_name", "e"}, {"user_id", "3"}}, &event));
  EXPECT_EQ(parser.errors(), (FieldErrors{{"user_id", "duplicate key"}}));
}

}  // namespace
}  // namespace logroute::event
