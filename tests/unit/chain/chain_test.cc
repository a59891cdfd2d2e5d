// The handler chain: default routes, operator routes, the unrouted policy, and
// the errors a bad configuration gets at build time.
#include "libcore/chain/chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "libcore/chain/registry.h"
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

Chain CreateOrDie(const ChainConfig& config) {
  Result<Chain> chain = Chain::Create(config);
  EXPECT_TRUE(chain.ok()) << chain.status().message();
  return std::move(chain).value();
}

TEST(ChainTest, DefaultChainRoutesLoginAndLogoutToLogs) {
  const Chain chain = CreateOrDie(ChainConfig{});
  for (const char* name : {"login", "logout"}) {
    const Decision d = chain.Handle(Named(name));
    EXPECT_EQ(d.action, Action::kRoute) << name;
    EXPECT_EQ(d.table, "logs") << name;
    EXPECT_FALSE(d.error.has_value()) << name;
  }
}

TEST(ChainTest, DefaultChainRejectsOtherNamesWithAReasonNamingTheEvent) {
  const Chain chain = CreateOrDie(ChainConfig{});
  for (const char* name : {"signup", "Login", "login ", "", "logout\n"}) {
    const Decision d = chain.Handle(Named(name));
    EXPECT_EQ(d.action, Action::kReject) << name;
    ASSERT_TRUE(d.error.has_value()) << name;
    EXPECT_EQ(d.error->field, "event_name");
    EXPECT_EQ(d.error->reason.rfind("no route for ", 0), 0u) << d.error->reason;
    EXPECT_TRUE(NamesEvent(d.error->reason, name)) << d.error->reason;
    EXPECT_NE(d.error->reason.find("(unrouted policy is reject)"), std::string::npos)
        << d.error->reason;
  }
}

// Logs and reject files show the decision as parse errors are shown: one line.
TEST(ChainTest, ARejectReadsAsAParseErrorDoes) {
  const Decision d = CreateOrDie(ChainConfig{}).Handle(Named("sign\"up"));
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(event::FormatErrors({*d.error}),
            "event_name: no route for \"sign\\\"up\" (unrouted policy is reject)");
}

TEST(ChainTest, OperatorRoutesOverrideDefaultsAndAreTriedInOrder) {
  ChainConfig config;
  config.SetList("route",
                 {"login=audit", "signup=accounts", "signup=never_reached", "a=b=c_table"});
  const Chain chain = CreateOrDie(config);
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
  config.SetFlag("no-default-routes", true);
  config.SetList("route", {"logout=logs"});
  const Chain chain = CreateOrDie(config);
  EXPECT_EQ(chain.Handle(Named("login")).action, Action::kReject);
  EXPECT_EQ(chain.Handle(Named("logout")).action, Action::kRoute);
}

TEST(ChainTest, UnroutedStoreSendsEverythingElseToTheCatchAllTable) {
  ChainConfig config;
  config.SetValue("unrouted", "store");
  const Chain chain = CreateOrDie(config);
  EXPECT_EQ(chain.Handle(Named("login")).table, "logs");
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kRoute);
  EXPECT_EQ(d.table, "unrouted_events");

  config.SetValue("unrouted-table", "other_events");
  EXPECT_EQ(CreateOrDie(config).Handle(Named("x")).table, "other_events");
}

TEST(ChainTest, UnroutedDropDropsEverythingElse) {
  ChainConfig config;
  config.SetValue("unrouted", "drop");
  const Chain chain = CreateOrDie(config);
  EXPECT_EQ(chain.Handle(Named("logout")).action, Action::kRoute);
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kDrop);
  EXPECT_EQ(d.table, "");
}

TEST(ChainTest, InvalidTableNamesAreRefusedAtBuildTimeNamingTheTable) {
  for (const char* bad : {"1logs", "my-table", "logs;drop", "", "t\xC3\xA9", "a b",
                          "x2345678901234567890123456789012345678901234567890123456789012345"}) {
    ChainConfig config;
    config.SetList("route", {std::string("login=") + bad});
    Result<Chain> chain = Chain::Create(config);
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
  store.SetValue("unrouted", "store");
  store.SetValue("unrouted-table", "bad-table");
  Result<Chain> chain = Chain::Create(store);
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
    config.SetList("route", {bad});
    Result<Chain> chain = Chain::Create(config);
    ASSERT_FALSE(chain.ok()) << bad;
    EXPECT_EQ(chain.status().code(), Code::kUsage);
    EXPECT_NE(chain.status().message().find("(NAME=TABLE)"), std::string::npos)
        << chain.status().message();
  }
}

// The command line takes only the policies --unrouted lists; a config set in
// code is checked as well.
TEST(ChainTest, UnknownPolicyOrAnEmptyChainIsAUsageError) {
  ChainConfig config;
  config.SetValue("unrouted", "ignore");
  Result<Chain> chain = Chain::Create(config);
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Code::kUsage);
  EXPECT_NE(chain.status().message().find("'ignore'"), std::string::npos)
      << chain.status().message();

  chain = Chain::Create(ChainConfig(std::span<const HandlerKind* const>{}));
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Code::kUsage);
  const HandlerKind* const routes_only[] = {&kRouteKind};
  chain = Chain::Create(ChainConfig(routes_only).SetFlag("no-default-routes", true));
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().message(), "the handler chain is empty");
}

TEST(ChainTest, DescribeListsHandlersInChainOrder) {
  ChainConfig config;
  config.SetList("route", {"signup=accounts", "login=audit"});
  config.SetValue("unrouted", "store");
  EXPECT_EQ(CreateOrDie(config).Describe(),
            (std::vector<std::string>{"route signup -> accounts", "route login -> audit",
                                      "route login -> logs", "route logout -> logs",
                                      "unrouted store -> unrouted_events"}));
  EXPECT_EQ(
      CreateOrDie(ChainConfig{}).Describe(),
      (std::vector<std::string>{"route login -> logs", "route logout -> logs", "unrouted reject"}));
  config.SetValue("unrouted", "drop");
  EXPECT_EQ(CreateOrDie(config).Describe().back(), "unrouted drop");
}

// recv's chain ends with the unrouted handler, whatever the options say.
TEST(ChainTest, TheUnroutedKindIsLastAndEveryOptionHasOneOwner) {
  ASSERT_FALSE(HandlerKinds().empty());
  EXPECT_EQ(HandlerKinds().back(), &kUnroutedKind);
  ChainConfig config;
  config.SetList("route", {"a=t"}).SetFlag("no-default-routes", true);
  EXPECT_EQ(CreateOrDie(config).Describe(),
            (std::vector<std::string>{"route a -> t", "unrouted reject"}));
  std::vector<std::string_view> names = ChainOptionNames();
  EXPECT_EQ(names, (std::vector<std::string_view>{"route", "no-default-routes", "unrouted",
                                                  "unrouted-table"}));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

// A chain without an unrouted handler at its end still decides every event:
// one nobody takes is rejected with a reason, never lost.
TEST(ChainTest, AChainWithoutADeciderNeverLosesAnEvent) {
  const HandlerKind* const routes_only[] = {&kRouteKind};
  const Chain chain = CreateOrDie(ChainConfig(routes_only));
  EXPECT_EQ(chain.Handle(Named("login")).action, Action::kRoute);
  const Decision d = chain.Handle(Named("signup"));
  EXPECT_EQ(d.action, Action::kReject);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_TRUE(NamesEvent(d.error->reason, "signup")) << d.error->reason;
  EXPECT_EQ(d.error->field, "event_name");
}

// Decisions point into the chain, not into the event: the table outlives the event.
TEST(ChainTest, DecisionTableOutlivesTheEvent) {
  ChainConfig config;
  config.SetList("route", {"temporary=kept_table"});
  const Chain chain = CreateOrDie(config);
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
