#include "libcore/http/batch.h"

#include <gtest/gtest.h>

namespace logroute::http {
namespace {

std::vector<std::string> Texts(const std::vector<BatchItem>& items) {
  std::vector<std::string> texts;
  for (const BatchItem& item : items) texts.emplace_back(item.text);
  return texts;
}

TEST(SplitJsonArrayTest, SplitsTopLevelElementsOnly) {
  std::vector<BatchItem> items;
  ASSERT_TRUE(SplitJsonArray(R"( [ {"a":[1,2],"b":"x,]}"} , {"c":{"d":[]}} ] )", &items).ok());
  EXPECT_EQ(Texts(items),
            (std::vector<std::string>{R"({"a":[1,2],"b":"x,]}"})", R"({"c":{"d":[]}})"}));
}

TEST(SplitJsonArrayTest, EscapedQuotesDoNotEndAString) {
  std::vector<BatchItem> items;
  ASSERT_TRUE(SplitJsonArray(R"([{"n":"a\"],[\\"},{"n":"b"}])", &items).ok());
  EXPECT_EQ(Texts(items), (std::vector<std::string>{R"({"n":"a\"],[\\"})", R"({"n":"b"})"}));
}

TEST(SplitJsonArrayTest, EmptyArrayHasNoItems) {
  std::vector<BatchItem> items;
  EXPECT_TRUE(SplitJsonArray("[ ]", &items).ok());
  EXPECT_TRUE(items.empty());
}

TEST(SplitJsonArrayTest, MalformedArraysAreRefused) {
  std::vector<BatchItem> items;
  for (const char* bad : {"[{}", "[{},]", "[,{}]", "[{}] x", "[{}}", "{}", "[{},,{}]", "[\"]"}) {
    EXPECT_EQ(SplitJsonArray(bad, &items).code(), Code::kDataError) << bad;
  }
}

TEST(SplitNdjsonTest, SkipsBlankLinesAndKeepsLineNumbers) {
  std::vector<BatchItem> items;
  SplitNdjson("{\"a\":1}\r\n\n  \n{\"b\":2}", &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].text, "{\"a\":1}");
  EXPECT_EQ(items[0].line, 1u);
  EXPECT_EQ(items[1].text, "{\"b\":2}");
  EXPECT_EQ(items[1].line, 4u);
}

TEST(IsBlankTest, OnlyJsonWhitespace) {
  EXPECT_TRUE(IsBlank(""));
  EXPECT_TRUE(IsBlank(" \r\n\t"));
  EXPECT_FALSE(IsBlank(" x "));
}

}  // namespace
}  // namespace logroute::http
