#include "libcore/ingest/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "libcore/spool/record.h"

namespace logroute::ingest {
namespace {

chain::Chain Build(const std::string& policy) {
  chain::ChainConfig config;
  config.SetValue("unrouted", policy);
  return std::move(chain::Chain::Create(config).value());
}

TEST(PipelineTest, ARoutedEventAppendsOneRecordForItsTable) {
  const chain::Chain chain = Build("reject");
  Pipeline pipeline;
  std::string records = "before\n";
  ASSERT_EQ(
      pipeline.Take(chain, R"({"unix_ts":7,"user_id":5,"event_name":"login"})", 1234, &records),
      Verdict::kRouted);
  EXPECT_EQ(pipeline.decision().table, "logs");
  EXPECT_EQ(pipeline.event().user_id, 5);
  // The record of that event, after what the buffer held.
  std::string expected = "before\n";
  spool::AppendRecord({.unix_ts = 7, .user_id = 5, .event_name = "login"}, "logs", 1234, &expected);
  EXPECT_EQ(records, expected);
}

TEST(PipelineTest, AnInvalidEventAppendsNothingAndKeepsTheParserErrors) {
  const chain::Chain chain = Build("store");
  Pipeline pipeline;
  std::string records;
  EXPECT_EQ(pipeline.Take(chain, R"({"unix_ts":"x","user_id":5})", 1, &records), Verdict::kInvalid);
  EXPECT_TRUE(records.empty());
  ASSERT_FALSE(pipeline.errors().empty());
  EXPECT_EQ(pipeline.errors()[0].field, "unix_ts");
}

TEST(PipelineTest, TheUnroutedPolicyRejectsStoresOrDrops) {
  const std::string json = R"({"unix_ts":1,"user_id":2,"event_name":"signup"})";
  Pipeline pipeline;
  std::string records;

  EXPECT_EQ(pipeline.Take(Build("reject"), json, 1, &records), Verdict::kRejected);
  EXPECT_TRUE(records.empty());
  EXPECT_TRUE(pipeline.decision().unrouted);

  EXPECT_EQ(pipeline.Take(Build("drop"), json, 1, &records), Verdict::kDropped);
  EXPECT_TRUE(records.empty());

  const chain::Chain store = Build("store");
  EXPECT_EQ(pipeline.Take(store, json, 1, &records), Verdict::kRouted);
  EXPECT_EQ(pipeline.decision().table, "unrouted_events");
  EXPECT_TRUE(pipeline.decision().unrouted);
  EXPECT_EQ(std::count(records.begin(), records.end(), '\n'), 1);
}

TEST(PipelineTest, FormFieldsTakeTheSamePath) {
  const chain::Chain chain = Build("reject");
  Pipeline pipeline;
  std::string records;
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"unix_ts", "3"}, {"user_id", "4"}, {"event_name", "logout"}};
  ASSERT_EQ(pipeline.TakeFields(chain, fields, 9, &records), Verdict::kRouted);
  EXPECT_EQ(pipeline.decision().table, "logs");
  std::string expected;
  spool::AppendRecord({.unix_ts = 3, .user_id = 4, .event_name = "logout"}, "logs", 9, &expected);
  EXPECT_EQ(records, expected);

  const std::vector<std::pair<std::string, std::string>> partial = {{"unix_ts", "3"}};
  EXPECT_EQ(pipeline.TakeFields(chain, partial, 9, &records), Verdict::kInvalid);
  EXPECT_FALSE(pipeline.errors().empty());
}

}  // namespace
}  // namespace logroute::ingest
