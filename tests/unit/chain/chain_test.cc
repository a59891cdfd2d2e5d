// The handler chain: default routes, operator routes, the unrouted policy, and
// the errors a bad configuration gets at build time.
#include "libcore/chain/chain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libcore/chain/table_name.h"

namespace logroute::chain {
namespace {

using Action = Decision::Action;

event::Event Named(std::string name) { return {1684129671, 123456, std::move(name)}; }

// The reason names the event, quoted ('x' or, escaped, "x").
bool NamesEvent(const std::string& reason, const std::string& name) {
  std::string json;
  event::AppendJsonString(name, &json);
  return reason.find("'" + name + "'") != std::string::npos ||
         reason.find(json) != std::string::npos;
}

Chain BuildOrDie(const ChainConfig& config) {
  Result<Chain> chain = Chain::Build(config);
  EXPECT_TRUE(chain.ok()) << chain.status().message();
  return std::move(chain).value();
}

Chain BuildOrDie(const std::vector<HandlerSpec>& specs) {
  Result<Chain> chain = Chain::Build(specs);
  EXPECT_TRUE(chain.ok()) << chain.status().message();
  return std::move(chain).value();
}

TEST(ChainTest, DefaultChainRoutesLoginAndLogoutToLogs) {
  const Chain chain = BuildOrDie(ChainConfig{});
  for (const char* name : {"login", "logout"}) {
    const Decision d = chain.Handle(Named(name));
    EXPECT_EQ(d.action, Action::kRoute) << name;
    EXPECT_EQ(d.table, "logs") << name;
    EXPECT_EQ(d.error, event::FieldError{});
  }
}

TEST(ChainTest, DefaultChainRejectsOtherNamesWithAReasonNamingTheEvent) {
  const Chain chain = BuildOrDie(ChainConfig{});
  for (const char* name : {"signup", "Login", "login ", "", "logout\n"}) {
    const Decision d = chain.Handle(Named(name));
    EXPECT_EQ(d.action, Action::kReject) << name;
    EXPECT_EQ(d.error.field, "event_name");
    EXPECT_EQ(d.error.reason.rfind("no route for ", 0), 0u) << d.error.reason;
    EXPECT_TRUE(NamesEvent(d.error.reason, name)) << d.error.reason;
    EXPECT_NE(d.error.reason.find("(unrouted policy is reject)"), std::string::npos)
        << d.error.reason;
  }
}

// Logs and reject files show the decision as parse errors are shown: one line.
TEST(ChainTest, ARejectReadsAsAParseErrorDoes) {
  const Decision d = BuildOrDie(ChainConfig{}).Handle(Named("sign\"up"));
  EXPECT_EQ(event::FormatErrors({d.error}),
            "event_name: no route for \"sign\\\"up\" (unrouted policy is reject)");
}

TEST(ChainTest, OperatorRoutesOverrideDefaultsAndAreTriedInOrder) {
  ChainConfig config;
  config.routes = {"login=audit", "signup=accounts", "signup=never_reached", "a=b=c_table"};
  const Chain chain = BuildOrDie(config);
  EXPECT_EQ(chain.Handle(Named("login")).table, "audit");
  EXPECT_EQ(chain.Handle(Named("logout")).table, "logs");
  EXPECT_EQ(chain.Handle(Named("signup")).table, "accounts");
  // The table is after the last '=': an event name may hold '='.
  const Decision d = chain.Handle(Named("a=b"));
  EXPECT_EQ(d.action, Action::kRoute);
  EXPECT_EQ(d.table, "c_table");
  EXPECT_EQ(chain.Handle(Named("other")).action, Action::kReject);
}

TEST(ChainTest, DefaultRoutesCanBeCleared) {
  ChainConfig config;
  config.default_routes.clear();
  config.routes = {"logout=logs"};
  const Chain chain = BuildOrDie(config);
  EXPECT_EQ(chain.Handle(Named("login")).action, Action::kReject);
  EXPECT_EQ(chain.Handle(Named("logout")).action, Action::kRoute);
}

TEST(ChainTest, UnroutedStoreSendsEverythingElseToTheCatchAllTable) {
  ChainConfig config;
  config.unrouted_policy = "store";
  const Chain chain = BuildOrDie(config);
  EXPECT_EQ(chain.Handle(Named("login")).table, "logs");
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kRoute);
  EXPECT_EQ(d.table, "unrouted_events");

  config.unrouted_table = "other_events";
  EXPECT_EQ(BuildOrDie(config).Handle(Named("x")).table, "other_events");
}

TEST(ChainTest, UnroutedDropDropsEverythingElse) {
  ChainConfig config;
  config.unrouted_policy = "drop";
  const Chain chain = BuildOrDie(config);
  EXPECT_EQ(chain.Handle(Named("logout")).action, Action::kRoute);
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kDrop);
  EXPECT_EQ(d.table, "");
}

TEST(ChainTest, InvalidTableNamesAreRefusedAtBuildTimeNamingTheTable) {
  for (const char* bad : {"1logs", "my-table", "logs;drop", "", "t\xC3\xA9", "a b",
                          "x2345678901234567890123456789012345678901234567890123456789012345"}) {
    ChainConfig config;
    config.routes = {std::string("login=") + bad};
    Result<Chain> chain = Chain::Build(config);
    ASSERT_FALSE(chain.ok()) << bad;
    EXPECT_EQ(chain.status().code(), Code::kUsage);
    EXPECT_NE(chain.status().message().find(std::string("'login=") + bad + "'"), std::string::npos)
        << chain.status().message();
    if (*bad != '\0') {
      EXPECT_NE(chain.status().message().find(std::string("table name '") + bad + "'"),
                std::string::npos)
          << chain.status().message();
    }
  }
  ChainConfig store;
  store.unrouted_policy = "store";
  store.unrouted_table = "bad-table";
  Result<Chain> chain = Chain::Build(store);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("'bad-table'"), std::string::npos)
      << chain.status().message();
}

TEST(ChainTest, TableNameRules) {
  EXPECT_TRUE(ValidateTableName("logs").ok());
  EXPECT_TRUE(ValidateTableName("_x9").ok());
  EXPECT_TRUE(ValidateTableName(std::string(64, 'a')).ok());
  EXPECT_FALSE(ValidateTableName(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateTableName("9x").ok());
  EXPECT_FALSE(ValidateTableName("").ok());
}

TEST(ChainTest, MalformedRoutesAreRefused) {
  for (const char* bad : {"login", "=logs", ""}) {
    ChainConfig config;
    config.routes = {bad};
    Result<Chain> chain = Chain::Build(config);
    ASSERT_FALSE(chain.ok()) << bad;
    EXPECT_EQ(chain.status().code(), Code::kUsage);
    EXPECT_NE(chain.status().message().find("EVENT_NAME=TABLE"), std::string::npos)
        << chain.status().message();
  }
}

TEST(ChainTest, UnknownHandlerKindOrPolicyIsAUsageError) {
  Result<Chain> chain =
      Chain::Build(std::vector<HandlerSpec>{{"route", "login=logs"}, {"reroute", "x"}});
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Code::kUsage);
  EXPECT_EQ(chain.status().message(), "unknown handler kind 'reroute'");

  ChainConfig config;
  config.unrouted_policy = "ignore";
  chain = Chain::Build(config);
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.status().message().find("'ignore'"), std::string::npos)
      << chain.status().message();

  chain = Chain::Build(std::vector<HandlerSpec>{});
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Code::kUsage);
}

TEST(ChainTest, DescribeListsHandlersInChainOrder) {
  ChainConfig config;
  config.routes = {"signup=accounts", "login=audit"};
  config.unrouted_policy = "store";
  EXPECT_EQ(BuildOrDie(config).Describe(),
            (std::vector<std::string>{"route signup -> accounts", "route login -> audit",
                                      "route login -> logs", "route logout -> logs",
                                      "unrouted store -> unrouted_events"}));
  EXPECT_EQ(
      BuildOrDie(ChainConfig{}).Describe(),
      (std::vector<std::string>{"route login -> logs", "route logout -> logs", "unrouted reject"}));
  config.unrouted_policy = "drop";
  EXPECT_EQ(BuildOrDie(config).Describe().back(), "unrouted drop");
}

TEST(ChainTest, SpecsEndWithTheUnroutedHandler) {
  ChainConfig config;
  config.routes = {"a=t"};
  const std::vector<HandlerSpec> specs = ChainSpecs(config);
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].kind, "route");
  EXPECT_EQ(specs[0].argument, "a=t");
  EXPECT_EQ(specs[3].kind, "unrouted");
  EXPECT_EQ(specs[3].argument, "reject");
}

// A chain made by hand, with no unrouted handler at its end, still decides
// every event: one nobody takes is rejected with a reason, never lost.
TEST(ChainTest, HandMadeChainWithoutADeciderNeverLosesAnEvent) {
  const Chain chain =
      BuildOrDie(std::vector<HandlerSpec>{{"route", "login=logs"}, {"route", "logout=logs"}});
  EXPECT_EQ(chain.Handle(Named("login")).action, Action::kRoute);
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_TRUE(NamesEvent(d.error.reason, "signup")) << d.error.reason;
  EXPECT_EQ(d.error.field, "event_name");
}

// Decisions point into the chain, not into the event: the table outlives the event.
TEST(ChainTest, DecisionTableOutlivesTheEvent) {
  ChainConfig config;
  config.routes = {"temporary=kept_table"};
  const Chain chain = BuildOrDie(config);
  Decision d;
  {
    event::Event e = Named("temporary");
    d = chain.Handle(e);
    e.event_name.assign(100, 'x');
  }
  EXPECT_EQ(d.table, "kept_table");
}

}  // namespace
}  // namespace logroute::chain
