#include "libcore/http/log_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace logroute::http {
namespace {

class LogApiTest : public ::testing::Test {
 protected:
  LogApiTest() : chain_(Build("reject")), api_(chain_, metrics_, Env::Default()) {}

  static chain::Chain Build(const std::string& policy) {
    chain::ChainConfig config;
    config.SetValue("unrouted", policy);
    return std::move(chain::Chain::Create(config).value());
  }

  ApiOutcome Judge(const std::string& body, BodyKind kind = BodyKind::kJson,
                   std::string boundary = "") {
    ApiOutcome out;
    api_.Judge({kind, std::move(boundary)}, body, &records_, &out);
    return out;
  }

  chain::LiveChain chain_;
  Metrics metrics_;
  LogApi api_;
  std::string records_;
};

TEST_F(LogApiTest, OneEventIs201WithItsJsonAndOneRecord) {
  const ApiOutcome out = Judge(R"({"event_name":"login","user_id":5,"unix_ts":7,"x":1})");
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.body, R"({"unix_ts":7,"user_id":5,"event_name":"login"})");
  EXPECT_EQ(out.records, 1u);
  ASSERT_EQ(out.tables.size(), 1u);
  EXPECT_EQ(out.tables.begin()->first, "logs");
  EXPECT_EQ(std::count(records_.begin(), records_.end(), '\n'), 1);
  EXPECT_NE(records_.find("\tlogs\t7\t5\tlogin\n"), std::string::npos) << records_;
}

TEST_F(LogApiTest, ErrorsAreGroupedByField) {
  const ApiOutcome out = Judge(R"({"unix_ts":"a","user_id":1.5})");
  EXPECT_EQ(out.status, 400u);
  const auto body = nlohmann::json::parse(out.body);
  EXPECT_EQ(body.size(), 3u) << out.body;
  for (const char* field : {"unix_ts", "user_id", "event_name"}) {
    EXPECT_TRUE(body[field].is_array()) << field << " in " << out.body;
  }
  EXPECT_TRUE(records_.empty());
  EXPECT_EQ(out.records, 0u);
}

TEST_F(LogApiTest, UnroutedIs422UnderEventName) {
  const ApiOutcome out = Judge(R"({"unix_ts":1,"user_id":1,"event_name":"x"})");
  EXPECT_EQ(out.status, 422u);
  EXPECT_TRUE(nlohmann::json::parse(out.body)["event_name"].is_array()) << out.body;
  EXPECT_TRUE(records_.empty());
}

TEST_F(LogApiTest, FailedBatchLeavesEarlierRecordsOfTheBufferAlone) {
  records_ = "earlier\n";
  const ApiOutcome out = Judge(
      "{\"unix_ts\":1,\"user_id\":1,\"event_name\":\"login\"}\n"
      "{\"unix_ts\":1,\"user_id\":1,\"event_name\":\"logout\"}\n"
      "{\"unix_ts\":1}\n",
      BodyKind::kNdjson);
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(records_, "earlier\n");  // the two good lines were taken back
  EXPECT_EQ(out.records, 0u);
  EXPECT_TRUE(out.tables.empty());
  const auto body = nlohmann::json::parse(out.body);
  EXPECT_EQ(body["index"], 2);
  EXPECT_EQ(body["line"], 3);
}

TEST_F(LogApiTest, GoodBatchCountsPerTable) {
  const ApiOutcome out = Judge(R"([{"unix_ts":1,"user_id":1,"event_name":"login"},)"
                               R"({"unix_ts":1,"user_id":2,"event_name":"logout"}])");
  EXPECT_EQ(out.status, 202u);
  EXPECT_EQ(out.body, R"({"accepted":2})");
  EXPECT_EQ(out.records, 2u);
  ASSERT_EQ(out.tables.size(), 1u);
  EXPECT_EQ(out.tables.begin()->second, 2u);
}

// An event_id is taken the same way by every body kind, and refused the same way.
TEST_F(LogApiTest, EventIdInEveryKindOfBody) {
  ApiOutcome out = Judge(R"({"unix_ts":7,"user_id":5,"event_name":"login","event_id":"a-1"})");
  EXPECT_EQ(out.status, 201u) << out.body;
  EXPECT_EQ(out.body, R"({"unix_ts":7,"user_id":5,"event_name":"login","event_id":"a-1"})");
  out = Judge(R"([{"unix_ts":1,"user_id":1,"event_name":"login","event_id":"b-1"},)"
              R"({"unix_ts":1,"user_id":2,"event_name":"logout"}])");
  EXPECT_EQ(out.status, 202u) << out.body;
  out = Judge("{\"unix_ts\":1,\"user_id\":1,\"event_name\":\"login\",\"event_id\":\"c-1\"}\n",
              BodyKind::kNdjson);
  EXPECT_EQ(out.status, 202u) << out.body;
  out = Judge("unix_ts=1&user_id=5&event_name=login&event_id=d-1", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 201u) << out.body;
  EXPECT_EQ(out.body, R"({"unix_ts":1,"user_id":5,"event_name":"login","event_id":"d-1"})");
  EXPECT_EQ(std::count(records_.begin(), records_.end(), '\n'), 5) << records_;

  const std::string before = records_;
  out = Judge(R"({"unix_ts":7,"user_id":5,"event_name":"login","event_id":"a b"})");
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(out.body, R"({"event_id":["must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"]})");
  out = Judge(R"([{"unix_ts":1,"user_id":1,"event_name":"login","event_id":""}])");
  EXPECT_EQ(out.status, 400u) << out.body;
  EXPECT_NE(out.body.find("event_id"), std::string::npos) << out.body;
  out = Judge("unix_ts=1&user_id=5&event_name=login&event_id=%2F", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(out.body, R"({"event_id":["must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"]})");
  EXPECT_EQ(records_, before);
}

TEST_F(LogApiTest, EmptyBodyIs400) {
  EXPECT_EQ(Judge("").status, 400u);
  EXPECT_EQ(Judge("\n\n", BodyKind::kNdjson).status, 400u);
}

// The original service's clients may post HTML forms: the echo is the same
// JSON event, with integers.
TEST_F(LogApiTest, UrlEncodedFormIs201WithTheEventAsJson) {
  const ApiOutcome out =
      Judge("unix_ts=1684129671.0&user_id=+5&event_name=login", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 201u) << out.body;
  EXPECT_EQ(out.body, R"({"unix_ts":1684129671,"user_id":5,"event_name":"login"})");
  EXPECT_EQ(out.records, 1u);
}

TEST_F(LogApiTest, MultipartFormIs201WithTheEventAsJson) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"unix_ts\"\r\n\r\n1684129671\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\n7\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"event_name\"\r\n\r\nlogout\r\n--b--\r\n";
  const ApiOutcome out = Judge(body, BodyKind::kMultipart, "b");
  EXPECT_EQ(out.status, 201u) << out.body;
  EXPECT_EQ(out.body, R"({"unix_ts":1684129671,"user_id":7,"event_name":"logout"})");
}

TEST_F(LogApiTest, BadFormsAre400AndStoreNothing) {
  ApiOutcome out = Judge("unix_ts=12.5&user_id=true&event_name=login", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(out.body, R"({"unix_ts":["expected an integer, got the string \"12.5\""],)"
                      R"("user_id":["expected an integer, got the string \"true\""]})");
  out = Judge("--b\r\nno headers", BodyKind::kMultipart, "b");
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(out.body, R"({"non_field_errors":["part 1 has no blank line after its headers"]})");
  out = Judge("", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(nlohmann::json::parse(out.body).size(), 3u) << out.body;  // three fields required
  out = Judge("unix_ts=1&user_id=1&event_name=nowhere", BodyKind::kUrlEncoded);
  EXPECT_EQ(out.status, 422u);
  EXPECT_TRUE(records_.empty());
}

TEST(LogApiDropTest, DroppedEventsAreCountedNotStored) {
  chain::ChainConfig config;
  config.SetValue("unrouted", "drop");
  const chain::LiveChain chain(std::move(chain::Chain::Create(config).value()));
  Metrics metrics;
  const LogApi api(chain, metrics, Env::Default());
  std::string records;
  ApiOutcome out;
  api.Judge({BodyKind::kJson, ""}, R"({"unix_ts":1,"user_id":1,"event_name":"x"})", &records, &out);
  EXPECT_EQ(out.status, 202u);
  EXPECT_EQ(out.body, R"({"accepted":0,"dropped":1})");
  EXPECT_TRUE(records.empty());
  EXPECT_NE(metrics.Render(0, 0).find("logroute_events_dropped_total 1\n"), std::string::npos);
}

// logroute_events_unrouted_total{event_name}: whatever the policy did.
TEST(LogApiUnroutedTest, EachPolicyCountsUnroutedEventsByName) {
  for (const char* policy : {"reject", "store", "drop"}) {
    chain::ChainConfig config;
    config.SetValue("unrouted", policy);
    const chain::LiveChain chain(std::move(chain::Chain::Create(config).value()));
    Metrics metrics;
    const LogApi api(chain, metrics, Env::Default());
    std::string records;
    ApiOutcome out;
    api.Judge({BodyKind::kJson, ""}, R"({"unix_ts":1,"user_id":1,"event_name":"buy"})", &records,
              &out);
    api.Judge({BodyKind::kNdjson, ""},
              "{\"unix_ts\":1,\"user_id\":1,\"event_name\":\"login\"}\n"
              "{\"unix_ts\":1,\"user_id\":2,\"event_name\":\"buy\"}\n",
              &records, &out);
    const std::string text = metrics.Render(0, 0);
    EXPECT_NE(text.find("logroute_events_unrouted_total{event_name=\"buy\"} 2\n"),
              std::string::npos)
        << policy << "\n"
        << text;
    EXPECT_EQ(text.find("event_name=\"login\""), std::string::npos) << policy;
  }
}

TEST(LogApiUnroutedTest, TheReasonOfA4xxIsSet) {
  const chain::LiveChain chain(std::move(chain::Chain::Create(chain::ChainConfig{}).value()));
  Metrics metrics;
  const LogApi api(chain, metrics, Env::Default());
  std::string records;
  ApiOutcome out;
  api.Judge({BodyKind::kJson, ""}, R"({"unix_ts":1,"user_id":1,"event_name":"buy"})", &records,
            &out);
  EXPECT_EQ(out.status, 422u);
  EXPECT_EQ(out.client_error, ClientError::kUnroutedEvent);
  api.Judge({BodyKind::kJson, ""}, "[1]", &records, &out);
  EXPECT_EQ(out.status, 400u);
  EXPECT_EQ(out.client_error, ClientError::kInvalidEvent);
}

// A request is judged by the chain of the moment, which its outcome keeps
// alive: the table names it points into outlive a reload.
TEST(LogApiReloadTest, TheNextRequestSeesTheNewChainTheLastKeepsItsOwn) {
  chain::ChainConfig config;
  chain::LiveChain chain(std::move(chain::Chain::Create(config).value()));
  Metrics metrics;
  const LogApi api(chain, metrics, Env::Default());
  std::string records;
  ApiOutcome before;
  api.Judge({BodyKind::kJson, ""}, R"({"unix_ts":1,"user_id":1,"event_name":"login"})", &records,
            &before);
  ASSERT_EQ(before.status, 201u);
  config.SetList("route", {"buy=purchases", "login=logins"});
  chain.Replace(std::move(chain::Chain::Create(config).value()));
  ApiOutcome after;
  api.Judge({BodyKind::kJson, ""}, R"({"unix_ts":1,"user_id":1,"event_name":"buy"})", &records,
            &after);
  EXPECT_EQ(after.status, 201u);
  ASSERT_EQ(after.tables.size(), 1u);
  EXPECT_EQ(after.tables.begin()->first, "purchases");
  ASSERT_EQ(before.tables.size(), 1u);
  EXPECT_EQ(before.tables.begin()->first, "logs") << "still readable: `before` holds its chain";
  api.CountStored(before);
  EXPECT_NE(metrics.Render(0, 0).find("logroute_events_accepted_total{table=\"logs\"} 1\n"),
            std::string::npos);
}

TEST(StoreFailedTest, FullDiskIs507OtherErrorsAre503) {
  ApiOutcome out;
  LogApi::StoreFailed(Status::NoSpace("no space left on device"), &out);
  EXPECT_EQ(out.status, 507u);
  EXPECT_NE(nlohmann::json::parse(out.body)["detail"].get<std::string>().find("no space"),
            std::string::npos);
  LogApi::StoreFailed(Status::IoError("input/output error"), &out);
  EXPECT_EQ(out.status, 503u);
}

std::optional<BodyKind> KindOf(std::string_view content_type) {
  std::optional<BodyType> type = BodyTypeOf(content_type);
  return type ? std::optional<BodyKind>(type->kind) : std::nullopt;
}

TEST(BodyTypeOfTest, MediaTypes) {
  EXPECT_EQ(KindOf("application/json"), BodyKind::kJson);
  EXPECT_EQ(KindOf("Application/JSON; charset=utf-8"), BodyKind::kJson);
  EXPECT_EQ(KindOf("application/x-ndjson"), BodyKind::kNdjson);
  EXPECT_EQ(KindOf("application/x-www-form-urlencoded; charset=UTF-8"), BodyKind::kUrlEncoded);
  EXPECT_EQ(KindOf("multipart/form-data; boundary=x"), BodyKind::kMultipart);
  EXPECT_EQ(KindOf(""), std::nullopt);
  EXPECT_EQ(KindOf("text/plain"), std::nullopt);
  EXPECT_EQ(KindOf("application/jsonx"), std::nullopt);
  EXPECT_EQ(KindOf("multipart/mixed; boundary=x"), std::nullopt);
}

TEST(BodyTypeOfTest, MultipartBoundary) {
  EXPECT_EQ(BodyTypeOf("multipart/form-data; boundary=abc")->boundary, "abc");
  EXPECT_EQ(BodyTypeOf("multipart/form-data;charset=utf-8;Boundary=\"a;b c\"")->boundary, "a;b c");
  EXPECT_EQ(BodyTypeOf("multipart/form-data")->boundary, "");
}

}  // namespace
}  // namespace logroute::http
